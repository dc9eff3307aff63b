/*
 * emit_movement.c - emitters of data movement: views (Reshape, Flatten,
 * Squeeze, Unsqueeze, Identity, Dropout, Cast to the same type), Concat,
 * Split, Slice, Gather, Transpose, Expand, Tile, Pad; and the refusal of
 * shape computations left for run time.
 *
 * Slice, Split, Gather and Transpose are described as a strided read of
 * their input (runtime/generic/copy.c). When that read collapses to one
 * contiguous run, the output is a view at an offset and costs nothing;
 * this is how the per-timestep Gather of the exported SNNs (a constant
 * index on a leading axis) becomes free.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_ops.h"
#include "passes/passes.h"

/* True if the strided read s is one contiguous run (a view). */
static bool contiguous(const Strided *s) {
    Strided c = *s;
    strided_collapse(&c);
    return c.rank == 1 && (c.stride[0] == 1 || c.dim[0] == 1);
}

/* Row-major element strides of s into out[]. */
static void strides_of(const Shape *s, int64_t *out) {
    shape_strides(s, out);
}

/* ---- views of the same bytes ---- */

/* Dropout is the identity unless training_mode is set (or unknown). */
static bool dropout_inference(const Node *n) {
    if (n->op != OP_DROPOUT || n->n_in < 3 || !n->in[2]) return true;
    const Tensor *t = cx_konst(n->in[2]);
    return t && tensor_numel(t) == 1 && tensor_get_f64(t, 0) == 0;
}

int view_same_data(const Node *n, int out, int64_t *offset) {
    if (out != 0 || n->n_in < 1 || !n->in[0]) return -1;
    const Value *x = n->in[0], *y = n->out[0];
    if (x->type.dtype != y->type.dtype || numel(x) != numel(y)) return -1;
    if ((n->op == OP_MAX || n->op == OP_MIN || n->op == OP_CONCAT) && n->n_in != 1) return -1;
    if (!dropout_inference(n)) return -1;
    /* Expand and Tile with the same element count repeat nothing */
    *offset = 0;
    return 0;
}

int emit_view_only(EmitCtx *cx, const Node *n) {
    if (!dropout_inference(n)) return cx_error(cx, n, "Dropout in training mode is not supported");
    const Value *x = n->in[0], *y = n->out[0];
    return cx_error(cx, n, "output %s does not hold the data of input %s", cx_type(cx, &y->type),
                    x ? cx_type(cx, &x->type) : "-");
}

/* ---- Concat ---- */

int emit_concat(EmitCtx *cx, const Node *n) {
    const Value *y = n->out[0];
    int r = y->type.shape.rank;
    int axis = norm_axis(node_attr_int(n, "axis", 0), r);
    if (axis < 0)
        return cx_error(cx, n, "axis is out of range for output %s", cx_type(cx, &y->type));
    int64_t sum = 0, elem = (int64_t)dtype_size(y->type.dtype);
    for (int i = 0; i < n->n_in; i++) {
        const Value *x = n->in[i];
        if (!x) return cx_error(cx, n, "input %d is missing", i);
        bool ok = x->type.dtype == y->type.dtype && x->type.shape.rank == r;
        for (int d = 0; d < r && ok; d++)
            ok = d == axis || x->type.shape.dim[d] == y->type.shape.dim[d];
        if (!ok)
            return cx_error(cx, n, "input %d %s does not fit output %s", i, cx_type(cx, &x->type),
                            cx_type(cx, &y->type));
        sum += x->type.shape.dim[axis];
    }
    if (sum != y->type.shape.dim[axis])
        return cx_error(cx, n, "inputs add up to %lld along axis %d, output %s", (long long)sum,
                        axis, cx_type(cx, &y->type));
    if (plan_concat_in_place(cx_plan(cx), n)) {
        cx_printf(cx, "    /* in place: each input was written at its block of the output */\n");
        return 0;
    }
    Buf ptrs = {0};
    int64_t *block = malloc((size_t)n->n_in * sizeof *block);
    if (!block) die("out of memory");
    int k = 0;
    for (int i = 0; i < n->n_in; i++) {
        if (numel(n->in[i]) == 0) continue; /* nothing to copy */
        block[k] = dims_product(&n->in[i]->type.shape, axis, r) * elem;
        buf_printf(&ptrs, "%s%s%s", k ? "," : "",
                   k && k % 6 == 0 ? "\n        "
                   : k             ? " "
                                   : "",
                   cx_ref(cx, n->in[i]));
        k++;
    }
    cx_kernel(cx, "concat");
    cx_printf(cx,
              "    concat((const void *const[]){%s}, %s,\n"
              "        &(const struct concat_params){.n = %d, .block = %s, .outer = %lld});\n",
              ptrs.data, cx_ref(cx, y), k, cx_sizes(cx, k, block), (long long)dims_product(&y->type.shape, 0, axis));
    buf_free(&ptrs);
    free(block);
    return 0;
}

