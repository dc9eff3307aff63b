/*
 * where.c - ONNX Where: y = cond ? x : z elementwise, with the three
 * operands broadcast to y's shape (strides as in binary.c).
 *
 * needs: nothing
 */

/* @kernel where_params */
/* One where_f32: the three operands broadcast to y's collapsed dims. */
struct where_params {
    int rank;       /* collapsed dims of y, 1..8 */
    const long *d;  /* y's dims (rank entries); y is contiguous */
    const long *sc; /* element strides of the condition c along d (0 where broadcast) */
    const long *sx; /* element strides of x along d */
    const long *sz; /* element strides of z along d */
};

/* @kernel where_f32 uses where_params */
/*
 * where: c (bool) ? x : z, float32. y is contiguous with dims d[0..rank)
 * (rank <= 8); c, x, z are read with element strides sc[], sx[], sz[].
 */
static void where_f32(const unsigned char *c, const float *x, const float *z, float *y,
                      const struct where_params *p)
{
    const int rank = p->rank;
    const long *d = p->d, *sc = p->sc, *sx = p->sx, *sz = p->sz;
    long idx[8] = {0};
    long rows = 1, n = d[rank - 1], r, j;
    int i;
    for (i = 0; i < rank - 1; i++) rows *= d[i];
    for (r = 0; r < rows; r++) {
        const unsigned char *cr = c;
        const float *xr = x, *zr = z;
        float *yr = y + r * n;
        long jc = sc[rank - 1], jx = sx[rank - 1], jz = sz[rank - 1];
        for (i = 0; i < rank - 1; i++) {
            cr += idx[i] * sc[i];
            xr += idx[i] * sx[i];
            zr += idx[i] * sz[i];
        }
        for (j = 0; j < n; j++) yr[j] = cr[j * jc] ? xr[j * jx] : zr[j * jz];
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
}
