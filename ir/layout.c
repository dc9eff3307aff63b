/*
 * layout.c - which memory orders each op can read and write (Layout in
 * ir.h). The IR's semantics are logical, so nothing but this table keeps a
 * channels-last tensor away from code that indexes it as row-major: the
 * verifier checks every node against it, choose-kernels only keeps the
 * layouts it allows, and the emitters handle exactly what it allows.
 *
 * A channels-last value stores the trailing (C, H, W) block of its logical
 * shape as (H, W, C); its leading axes (samples, timesteps) stay row-major.
 * The block is either the last three dims or, flattened, the last dim
 * (C*H*W features). What may touch such a value (the OPT_NHWC_* traits of
 * ops.def say which rule an op follows):
 *
 *   OPT_NHWC_ELEMENTWISE (Identity Abs Neg Relu Sign Add Sub Mul Div
 *                 tsnc.fire): every operand of more than one element and
 *                 every result has the result's shape and the same layout
 *                 (no broadcast: a flat loop then pairs the right elements);
 *   OPT_NHWC_BLOCKS and OPT_RESHAPE (Reshape Flatten Squeeze Unsqueeze):
 *                 the result keeps the block at its end with the same
 *                 (C, H, W) (the bytes do not move);
 *   OPT_NHWC_BLOCKS, the others (Gather Concat), along an axis before the
 *                 block: whole blocks move;
 *   OPT_NHWC_OWN, a rule each:
 *   tsnc.lif      input current, membrane in and out, and spikes share one
 *                 layout (codes, with pack, are (N, H, W, groups) u8); with
 *                 pack the block is the input's dims 1..3;
 *   tsnc.pack, tsnc.split_levels, tsnc.spike_conv (f32 spikes)   read a
 *                 rank-4 (N, C, H, W) block; tsnc.spike_conv and
 *                 tsnc.split_levels write one;
 *   tsnc.spike_gemm (transA 0), tsnc.spike_matmul   read A whose last dim
 *                 is the flattened block (their B rows are permuted to it);
 *   tsnc.relayout reads one order and writes the other (or the same): the
 *                 bridge where a channels-last region meets an op that
 *                 reads or writes row-major only.
 *
 * Nothing else reads or writes channels-last data, and graph inputs,
 * outputs and constants are row-major.
 */
#include <stdio.h>
#include <string.h>

#include "ir.h"

int layout_block_dims(const Value *v) {
    const Layout *l = &v->layout;
    const Shape *s = &v->type.shape;
    if (!l->channels_last || l->c < 1 || l->h < 1 || l->w < 1) return 0;
    if (s->rank >= 3 && s->dim[s->rank - 3] == l->c && s->dim[s->rank - 2] == l->h && s->dim[s->rank - 1] == l->w)
        return 3;
    if (s->rank >= 1 && s->dim[s->rank - 1] == l->c * l->h * l->w) return 1;
    return 0;
}

bool layout_eq(const Layout *a, const Layout *b) {
    if (a->channels_last != b->channels_last) return false;
    return !a->channels_last || (a->c == b->c && a->h == b->h && a->w == b->w);
}

static bool is_cl(const Value *v) {
    return v && v->layout.channels_last;
}

static const char *layout_name(const Value *v, char *buf, size_t n) {
    if (!v->layout.channels_last) return "row-major";
    snprintf(buf, n, "nhwc(%lld,%lld,%lld)", (long long)v->layout.c, (long long)v->layout.h,
             (long long)v->layout.w);
    return buf;
}

/* Formats the reason into why and returns it. */
__attribute__((format(printf, 3, 4))) static const char *fail(char *why, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return why;
}

/* Elementwise: all operands of more than one element and all results: the result's shape and one layout. */
static const char *check_elementwise(const Node *n, char *why, size_t size) {
    const Value *ref = n->out[0];
    char a[64], b[64];
    for (int i = 0; i < n->n_in; i++) {
        const Value *v = n->in[i];
        if (!v || (shape_numel(&v->type.shape) == 1 && !is_cl(v))) continue;
        if (!shape_eq(&v->type.shape, &ref->type.shape))
            return fail(why, size, "input %d is broadcast to the result's shape, which the %s result does not allow", i,
                        layout_name(ref, a, sizeof a));
        if (!layout_eq(&v->layout, &ref->layout))
            return fail(why, size, "input %d is %s but the result is %s", i, layout_name(v, a, sizeof a),
                        layout_name(ref, b, sizeof b));
    }
    for (int k = 1; k < n->n_out; k++)
        if (!layout_eq(&n->out[k]->layout, &ref->layout)) return fail(why, size, "results' layouts differ");
    return NULL;
}

static const char *check_lif(const Node *n, char *why, size_t size) {
    const Value *x = n->in[0];
    bool pack = node_attr_int(n, "pack", 0) != 0;
    char a[64], b[64];
    const Value *same[3] = {n->n_in > 1 ? n->in[1] : NULL, n->out[1], pack ? NULL : n->out[0]};
    for (int k = 0; k < 3; k++)
        if (same[k] && !layout_eq(&same[k]->layout, &x->layout))
            return fail(why, size, "%s %s but the input current is %s",
                        k == 0 ? "the membrane input is" : k == 1 ? "the membrane result is" : "the spikes are",
                        layout_name(same[k], a, sizeof a), layout_name(x, b, sizeof b));
    if (pack && is_cl(n->out[0])) return fail(why, size, "spike codes (pack) are always row-major");
    if (pack && is_cl(x) && (x->type.shape.rank != 4 || layout_block_dims(x) != 3))
        return fail(why, size, "pack reads a channels-last input only as (N, C, H, W)");
    return NULL;
}