/* ---- Split ---- */

/*
 * Checks the outputs tile the input along the axis (their sizes come from
 * the output types) and gives each output's strided read of the input.
 */
static bool split_layout(const Node *n, int out, Strided *st, int64_t *start) {
    const Value *x = n->in[0];
    int r = x->type.shape.rank;
    int axis = norm_axis(node_attr_int(n, "axis", 0), r);
    if (axis < 0) return false;
    int64_t at = 0, begin = 0, xs[IR_MAX_RANK];
    for (int j = 0; j < n->n_out; j++) {
        const Shape *s = &n->out[j]->type.shape;
        if (n->out[j]->type.dtype != x->type.dtype || s->rank != r) return false;
        for (int d = 0; d < r; d++)
            if (d != axis && s->dim[d] != x->type.shape.dim[d]) return false;
        if (j == out) begin = at;
        at += s->dim[axis];
    }
    if (at != x->type.shape.dim[axis]) return false;
    strides_of(&x->type.shape, xs);
    st->rank = r;
    for (int d = 0; d < r; d++) st->dim[d] = n->out[out]->type.shape.dim[d], st->stride[d] = xs[d];
    if (r == 0) st->rank = 1, st->dim[0] = 1, st->stride[0] = 1;
    *start = begin * (r ? xs[axis] : 0);
    return true;
}

int view_split(const Node *n, int out, int64_t *offset) {
    Strided st;
    int64_t start;
    if (!n->in[0] || !split_layout(n, out, &st, &start) || !contiguous(&st)) return -1;
    *offset = start * (int64_t)dtype_size(n->in[0]->type.dtype);
    return 0;
}

int emit_split(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0];
    for (int j = 0; j < n->n_out; j++) {
        Strided st;
        int64_t start, off;
        if (!split_layout(n, j, &st, &start))
            return cx_error(cx, n, "the outputs do not split input %s along the axis",
                            cx_type(cx, &x->type));
        if (view_split(n, j, &off) >= 0 || numel(n->out[j]) == 0) continue;
        strided_collapse(&st);
        emit_strided_copy(cx, &st, cx_str(cx, "%s + %lld", cx_ref(cx, x), (long long)start),
                          cx_ref(cx, n->out[j]), x->type.dtype);
    }
    return 0;
}

/* ---- Slice ---- */

/* Reads a constant integer operand; false if absent-but-required or not constant. */
static int64_t *ints_operand(const Node *n, int i, int64_t *count) {
    if (n->n_in <= i || !n->in[i]) return NULL;
    return const_ints(n->in[i], count);
}

