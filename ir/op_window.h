/*
 * op_window.h - the sliding-window geometry shared by Conv, AveragePool
 * and MaxPool: spatial sizes, strides, dilations, explicit or automatic
 * padding and the output size (ONNX Conv / AveragePool / MaxPool specs).
 */
#ifndef TSNC_OP_WINDOW_H
#define TSNC_OP_WINDOW_H

#include "ir/ir.h"

#define WINDOW_MAX_SPATIAL 3 /* 1-D, 2-D and 3-D windows */

/*
 * Geometry of a window op over an input [N, C, D1, ..., Dn], n = nsp
 * spatial dims. Output spatial size per dim:
 *   explicit pads: floor((in + pb + pe - eff) / stride) + 1, eff = (k-1)*dil + 1
 *     (ceil instead of floor with ceil_mode, dropping a last window that
 *     would start inside the end padding, as PyTorch and onnxruntime do);
 *   SAME_UPPER/SAME_LOWER: ceil(in / stride), with the total padding
 *     (out-1)*stride + eff - in split evenly, the odd one at the end
 *     (UPPER) or the beginning (LOWER);
 *   VALID: no padding.
 */
typedef struct Window {
    int nsp;
    int64_t in[WINDOW_MAX_SPATIAL];
    int64_t kernel[WINDOW_MAX_SPATIAL];
    int64_t stride[WINDOW_MAX_SPATIAL];
    int64_t dil[WINDOW_MAX_SPATIAL];
    int64_t pad_begin[WINDOW_MAX_SPATIAL];
    int64_t pad_end[WINDOW_MAX_SPATIAL];
    int64_t out[WINDOW_MAX_SPATIAL];
} Window;

/*
 * Computes the geometry of node n (attributes strides, dilations, pads,
 * auto_pad) for input shape x (rank 3..5) and the given kernel (nsp sizes,
 * each >= 1). Errors (-1, in d): attribute lengths that do not match the
 * spatial rank, strides/dilations < 1, negative pads, an unknown auto_pad,
 * a window larger than the padded input, a dilated window or padded input
 * that does not fit int64. Strides, dilations and pads may be any int64
 * otherwise: a stride beyond the padded input leaves one window per dim,
 * and the output's element count is checked by the caller.
 */
int window_geometry(const Node *n, const Shape *x, const int64_t *kernel, bool ceil_mode,
                    Window *w, Diag *d);

/*
 * Reads and checks the kernel_shape attribute for nsp spatial dims into
 * kernel[]. required: absence is an error; otherwise *present tells.
 */
int window_kernel_attr(const Node *n, int nsp, bool required, int64_t *kernel, bool *present,
                       Diag *d);

#endif
