/*
 * copy.c - data movement for any element type (bytes of size elem):
 * strided copies (Transpose, Slice, Expand, Tile, Split), Concat, Gather,
 * and float32 Pad.
 *
 * needs: <stddef.h> <stdint.h> <string.h>
 *
 * Strides are in elements and may be negative (Slice with a negative step)
 * or 0 (Expand, Tile). The emitter collapses dims first (rank <= 16).
 */

/* @kernel strided_copy_params needs <stddef.h> */
/* One strided_copy: y (contiguous, dims d) from x read with element strides xs. */
struct strided_copy_params {
    int rank;       /* collapsed dims, 1..16 */
    const long *d;  /* y's dims (rank entries) */
    const long *xs; /* element strides of x along d (negative: reversed; 0: repeated) */
    size_t elem;    /* bytes per element */
};

/* @kernel strided_copy uses strided_copy_params needs <stddef.h> <string.h> */
/*
 * y (contiguous, dims d[0..rank)) = x read with element strides xs[]:
 * y[i0, i1, ...] = x[i0 * xs[0] + i1 * xs[1] + ...]. Elements of elem bytes.
 */
static void strided_copy(const void *x, void *y, const struct strided_copy_params *p)
{
    const int rank = p->rank;
    const long *d = p->d, *xs = p->xs;
    const size_t elem = p->elem;
    long idx[16] = {0};
    long rows = 1, n = d[rank - 1], js = xs[rank - 1] * (long)elem, r, j;
    int i;
    for (i = 0; i < rank - 1; i++) rows *= d[i];
    for (r = 0; r < rows; r++) {
        const unsigned char *xr = (const unsigned char *)x;
        unsigned char *yr = (unsigned char *)y + (size_t)(r * n) * elem;
        for (i = 0; i < rank - 1; i++) xr += idx[i] * xs[i] * (long)elem;
        if (js == (long)elem) {
            memcpy(yr, xr, (size_t)n * elem);
        } else {
            /* constant sizes let the compiler turn each memcpy into one move */
            switch (elem) {
            case 1: for (j = 0; j < n; j++) yr[j] = xr[j * js]; break;
            case 4: for (j = 0; j < n; j++) memcpy(yr + 4 * j, xr + j * js, 4); break;
            case 8: for (j = 0; j < n; j++) memcpy(yr + 8 * j, xr + j * js, 8); break;
            default:
                for (j = 0; j < n; j++) memcpy(yr + (size_t)j * elem, xr + j * js, elem);
                break;
            }
        }
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
}

/* @kernel concat_params needs <stddef.h> */
/* One concat: n inputs, each appended block[i] bytes at a time, outer times. */
struct concat_params {
    int n;               /* inputs (those with elements) */
    const size_t *block; /* bytes of input i per outer step: its dims from the axis on, times elem */
    long outer;          /* product of the dims before the axis */
};

/* @kernel concat uses concat_params needs <stddef.h> <string.h> */
/*
 * concat: for each of `outer` steps, append block[i] bytes of each input
 * xs[i] in turn (ONNX Concat along an axis: block[i] = dims of input i from
 * the axis on, times the element size; outer = dims before the axis).
 */
static void concat(const void *const *xs, void *y, const struct concat_params *p)
{
    const int n = p->n;
    const size_t *block = p->block;
    const long outer = p->outer;
    unsigned char *yb = (unsigned char *)y;
    long o;
    int i;
    for (o = 0; o < outer; o++) {
        for (i = 0; i < n; i++) {
            memcpy(yb, (const unsigned char *)xs[i] + (size_t)o * block[i], block[i]);
            yb += block[i];
        }
    }
}

/* @kernel gather_params needs <stddef.h> */
/* One gather_rows or gather_rows_i64: x (outer, axis_n, block bytes) -> y (outer, n_idx, block bytes). */
struct gather_params {
    long outer;      /* product of the dims before the axis */
    long axis_n;     /* x's extent along the axis */
    size_t block;    /* bytes after the axis: product of the dims after it, times elem */
    const long *idx; /* gather_rows: the n_idx indices, normalized to [0, axis_n); _i64: unused */
    long n_idx;      /* indices */
};

/* @kernel gather_rows uses gather_params needs <stddef.h> <string.h> */
/*
 * gather with constant indices: x (outer, axis_n, block bytes) ->
 * y (outer, n_idx, block bytes), y[o, j] = x[o, idx[j]]. The emitter has
 * checked and normalized the indices (0 <= idx[j] < axis_n).
 */
static void gather_rows(const void *x, void *y, const struct gather_params *p)
{
    const long outer = p->outer, axis_n = p->axis_n, *idx = p->idx, n_idx = p->n_idx;
    const size_t block = p->block;
    const unsigned char *xb = (const unsigned char *)x;
    unsigned char *yb = (unsigned char *)y;
    long o, j;
    for (o = 0; o < outer; o++)
        for (j = 0; j < n_idx; j++, yb += block)
            memcpy(yb, xb + (size_t)(o * axis_n + idx[j]) * block, block);
}

/* @kernel gather_rows_i64 uses gather_params needs <stddef.h> <stdint.h> <string.h> */
/*
 * gather with indices computed at run time (int64, negative counts from
 * the end): as gather_rows. Returns 1, writing nothing, if an index is out
 * of range, else 0.
 */
static int gather_rows_i64(const void *x, const int64_t *idx, void *y, const struct gather_params *p)
{
    const long outer = p->outer, axis_n = p->axis_n, n_idx = p->n_idx;
    const size_t block = p->block;
    const unsigned char *xb = (const unsigned char *)x;
    unsigned char *yb = (unsigned char *)y;
    long o, j;
    for (j = 0; j < n_idx; j++)
        if (idx[j] < -(int64_t)axis_n || idx[j] >= (int64_t)axis_n) return 1;
    for (o = 0; o < outer; o++) {
        for (j = 0; j < n_idx; j++, yb += block) {
            long k = (long)(idx[j] < 0 ? idx[j] + axis_n : idx[j]);
            memcpy(yb, xb + (size_t)(o * axis_n + k) * block, block);
        }
    }
    return 0;
}

/* @kernel padmode */
/* Modes of pad_f32 (ONNX Pad mode attribute). */
enum { TSNC_PAD_CONSTANT, TSNC_PAD_EDGE, TSNC_PAD_REFLECT };

/* @kernel pad_params uses padmode */
/* One pad_f32: x (id) -> y (od), both row-major. */
struct pad_params {
    int rank;          /* dims, 1..8 */
    const long *od;    /* y's dims (rank entries) */
    const long *id;    /* x's dims */
    const long *begin; /* elements added before x along each dim (negative: cropped) */
    int mode;          /* TSNC_PAD_CONSTANT, _EDGE or _REFLECT */
    float value;       /* constant mode: the fill value */
};

/* @kernel pad_f32 uses pad_params */
/*
 * pad: x (id[0..rank)) -> y (od[0..rank)), y[i] = x[i - begin] where that
 * lies inside x; outside, `value` (constant), the nearest edge element
 * (edge) or the mirror image without repeating the edge (reflect). A
 * negative begin crops. rank <= 8.
 */
static void pad_f32(const float *x, float *y, const struct pad_params *p)
{
    const int rank = p->rank, mode = p->mode;
    const long *od = p->od, *id = p->id, *begin = p->begin;
    const float value = p->value;
    long idx[8] = {0};
    long n = 1, i;
    int k;
    for (k = 0; k < rank; k++) n *= od[k];
    for (i = 0; i < n; i++) {
        long off = 0;
        int inside = 1;
        for (k = 0; k < rank && inside; k++) {
            long s = idx[k] - begin[k];
            if (s < 0 || s >= id[k]) {
                if (mode == TSNC_PAD_CONSTANT) {
                    inside = 0;
                } else if (mode == TSNC_PAD_EDGE) {
                    s = s < 0 ? 0 : id[k] - 1;
                } else if (id[k] == 1) {
                    s = 0;
                } else { /* reflect: period 2 (id - 1) */
                    long period = 2 * (id[k] - 1);
                    s %= period;
                    if (s < 0) s += period;
                    if (s >= id[k]) s = period - s;
                }
            }
            off = off * id[k] + s;
        }
        y[i] = inside ? x[off] : value;
        for (k = rank - 1; k >= 0 && ++idx[k] == od[k]; k--) idx[k] = 0;
    }
}
