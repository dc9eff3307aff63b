/*
 * binary.c - elementwise float32 arithmetic with numpy broadcasting
 * (ONNX "Broadcasting in ONNX", multidirectional): y = a OP b.
 *
 * needs: nothing (pow_bcast_f32: <math.h> and libm, -lm)
 *
 * The emitter collapses operand shapes (codegen/emit_util.c): a broadcast
 * is described by the output dims d[rank] and each operand's element
 * strides (0 along a dimension where that operand is broadcast). Three
 * entry points: both operands of the output's shape, one operand a scalar,
 * and the general strided case. The operator switch sits outside the loops
 * so that each loop is a plain vectorizable one. y may be the same buffer
 * as an operand of the output's shape (in-place update).
 */

/* @kernel binop */
/* Operator codes of the binary kernels. RSUB/RDIV: the scalar comes first. */
enum { TSNC_ADD, TSNC_SUB, TSNC_MUL, TSNC_DIV, TSNC_MAX, TSNC_MIN, TSNC_RSUB, TSNC_RDIV };

/* @kernel binary_params */
/* One call of a two-operand elementwise kernel (binary_*, pow_bcast_f32, compare_*,
 * logic_bcast_u8): y = a op b. A kernel reads only the fields its comment names. */
struct binary_params {
    int op;         /* operator code (TSNC_ADD.., TSNC_EQ.., TSNC_AND..); pow_bcast_f32: unused */
    long n;         /* _same, _scalar forms: elements of a (and b) and y */
    float s;        /* _scalar forms: the scalar operand */
    int rank;       /* _bcast forms: collapsed dims of y, 1..8 */
    const long *d;  /* _bcast forms: y's dims (rank entries); y is contiguous */
    const long *sa; /* _bcast forms: element strides of a along d (0 where broadcast) */
    const long *sb; /* _bcast forms: element strides of b along d (0 where broadcast) */
};

/* @kernel binary_same_f32 uses binop binary_params */
/* y[i] = a[i] op b[i], i < n: operands of the same shape. */
static void binary_same_f32(const float *a, const float *b, float *y, const struct binary_params *p)
{
    const int op = p->op;
    const long n = p->n;
    long i;
    switch (op) {
    case TSNC_ADD: for (i = 0; i < n; i++) y[i] = a[i] + b[i]; break;
    case TSNC_SUB: for (i = 0; i < n; i++) y[i] = a[i] - b[i]; break;
    case TSNC_MUL: for (i = 0; i < n; i++) y[i] = a[i] * b[i]; break;
    case TSNC_DIV: for (i = 0; i < n; i++) y[i] = a[i] / b[i]; break;
    case TSNC_MAX: for (i = 0; i < n; i++) y[i] = a[i] > b[i] ? a[i] : b[i]; break;
    case TSNC_MIN: for (i = 0; i < n; i++) y[i] = a[i] < b[i] ? a[i] : b[i]; break;
    case TSNC_RSUB: for (i = 0; i < n; i++) y[i] = b[i] - a[i]; break;
    case TSNC_RDIV: for (i = 0; i < n; i++) y[i] = b[i] / a[i]; break;
    }
}

/* @kernel binary_scalar_f32 uses binop binary_params */
/* y[i] = a[i] op s, i < n (RSUB: s - a[i], RDIV: s / a[i]). */
static void binary_scalar_f32(const float *a, float *y, const struct binary_params *p)
{
    const int op = p->op;
    const long n = p->n;
    const float s = p->s;
    long i;
    switch (op) {
    case TSNC_ADD: for (i = 0; i < n; i++) y[i] = a[i] + s; break;
    case TSNC_SUB: for (i = 0; i < n; i++) y[i] = a[i] - s; break;
    case TSNC_MUL: for (i = 0; i < n; i++) y[i] = a[i] * s; break;
    case TSNC_DIV: for (i = 0; i < n; i++) y[i] = a[i] / s; break;
    case TSNC_MAX: for (i = 0; i < n; i++) y[i] = a[i] > s ? a[i] : s; break;
    case TSNC_MIN: for (i = 0; i < n; i++) y[i] = a[i] < s ? a[i] : s; break;
    case TSNC_RSUB: for (i = 0; i < n; i++) y[i] = s - a[i]; break;
    case TSNC_RDIV: for (i = 0; i < n; i++) y[i] = s / a[i]; break;
    }
}

/* @kernel binary_bcast_f32 uses binop binary_params */
/* One row of the strided case: y[i] = a[i*sa] op b[i*sb], i < n. */
static void binary_row_f32(int op, const float *a, long sa, const float *b, long sb,
                           float *y, long n)
{
    long i;
    switch (op) {
    case TSNC_ADD: for (i = 0; i < n; i++) y[i] = a[i * sa] + b[i * sb]; break;
    case TSNC_SUB: for (i = 0; i < n; i++) y[i] = a[i * sa] - b[i * sb]; break;
    case TSNC_MUL: for (i = 0; i < n; i++) y[i] = a[i * sa] * b[i * sb]; break;
    case TSNC_DIV: for (i = 0; i < n; i++) y[i] = a[i * sa] / b[i * sb]; break;
    case TSNC_MAX:
        for (i = 0; i < n; i++) y[i] = a[i * sa] > b[i * sb] ? a[i * sa] : b[i * sb];
        break;
    case TSNC_MIN:
        for (i = 0; i < n; i++) y[i] = a[i * sa] < b[i * sb] ? a[i * sa] : b[i * sb];
        break;
    case TSNC_RSUB: for (i = 0; i < n; i++) y[i] = b[i * sb] - a[i * sa]; break;
    case TSNC_RDIV: for (i = 0; i < n; i++) y[i] = b[i * sb] / a[i * sa]; break;
    }
}

/*
 * y = a op b broadcast: y is contiguous with dims d[0..rank) (rank <= 8);
 * a and b are read with element strides sa[], sb[] (0 where broadcast).
 */
static void binary_bcast_f32(const float *a, const float *b, float *y, const struct binary_params *p)
{
    const int op = p->op, rank = p->rank;
    const long *d = p->d, *sa = p->sa, *sb = p->sb;
    long idx[8] = {0}; /* position in the outer dims d[0..rank-1) */
    long rows = 1, n = d[rank - 1], r;
    int i;
    for (i = 0; i < rank - 1; i++) rows *= d[i];
    for (r = 0; r < rows; r++) {
        long oa = 0, ob = 0;
        for (i = 0; i < rank - 1; i++) {
            oa += idx[i] * sa[i];
            ob += idx[i] * sb[i];
        }
        binary_row_f32(op, a + oa, sa[rank - 1], b + ob, sb[rank - 1], y + r * n, n);
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
}

/* @kernel pow_bcast_f32 uses binary_params needs <math.h> -lm */
/* y = pow(a, b) broadcast (ONNX Pow, float exponent); strides as binary_bcast_f32. */
static void pow_bcast_f32(const float *a, const float *b, float *y, const struct binary_params *p)
{
    const int rank = p->rank;
    const long *d = p->d, *sa = p->sa, *sb = p->sb;
    long idx[8] = {0};
    long rows = 1, n = d[rank - 1], r, j;
    int i;
    for (i = 0; i < rank - 1; i++) rows *= d[i];
    for (r = 0; r < rows; r++) {
        long oa = 0, ob = 0;
        for (i = 0; i < rank - 1; i++) {
            oa += idx[i] * sa[i];
            ob += idx[i] * sb[i];
        }
        for (j = 0; j < n; j++)
            y[r * n + j] = powf(a[oa + j * sa[rank - 1]], b[ob + j * sb[rank - 1]]);
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
}
