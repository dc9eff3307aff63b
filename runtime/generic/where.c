/*
 * where.c - ONNX Where: y = cond ? x : z elementwise, with the three
 * operands broadcast to y's shape (strides as in binary.c).
 *
 * needs: nothing
 */

/* @kernel where_f32 */
/*
 * where: c (bool) ? x : z, float32. y is contiguous with dims d[0..rank)
 * (rank <= 8); c, x, z are read with element strides sc[], sx[], sz[].
 */
static void where_f32(int rank, const long *d, const unsigned char *c, const long *sc,
                      const float *x, const long *sx, const float *z, const long *sz, float *y)
{
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
