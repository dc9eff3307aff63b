/*
 * op_window.c - sliding-window geometry for Conv and pooling (op_window.h).
 */
#include <string.h>

#include "ir/op_window.h"

/* Reads an ints attribute of nsp (or 2*nsp for pads) values >= lo. Strides, dilations and
 * pads have no upper bound of their own: window_geometry checks the sizes they make. */
static int window_ints(const Node *n, const char *name, int want, int64_t lo, int64_t dflt,
                       int64_t *out, Diag *d) {
    int cnt;
    const int64_t *v = node_attr_ints(n, name, &cnt);
    if (!v) {
        for (int i = 0; i < want; i++) out[i] = dflt;
        return 0;
    }
    if (cnt != want) {
        diag_error(d, n, "'%s' has %d values; %d are needed for %d spatial dims", name, cnt, want,
                   name[0] == 'p' ? want / 2 : want);
        return -1;
    }
    for (int i = 0; i < want; i++) {
        if (v[i] < lo) {
            diag_error(d, n, "'%s' has the invalid value %lld", name, (long long)v[i]);
            return -1;
        }
        out[i] = v[i];
    }
    return 0;
}

int window_kernel_attr(const Node *n, int nsp, bool required, int64_t *kernel, bool *present,
                       Diag *d) {
    int cnt;
    const int64_t *v = node_attr_ints(n, "kernel_shape", &cnt);
    if (present) *present = v != NULL;
    if (!v) {
        if (required) {
            diag_error(d, n, "the 'kernel_shape' attribute is missing");
            return -1;
        }
        return 0;
    }
    if (cnt != nsp) {
        diag_error(d, n, "'kernel_shape' has %d values but the input has %d spatial dims", cnt,
                   nsp);
        return -1;
    }
    for (int i = 0; i < nsp; i++) {
        if (v[i] < 1 || v[i] > IR_MAX_ELEMENTS) {
            diag_error(d, n, "'kernel_shape' has the invalid value %lld", (long long)v[i]);
            return -1;
        }
        kernel[i] = v[i];
    }
    return 0;
}

int window_geometry(const Node *n, const Shape *x, const int64_t *kernel, bool ceil_mode,
                    Window *w, Diag *d) {
    memset(w, 0, sizeof *w);
    int nsp = x->rank - 2;
    if (nsp < 1 || nsp > WINDOW_MAX_SPATIAL) {
        diag_error(d, n, "the input has rank %d; [N, C] and 1 to %d spatial dims are supported",
                   x->rank, WINDOW_MAX_SPATIAL);
        return -1;
    }
    w->nsp = nsp;
    int64_t pads[2 * WINDOW_MAX_SPATIAL];
    if (window_ints(n, "strides", nsp, 1, 1, w->stride, d) ||
        window_ints(n, "dilations", nsp, 1, 1, w->dil, d) ||
        window_ints(n, "pads", 2 * nsp, 0, 0, pads, d))
        return -1;
    const char *ap = node_attr_string(n, "auto_pad", "NOTSET");
    bool same_upper = strcmp(ap, "SAME_UPPER") == 0, same_lower = strcmp(ap, "SAME_LOWER") == 0;
    bool valid = strcmp(ap, "VALID") == 0;
    if (!same_upper && !same_lower && !valid && strcmp(ap, "NOTSET") != 0) {
        diag_error(d, n, "auto_pad '%.32s' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID",
                   ap);
        return -1;
    }
    for (int i = 0; i < nsp; i++) {
        int64_t in = x->dim[i + 2], k = kernel[i], s = w->stride[i];
        if (k < 1 || k > IR_MAX_ELEMENTS) {
            diag_error(d, n, "the kernel size %lld in spatial dim %d is not positive", (long long)k,
                       i);
            return -1;
        }
        /* k <= 2^28; dilations and pads are any int64: every size below is checked or
         * bounded so that nothing overflows. */
        if (k > 1 && w->dil[i] > (INT64_MAX - 1) / (k - 1)) {
            diag_error(d, n, "the dilated window (%lld - 1) * %lld + 1 in spatial dim %d does "
                             "not fit a 64-bit integer",
                       (long long)k, (long long)w->dil[i], i);
            return -1;
        }
        int64_t eff = (k - 1) * w->dil[i] + 1;
        int64_t pb = pads[i], pe = pads[i + nsp], out;
        w->in[i] = in;
        w->kernel[i] = k;
        if (same_upper || same_lower) {
            out = in > 0 ? (in - 1) / s + 1 : 0; /* ceil(in / s) without in + s - 1 */
            int64_t total = out > 0 ? ((out - 1) * s - in) + eff : eff - in; /* (out-1)*s < in */
            if (total < 0) total = 0;
            pb = same_upper ? total / 2 : total - total / 2;
            pe = total - pb;
        } else {
            if (valid) pb = pe = 0;
            if (pb > INT64_MAX - in || pe > INT64_MAX - in - pb) {
                diag_error(d, n, "the padded input (%lld with pads %lld and %lld) in spatial dim "
                                 "%d does not fit a 64-bit integer",
                           (long long)in, (long long)pb, (long long)pe, i);
                return -1;
            }
            int64_t padded = in + pb + pe;
            if (padded < eff) {
                diag_error(d, n, "the window (%lld with dilation) is larger than the padded "
                                 "input (%lld) in spatial dim %d",
                           (long long)eff, (long long)padded, i);
                return -1;
            }
            out = (padded - eff) / s + 1;
            /* ceil_mode: one more window unless it would start in the end padding, i.e.
             * (out - 1) * s >= in + pb, tested as out - 1 >= ceil((in + pb) / s). */
            if (ceil_mode && !valid && (padded - eff) % s != 0) {
                out++;
                if (in + pb > 0 && out - 1 >= (in + pb - 1) / s + 1) out--;
            }
        }
        w->pad_begin[i] = pb;
        w->pad_end[i] = pe;
        w->out[i] = out;
    }
    return 0;
}