/* Slice (ONNX Slice-13) as a strided read of its input; why gets the reason on failure. */
static bool slice_layout(const Node *n, Strided *st, int64_t *start, const char **why) {
    const Value *x = n->in[0];
    const Shape *s = &x->type.shape;
    int r = s->rank;
    int64_t nst = 0, nen = 0, nax = 0, nsp = 0;
    int64_t *starts = ints_operand(n, 1, &nst), *ends = ints_operand(n, 2, &nen);
    int64_t *axes = ints_operand(n, 3, &nax), *steps = ints_operand(n, 4, &nsp);
    bool ok = false;
    *why = "starts, ends, axes and steps must be constants";
    if (!starts || !ends || (n->n_in > 3 && n->in[3] && !axes) ||
        (n->n_in > 4 && n->in[4] && !steps))
        goto done;
    *why = "starts, ends, axes and steps have different lengths";
    if (nst != nen || (axes && nax != nst) || (steps && nsp != nst) || nst > r) goto done;
    int64_t xs[IR_MAX_RANK], first[IR_MAX_RANK], step[IR_MAX_RANK], count[IR_MAX_RANK];
    bool seen[IR_MAX_RANK] = {0};
    strides_of(s, xs);
    for (int d = 0; d < r; d++) first[d] = 0, step[d] = 1, count[d] = s->dim[d];
    for (int i = 0; i < nst; i++) {
        int a = norm_axis(axes ? axes[i] : i, r);
        *why = "an axis is out of range or repeated, or a step is 0";
        if (a < 0 || seen[a] || (steps && steps[i] == 0)) goto done;
        seen[a] = true;
        int64_t d = s->dim[a], b = starts[i], e = ends[i];
        /* |step| beyond the dim picks one element either way; clamping avoids overflow */
        int64_t sp = !steps ? 1 : steps[i] > d ? d + 1 : steps[i] < -d - 1 ? -d - 1 : steps[i];
        if (sp == 0) sp = 1; /* d == 0: nothing to pick anyway */
        if (b < 0) b += d;
        if (e < 0) e += d;
        if (sp > 0) {
            b = b < 0 ? 0 : b > d ? d : b;
            e = e < 0 ? 0 : e > d ? d : e;
            count[a] = e > b ? (e - b - 1) / sp + 1 : 0;
        } else {
            b = b < 0 ? 0 : b > d - 1 ? d - 1 : b;
            e = e < -1 ? -1 : e > d - 1 ? d - 1 : e;
            count[a] = b > e ? (b - e - 1) / -sp + 1 : 0;
        }
        first[a] = count[a] ? b : 0;
        step[a] = sp;
    }
    *why = "the output type does not match the slice";
    const Shape *ys = &n->out[0]->type.shape;
    if (ys->rank != r || n->out[0]->type.dtype != x->type.dtype) goto done;
    *start = 0;
    st->rank = r ? r : 1;
    st->dim[0] = 1, st->stride[0] = 1;
    for (int d = 0; d < r; d++) {
        if (ys->dim[d] != count[d]) goto done;
        st->dim[d] = count[d];
        st->stride[d] = step[d] * xs[d];
        *start += first[d] * xs[d];
    }
    ok = true;
done:
    free(starts);
    free(ends);
    free(axes);
    free(steps);
    return ok;
}

int view_slice(const Node *n, int out, int64_t *offset) {
    Strided st;
    int64_t start;
    const char *why;
    if (out != 0 || !n->in[0] || !slice_layout(n, &st, &start, &why) || !contiguous(&st)) return -1;
    *offset = start * (int64_t)dtype_size(n->in[0]->type.dtype);
    return 0;
}

int emit_slice(EmitCtx *cx, const Node *n) {
    Strided st;
    int64_t start;
    const char *why;
    const Value *x = n->in[0];
    if (!slice_layout(n, &st, &start, &why)) return cx_error(cx, n, "%s", why);
    strided_collapse(&st);
    emit_strided_copy(cx, &st, cx_str(cx, "%s + %lld", cx_ref(cx, x), (long long)start),
                      cx_ref(cx, n->out[0]), x->type.dtype);
    return 0;
}

/* ---- Gather ---- */

/* Axis, outer/inner sizes of a Gather; false if the output type does not fit. */
static bool gather_layout(const Node *n, int *axis, int64_t *outer, int64_t *inner) {
    const Value *x = n->in[0], *idx = n->in[1], *y = n->out[0];
    const Shape *s = &x->type.shape, *is = &idx->type.shape;
    *axis = norm_axis(node_attr_int(n, "axis", 0), s->rank);
    if (*axis < 0 || y->type.dtype != x->type.dtype) return false;
    Shape want = {.rank = s->rank - 1 + is->rank};
    if (want.rank > IR_MAX_RANK) return false;
    int k = 0;
    for (int d = 0; d < *axis; d++) want.dim[k++] = s->dim[d];
    for (int d = 0; d < is->rank; d++) want.dim[k++] = is->dim[d];
    for (int d = *axis + 1; d < s->rank; d++) want.dim[k++] = s->dim[d];
    if (!shape_eq(&want, &y->type.shape)) return false;
    *outer = dims_product(s, 0, *axis);
    *inner = dims_product(s, *axis + 1, s->rank);
    return true;
}