/* Reshape-like, Gather, Concat: data operands and the result share one layout, whole blocks move. */
static const char *check_movement(const Node *n, char *why, size_t size) {
    const Value *y = n->out[0];
    char a[64], b[64];
    int bd = is_cl(y) ? layout_block_dims(y) : 0;
    for (int i = 0; i < n->n_in; i++) {
        const Value *v = n->in[i];
        if (!v) continue;
        if (!op_input_is_data(n->op, i)) {
            if (is_cl(v)) return fail(why, size, "input %d (not data) must be row-major", i);
            continue;
        }
        if (!layout_eq(&v->layout, &y->layout))
            return fail(why, size, "input %d is %s but the result is %s", i, layout_name(v, a, sizeof a),
                        layout_name(y, b, sizeof b));
        if (!bd) continue;
        if (!op_has(n->op, OPT_RESHAPE)) {
            int r = v->type.shape.rank, axis = (int)node_attr_int(n, "axis", 0);
            if (axis < 0) axis += r;
            if (layout_block_dims(v) != bd || axis >= r - bd)
                return fail(why, size, "%s along axis %d moves parts of the channels-last block",
                            op_info(n->op)->name, axis);
        }
    }
    return NULL;
}

const char *layout_check_node(const Node *n, char *why, size_t size) {
    bool any = false;
    for (int i = 0; i < n->n_in; i++) any |= is_cl(n->in[i]);
    for (int i = 0; i < n->n_out; i++) any |= is_cl(n->out[i]);
    if (!any) return NULL;
    for (int k = 0; k < n->n_in + n->n_out; k++) {
        const Value *v = k < n->n_in ? n->in[k] : n->out[k - n->n_in];
        const char *what = k < n->n_in ? "input" : "output";
        int i = k < n->n_in ? k : k - n->n_in;
        if (!is_cl(v)) continue;
        if (v->type.dtype != DT_F32)
            return fail(why, size, "%s %d is channels-last but %s; only f32 values are stored channels-last", what, i,
                        dtype_name(v->type.dtype));
        if (!layout_block_dims(v))
            return fail(why, size, "%s %d is channels-last but its (C, H, W) block is not at the end of its shape",
                        what, i);
    }
    const Value *x = n->in[0];
    if (op_has(n->op, OPT_NHWC_ELEMENTWISE)) return check_elementwise(n, why, size);
    if (op_has(n->op, OPT_NHWC_BLOCKS)) return check_movement(n, why, size);
    if (!op_has(n->op, OPT_NHWC_OWN)) {
        for (int i = 0; i < n->n_in; i++)
            if (is_cl(n->in[i])) return fail(why, size, "input %d is channels-last (nhwc), which %s cannot read", i,
                                            op_info(n->op)->name);
        return fail(why, size, "%s cannot write a channels-last (nhwc) result", op_info(n->op)->name);
    }
    switch (n->op) {
    case OP_LIF:
        return check_lif(n, why, size);
    case OP_SPLIT_LEVELS:
        if (is_cl(n->out[0]) && (n->out[0]->type.shape.rank != 4 || layout_block_dims(n->out[0]) != 3))
            return fail(why, size, "writes channels-last spike planes only as (N, L*C, H/kh, W/kw)");
        if (is_cl(x) && (x->type.shape.rank != 4 || layout_block_dims(x) != 3))
            return fail(why, size, "reads channels-last spikes only as (N, C, H, W)");
        return NULL;
    case OP_RELAYOUT:
        if (is_cl(x) && is_cl(n->out[0]) && !layout_eq(&x->layout, &n->out[0]->layout))
            return fail(why, size, "converts between row-major and one channels-last block only");
        return NULL;
    case OP_PACK:
        if (is_cl(n->out[0])) return fail(why, size, "spike codes are always row-major");
        if (x->type.shape.rank != 4 || layout_block_dims(x) != 3)
            return fail(why, size, "reads channels-last spikes only as (N, C, H, W)");
        return NULL;
    case OP_SPIKE_CONV:
        for (int i = 1; i < n->n_in; i++)
            if (is_cl(n->in[i])) return fail(why, size, "input %d (weights, bias) must be row-major", i);
        if (is_cl(x) && (x->type.dtype != DT_F32 || x->type.shape.rank != 4 || layout_block_dims(x) != 3))
            return fail(why, size, "reads channels-last spikes only as f32 (N, C, H, W)");
        if (is_cl(n->out[0]) && (n->out[0]->type.shape.rank != 4 || layout_block_dims(n->out[0]) != 3))
            return fail(why, size, "writes a channels-last result only as (N, M, OH, OW)");
        return NULL;
    case OP_SPIKE_GEMM: case OP_SPIKE_MATMUL:
        for (int i = 1; i < n->n_in; i++)
            if (is_cl(n->in[i])) return fail(why, size, "input %d (weights, bias) must be row-major", i);
        if (is_cl(n->out[0])) return fail(why, size, "writes its result row-major only");
        if (layout_block_dims(x) != 1 || (n->op == OP_SPIKE_GEMM && x->type.shape.rank != 2))
            return fail(why, size, "reads a channels-last A only with the flattened (C, H, W) block as its last dim");
        if (node_attr_int(n, "transA", 0)) return fail(why, size, "reads a channels-last A only with transA = 0");
        return NULL;
    default:
        die("layout: %s is marked OPT_NHWC_OWN in ops.def but has no rule here", op_info(n->op)->name);
    }
}
