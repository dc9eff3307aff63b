/*
 * compare.c - float32 comparisons (ONNX Equal, Greater, GreaterOrEqual,
 * Less, LessOrEqual) and boolean logic (And, Or, Xor, Not). Booleans are
 * one byte each, 0 or 1, as ONNX bool tensors.
 *
 * needs: nothing
 *
 * Shapes are broadcast as in binary.c: output dims d[rank], operand element
 * strides (0 where broadcast). A comparison with NaN is false (IEEE 754).
 */

/* @kernel cmpop */
/* Operator codes of the comparison kernels. */
enum { TSNC_EQ, TSNC_GT, TSNC_GE, TSNC_LT, TSNC_LE };

/* @kernel compare_same_f32 uses cmpop binary_params */
/* y[i] = a[i] op b[i], i < n: operands of the same shape. */
static void compare_same_f32(const float *a, const float *b, unsigned char *y, const struct binary_params *p)
{
    const int op = p->op;
    const long n = p->n;
    long i;
    switch (op) {
    case TSNC_EQ: for (i = 0; i < n; i++) y[i] = a[i] == b[i]; break;
    case TSNC_GT: for (i = 0; i < n; i++) y[i] = a[i] > b[i]; break;
    case TSNC_GE: for (i = 0; i < n; i++) y[i] = a[i] >= b[i]; break;
    case TSNC_LT: for (i = 0; i < n; i++) y[i] = a[i] < b[i]; break;
    case TSNC_LE: for (i = 0; i < n; i++) y[i] = a[i] <= b[i]; break;
    }
}

/* @kernel compare_scalar_f32 uses cmpop binary_params */
/* y[i] = a[i] op s, i < n (a scalar on the left is handled by flipping op). */
static void compare_scalar_f32(const float *a, unsigned char *y, const struct binary_params *p)
{
    const int op = p->op;
    const long n = p->n;
    const float s = p->s;
    long i;
    switch (op) {
    case TSNC_EQ: for (i = 0; i < n; i++) y[i] = a[i] == s; break;
    case TSNC_GT: for (i = 0; i < n; i++) y[i] = a[i] > s; break;
    case TSNC_GE: for (i = 0; i < n; i++) y[i] = a[i] >= s; break;
    case TSNC_LT: for (i = 0; i < n; i++) y[i] = a[i] < s; break;
    case TSNC_LE: for (i = 0; i < n; i++) y[i] = a[i] <= s; break;
    }
}

/* @kernel compare_bcast_f32 uses cmpop binary_params */
/* y = a op b broadcast; y contiguous with dims d[0..rank) (rank <= 8). */
static void compare_bcast_f32(const float *a, const float *b, unsigned char *y, const struct binary_params *p)
{
    const int op = p->op, rank = p->rank;
    const long *d = p->d, *sa = p->sa, *sb = p->sb;
    long idx[8] = {0};
    long rows = 1, n = d[rank - 1], r, j;
    int i;
    for (i = 0; i < rank - 1; i++) rows *= d[i];
    for (r = 0; r < rows; r++) {
        const float *ar = a, *br = b;
        unsigned char *yr = y + r * n;
        long ja = sa[rank - 1], jb = sb[rank - 1];
        for (i = 0; i < rank - 1; i++) {
            ar += idx[i] * sa[i];
            br += idx[i] * sb[i];
        }
        switch (op) {
        case TSNC_EQ: for (j = 0; j < n; j++) yr[j] = ar[j * ja] == br[j * jb]; break;
        case TSNC_GT: for (j = 0; j < n; j++) yr[j] = ar[j * ja] > br[j * jb]; break;
        case TSNC_GE: for (j = 0; j < n; j++) yr[j] = ar[j * ja] >= br[j * jb]; break;
        case TSNC_LT: for (j = 0; j < n; j++) yr[j] = ar[j * ja] < br[j * jb]; break;
        case TSNC_LE: for (j = 0; j < n; j++) yr[j] = ar[j * ja] <= br[j * jb]; break;
        }
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
}

/* @kernel logicop */
/* Operator codes of logic_bcast_u8. */
enum { TSNC_AND, TSNC_OR, TSNC_XOR };

/* @kernel logic_bcast_u8 uses logicop binary_params */
/* y = a op b on booleans, broadcast; y contiguous with dims d[0..rank) (rank <= 8). */
static void logic_bcast_u8(const unsigned char *a, const unsigned char *b, unsigned char *y,
                           const struct binary_params *p)
{
    const int op = p->op, rank = p->rank;
    const long *d = p->d, *sa = p->sa, *sb = p->sb;
    long idx[8] = {0};
    long rows = 1, n = d[rank - 1], r, j;
    int i;
    for (i = 0; i < rank - 1; i++) rows *= d[i];
    for (r = 0; r < rows; r++) {
        const unsigned char *ar = a, *br = b;
        unsigned char *yr = y + r * n;
        long ja = sa[rank - 1], jb = sb[rank - 1];
        for (i = 0; i < rank - 1; i++) {
            ar += idx[i] * sa[i];
            br += idx[i] * sb[i];
        }
        switch (op) {
        case TSNC_AND: for (j = 0; j < n; j++) yr[j] = ar[j * ja] && br[j * jb]; break;
        case TSNC_OR: for (j = 0; j < n; j++) yr[j] = ar[j * ja] || br[j * jb]; break;
        case TSNC_XOR: for (j = 0; j < n; j++) yr[j] = !ar[j * ja] != !br[j * jb]; break;
        }
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
}

/* @kernel not_u8 */
/* y[i] = !x[i], i < n (ONNX Not). */
static void not_u8(const unsigned char *x, unsigned char *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = !x[i];
}