/* Constant indices normalized into [0, dim); NULL if not constant or out of range (*bad set). */
static int64_t *gather_indices(const Node *n, int axis, int64_t *count, int64_t *bad) {
    int64_t *idx = const_ints(n->in[1], count);
    int64_t dim = n->in[0]->type.shape.dim[axis];
    for (int64_t i = 0; idx && i < *count; i++) {
        if (idx[i] < -dim || idx[i] >= dim) {
            *bad = idx[i];
            free(idx);
            return NULL;
        }
        if (idx[i] < 0) idx[i] += dim;
    }
    return idx;
}

int view_gather(const Node *n, int out, int64_t *offset) {
    int axis;
    int64_t outer, inner, count, bad;
    if (out != 0 || !n->in[0] || !n->in[1] || !gather_layout(n, &axis, &outer, &inner)) return -1;
    int64_t *idx = gather_indices(n, axis, &count, &bad);
    /* one index below leading dims of 1: the output is one contiguous block */
    bool view = idx && count == 1 && outer == 1;
    if (view) *offset = idx[0] * inner * (int64_t)dtype_size(n->in[0]->type.dtype);
    free(idx);
    return view ? 0 : -1;
}

int emit_gather(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *iv = n->in[1], *y = n->out[0];
    int axis;
    int64_t outer, inner, count, bad = 0;
    if (!gather_layout(n, &axis, &outer, &inner))
        return cx_error(cx, n, "output %s does not fit data %s and indices %s",
                        cx_type(cx, &y->type), cx_type(cx, &x->type), cx_type(cx, &iv->type));
    if (iv->type.dtype != DT_I64 && iv->type.dtype != DT_I32)
        return cx_error(cx, n, "indices must be int64 or int32, not %s",
                        dtype_name(iv->type.dtype));
    int64_t axis_n = x->type.shape.dim[axis];
    size_t block = (size_t)(inner * (int64_t)dtype_size(x->type.dtype));
    if (cx_konst(iv)) {
        int64_t *idx = gather_indices(n, axis, &count, &bad);
        if (!idx)
            return cx_error(cx, n, "index %lld is out of range for an axis of %lld", (long long)bad,
                            (long long)axis_n);
        cx_kernel(cx, "gather_rows");
        cx_printf(cx,
                  "    gather_rows(%s, %s, &(const struct gather_params){\n"
                  "        .outer = %lld, .axis_n = %lld, .block = %zu, .idx = %s, .n_idx = %lld});\n",
                  cx_ref(cx, x), cx_ref(cx, y), (long long)outer, (long long)axis_n, block,
                  cx_longs(cx, (int)count, idx), (long long)count);
        free(idx);
        return 0;
    }
    if (iv->type.dtype != DT_I64)
        return cx_error(cx, n, "int32 indices computed at run time are not supported");
    cx_kernel(cx, "gather_rows_i64");
    cx_printf(cx,
              "    if (gather_rows_i64(%s, %s, %s, &(const struct gather_params){\n"
              "            .outer = %lld, .axis_n = %lld, .block = %zu, .n_idx = %lld}))\n"
              "        return 1;\n",
              cx_ref(cx, x), cx_ref(cx, iv), cx_ref(cx, y), (long long)outer, (long long)axis_n, block,
              (long long)numel(iv));
    return 0;
}

/* ---- Transpose, Expand, Tile ---- */

int emit_transpose(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    const Shape *s = &x->type.shape;
    int r = s->rank, np;
    const int64_t *perm = node_attr_ints(n, "perm", &np);
    if (perm && np != r) return cx_error(cx, n, "perm has %d entries for a rank-%d input", np, r);
    int64_t xs[IR_MAX_RANK];
    bool seen[IR_MAX_RANK] = {0};
    strides_of(s, xs);
    Strided st = {.rank = r ? r : 1, .dim = {1}, .stride = {1}};
    Type want = {x->type.dtype, {.rank = r}};
    for (int i = 0; i < r; i++) {
        int64_t p = perm ? perm[i] : r - 1 - i;
        if (p < 0 || p >= r || seen[p]) return cx_error(cx, n, "perm is not a permutation");
        seen[p] = true;
        want.shape.dim[i] = st.dim[i] = s->dim[p];
        st.stride[i] = xs[p];
    }
    if (check_out_type(cx, n, y, &want)) return -1;
    strided_collapse(&st);
    emit_strided_copy(cx, &st, cx_ref(cx, x), cx_ref(cx, y), x->type.dtype);
    return 0;
}

