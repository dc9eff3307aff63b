/*
 * op_conv.c - Conv(X, W, B?) (ONNX Conv, opset 11+): X [N, C, D1..Dn],
 * W [M, C/group, k1..kn], B [M], Y [N, M, O1..On], n = 1..3, grouped.
 *
 * Reference numerics: every output is accumulated in double (the products
 * in (c, k1, .., kn) order, then the bias) and rounded to the output
 * dtype once.
 */
#include <stdlib.h>

#include "ir/op_util.h"
#include "ir/op_window.h"

/* Validates operands and attributes; fills the window and the group count. */
static int conv_check(const Node *n, Window *w, int64_t *group, Diag *d) {
    const Type *x = &n->in[0]->type, *wt = &n->in[1]->type;
    const Value *b = op_in(n, 2);
    if (!dtype_is_float(x->dtype)) {
        diag_error(d, n, "X is %s; f32 or f64 is needed", dtype_name(x->dtype));
        return -1;
    }
    if (wt->dtype != x->dtype || (b && b->type.dtype != x->dtype)) {
        diag_error(d, n, "X, W and B must have the same element type");
        return -1;
    }
    int r = x->shape.rank;
    if (r < 3 || r > 2 + WINDOW_MAX_SPATIAL) {
        diag_error(d, n, "X has rank %d; [N, C] and 1 to %d spatial dims are supported", r,
                   WINDOW_MAX_SPATIAL);
        return -1;
    }
    if (wt->shape.rank != r) {
        diag_error(d, n, "W has rank %d but X has rank %d", wt->shape.rank, r);
        return -1;
    }
    int64_t c = x->shape.dim[1], m = wt->shape.dim[0], g = node_attr_int(n, "group", 1);
    if (g < 1 || c % g != 0 || m % g != 0) {
        diag_error(d, n, "group %lld must be positive and divide the input channels (%lld) and "
                         "the output channels (%lld)",
                   (long long)g, (long long)c, (long long)m);
        return -1;
    }
    if (wt->shape.dim[1] != c / g) {
        diag_error(d, n, "W has %lld input channels per group; X has %lld channels in %lld "
                         "groups, so %lld are needed",
                   (long long)wt->shape.dim[1], (long long)c, (long long)g, (long long)(c / g));
        return -1;
    }
    if (b && (b->type.shape.rank != 1 || b->type.shape.dim[0] != m)) {
        char s[256];
        diag_error(d, n, "B has shape %s; [%lld] is needed", shape_str(&b->type.shape, s, sizeof s),
                   (long long)m);
        return -1;
    }
    int nsp = r - 2;
    int64_t kattr[WINDOW_MAX_SPATIAL], kernel[WINDOW_MAX_SPATIAL];
    bool has_k;
    if (window_kernel_attr(n, nsp, false, kattr, &has_k, d)) return -1;
    for (int i = 0; i < nsp; i++) {
        kernel[i] = wt->shape.dim[i + 2];
        if (has_k && kattr[i] != kernel[i]) {
            char s[256];
            diag_error(d, n, "kernel_shape does not match the shape of W %s",
                       shape_str(&wt->shape, s, sizeof s));
            return -1;
        }
    }
    *group = g;
    return window_geometry(n, &x->shape, kernel, false, w, d);
}

static int infer_conv(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    Window w;
    int64_t g;
    if (conv_check(n, &w, &g, d)) return -1;
    const Shape *x = &n->in[0]->type.shape;
    Shape o = {.rank = x->rank};
    o.dim[0] = x->dim[0];
    o.dim[1] = n->in[1]->type.shape.dim[0];
    for (int i = 0; i < w.nsp; i++) o.dim[i + 2] = w.out[i];
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

/*
 * Direct convolution, spatial dims padded to three (leading size-1 dims):
 * y[n,m,o] = B[m] + sum_{c,k} x[n, g*Cg + c, o*s - pb + k*dil] * W[m,c,k].
 */
static int eval_conv(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    Window w;
    int64_t group;
    if (conv_check(n, &w, &group, d)) return -1;
    const Shape *xs = &in[0]->type.shape;
    int64_t N = xs->dim[0], C = xs->dim[1], M = in[1]->type.shape.dim[0];
    int64_t cg = C / group, mg = M / group;
    int64_t I[3], K[3], O[3], S[3], DL[3], P[3];
    int lead = WINDOW_MAX_SPATIAL - w.nsp;
    for (int i = 0; i < 3; i++) {
        int j = i - lead;
        I[i] = j >= 0 ? w.in[j] : 1;
        K[i] = j >= 0 ? w.kernel[j] : 1;
        O[i] = j >= 0 ? w.out[j] : 1;
        S[i] = j >= 0 ? w.stride[j] : 1;
        DL[i] = j >= 0 ? w.dil[j] : 1;
        P[i] = j >= 0 ? w.pad_begin[j] : 0;
    }
    double *x = op_to_f64(in[0]), *wt = op_to_f64(in[1]);
    double *bias = n->n_in > 2 && in[2] ? op_to_f64(in[2]) : NULL;
    int64_t in_sp = I[0] * I[1] * I[2], k_sp = K[0] * K[1] * K[2];
    Tensor *y = out[0];
    for (int64_t b = 0; b < N; b++)
        for (int64_t m = 0; m < M; m++) {
            int64_t g = m / mg;
            const double *wm = wt + m * cg * k_sp;
            for (int64_t o0 = 0; o0 < O[0]; o0++)
                for (int64_t o1 = 0; o1 < O[1]; o1++)
                    for (int64_t o2 = 0; o2 < O[2]; o2++) {
                        double acc = 0.0;
                        for (int64_t c = 0; c < cg; c++) {
                            const double *xc = x + (b * C + g * cg + c) * in_sp;
                            const double *wc = wm + c * k_sp;
                            for (int64_t k0 = 0; k0 < K[0]; k0++) {
                                int64_t i0 = o0 * S[0] - P[0] + k0 * DL[0];
                                if (i0 < 0 || i0 >= I[0]) continue;
                                for (int64_t k1 = 0; k1 < K[1]; k1++) {
                                    int64_t i1 = o1 * S[1] - P[1] + k1 * DL[1];
                                    if (i1 < 0 || i1 >= I[1]) continue;
                                    const double *xr = xc + (i0 * I[1] + i1) * I[2];
                                    const double *wr = wc + (k0 * K[1] + k1) * K[2];
                                    for (int64_t k2 = 0; k2 < K[2]; k2++) {
                                        int64_t i2 = o2 * S[2] - P[2] + k2 * DL[2];
                                        if (i2 < 0 || i2 >= I[2]) continue;
                                        acc += xr[i2] * wr[k2];
                                    }
                                }
                            }
                        }
                        if (bias) acc += bias[m];
                        int64_t oi = ((b * M + m) * O[0] + o0) * O[1] * O[2] + o1 * O[2] + o2;
                        tensor_set_f64(y, oi, acc);
                    }
        }
    free(x);
    free(wt);
    free(bias);
    return 0;
}

const OpSema op_sema_CONV = {infer_conv, eval_conv};