/* ---- tsnc.relayout ---- */

/*
 * The same logical tensor in another storage order (ir/layout.c): with L
 * blocks of (C, H, W) before it, element (l, c, p) of pixel p is at
 * l*C*H*W + c*H*W + p row-major and at l*C*H*W + p*C + c channels-last.
 * One strided read per block, written contiguously.
 */
int emit_relayout(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    if (check_out_type(cx, n, y, &x->type)) return -1;
    const Layout *l = x->layout.channels_last ? &x->layout : &y->layout;
    if (!l->channels_last || layout_eq(&x->layout, &y->layout)) {
        Strided st = {.rank = 1, .dim = {numel(x)}, .stride = {1}};
        emit_strided_copy(cx, &st, cx_ref(cx, x), cx_ref(cx, y), x->type.dtype);
        return 0;
    }
    int64_t c = l->c, hw = l->h * l->w;
    Strided st = {.rank = 3, .dim = {numel(x) / (c * hw)}, .stride = {c * hw}};
    if (y->layout.channels_last) /* y (L, HW, C) from row-major x */
        st.dim[1] = hw, st.stride[1] = 1, st.dim[2] = c, st.stride[2] = hw;
    else /* y (L, C, HW) from channels-last x */
        st.dim[1] = c, st.stride[1] = 1, st.dim[2] = hw, st.stride[2] = c;
    strided_collapse(&st);
    emit_strided_copy(cx, &st, cx_ref(cx, x), cx_ref(cx, y), x->type.dtype);
    return 0;
}

int emit_expand(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    Bcast bc;
    const Shape *in[1] = {&x->type.shape};
    if (y->type.dtype != x->type.dtype || !bcast_collapse(&y->type.shape, 1, in, &bc))
        return cx_error(cx, n, "input %s does not broadcast to output %s", cx_type(cx, &x->type),
                        cx_type(cx, &y->type));
    Strided st = {.rank = bc.rank};
    memcpy(st.dim, bc.dim, sizeof bc.dim);
    memcpy(st.stride, bc.stride[0], sizeof bc.stride[0]);
    emit_strided_copy(cx, &st, cx_ref(cx, x), cx_ref(cx, y), x->type.dtype);
    return 0;
}

int emit_tile(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    const Shape *s = &x->type.shape, *ys = &y->type.shape;
    bool ok = y->type.dtype == x->type.dtype && ys->rank == s->rank;
    int64_t xs[IR_MAX_RANK];
    strides_of(s, xs);
    /* y = x repeated rep[d] times along each d: read dims (rep0, d0, rep1, d1, ...)
       with strides (0, s0, 0, s1, ...) */
    Strided st = {.rank = 2 * s->rank};
    for (int d = 0; d < s->rank && ok; d++) {
        ok = s->dim[d] ? ys->dim[d] % s->dim[d] == 0 : ys->dim[d] == 0;
        st.dim[2 * d] = s->dim[d] ? ys->dim[d] / s->dim[d] : 0;
        st.stride[2 * d] = 0;
        st.dim[2 * d + 1] = s->dim[d];
        st.stride[2 * d + 1] = xs[d];
    }
    if (!ok)
        return cx_error(cx, n, "output %s is not a tiling of input %s", cx_type(cx, &y->type),
                        cx_type(cx, &x->type));
    strided_collapse(&st);
    emit_strided_copy(cx, &st, cx_ref(cx, x), cx_ref(cx, y), x->type.dtype);
    return 0;
}

/* ---- Pad ---- */

int emit_pad(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    const Shape *s = &x->type.shape;
    int r = s->rank;
    const char *mode = node_attr_string(n, "mode", "constant");
    const char *code = !strcmp(mode, "constant")  ? "TSNC_PAD_CONSTANT"
                       : !strcmp(mode, "edge")    ? "TSNC_PAD_EDGE"
                       : !strcmp(mode, "reflect") ? "TSNC_PAD_REFLECT"
                                                  : NULL;
    if (!code) return cx_error(cx, n, "mode '%.40s' is not constant, edge or reflect", mode);
    if (x->type.dtype != DT_F32)
        return cx_error(cx, n, "Pad of %s tensors is not supported (only f32)",
                        dtype_name(x->type.dtype));
    int64_t np = 0;
    int64_t *pads = ints_operand(n, 1, &np);
    if (!pads)
        return cx_error(cx, n, "pads must be a constant (computed at run time is not supported)");
    if (np != 2 * r) {
        free(pads);
        return cx_error(cx, n, "pads has %lld values for a rank-%d input", (long long)np, r);
    }
    Type want = {DT_F32, {.rank = r}};
    int64_t od[IR_MAX_RANK + 1] = {1}, id[IR_MAX_RANK + 1] = {1}, begin[IR_MAX_RANK + 1] = {0};
    bool ok = true;
    for (int d = 0; d < r; d++) {
        want.shape.dim[d] = od[d] = s->dim[d] + pads[d] + pads[d + r];
        id[d] = s->dim[d];
        begin[d] = pads[d];
        ok &= od[d] >= 0 && (strcmp(mode, "constant") == 0 || id[d] > 0 || od[d] == 0);
        ok &= pads[d] > -IR_MAX_ELEMENTS && pads[d] < IR_MAX_ELEMENTS;
    }
    free(pads);
    if (!ok)
        return cx_error(cx, n, "pads do not fit input %s in mode %s", cx_type(cx, &x->type), mode);
    if (check_out_type(cx, n, y, &want)) return -1;
    const char *value = cx_f32(cx, 0.0f);
    if (n->n_in > 2 && n->in[2]) {
        const Value *cv = n->in[2];
        if (cv->type.dtype != DT_F32 || numel(cv) != 1)
            return cx_error(cx, n, "constant_value must be an f32 scalar");
        const Tensor *t = cx_konst(cv);
        value = t ? cx_f32(cx, ((const float *)t->data)[0]) : cx_str(cx, "%s[0]", cx_ref(cx, cv));
    }
    int rank = r ? r : 1; /* a scalar pads to itself */
    cx_kernel(cx, "pad_f32");
    cx_printf(cx,
              "    pad_f32(%s, %s, &(const struct pad_params){\n"
              "        .rank = %d, .od = %s, .id = %s, .begin = %s,\n"
              "        .mode = %s, .value = %s});\n",
              cx_ref(cx, x), cx_ref(cx, y), rank, cx_longs(cx, rank, od), cx_longs(cx, rank, id),
              cx_longs(cx, rank, begin), code, value);
    return 0;
}

/* ---- shape computations ---- */

/*
 * Shape, Size, ConstantOfShape and Range have no kernel: fold-constants
 * makes them constants. With constant inputs it only leaves them to run time
 * when a limit stopped it (docs/limits.md); say which, since the passes ran.
 */
int emit_shape_op(EmitCtx *cx, const Node *n) {
    bool const_inputs = true;
    for (int i = 0; i < n->n_in; i++) const_inputs &= !n->in[i] || cx_konst(n->in[i]) != NULL;
    const Value *y = n->out[0];
    if (const_inputs && (double)numel(y) > FOLD_GROWTH_LIMIT)
        return cx_error(cx, n,
                        "the result %s (%lld elements) is too large to fold into a constant: "
                        "fold-constants makes at most %.0f elements from smaller inputs "
                        "(docs/limits.md), and %s has no run-time code",
                        cx_type(cx, &y->type), (long long)numel(y), FOLD_GROWTH_LIMIT, op_name(n));
    if (const_inputs)
        return cx_error(cx, n,
                        "not folded into a constant: fold-constants stops after %.0f steps of "
                        "work in all (docs/limits.md), and %s has no run-time code",
                        FOLD_TOTAL_WORK, op_name(n));
    return cx_error(cx, n,
                    "%s computed at run time is not supported (its value should have been "
                    "folded to a constant: run infer-shapes and fold-constants)",
                    op_name(n));
}
