/*
 * op_spike.c - reference semantics of tsnc's spiking ops (docs/ir.md).
 *
 * tsnc.fire and tsnc.lif are the ternary/binary neuron of Guo et al.,
 * "Ternary Spike" (AAAI 2024), as its public code and torch.onnx exports
 * compute it, step by step in float32:
 *     u = m_prev * decay + x        (inputs x, m_prev; first step: u = x)
 *     s = fire(u / vth)             (+1 / -1 / 0, see FireRule)
 *     m = s != 0 ? 0 : u            (hard reset; the export's u * (1 - |s|))
 * tsnc.spike_conv/gemm/matmul have Conv/Gemm/MatMul semantics; they only
 * promise that the activation input holds values in {-1, 0, 1}.
 * tsnc.pack turns spikes s (N, C, H, W) into codes (N, H, W, G): channels
 * 4g..4g+3 of a pixel become one byte, sum_i (s_i + 1) * 3^i (ternary) or
 * sum_i s_i * 2^i (binary); missing channels count as s = 0. A spike_conv
 * whose input is such codes (impl "lut") has the semantics of the Conv of
 * the unpacked spikes.
 * tsnc.split_levels averages windows of spikes, as AveragePool does, and
 * splits the averages into one spike plane per magnitude along the channel
 * axis (ops.def).
 */
#include <string.h>

#include "ir.h"

FireRule fire_rule_of(const Node *n) {
    FireRule r;
    r.ternary = strcmp(node_attr_string(n, "kind", "ternary"), "binary") != 0;
    r.up = node_attr_float(n, "up", 0.5f);
    r.down = node_attr_float(n, "down", -0.5f);
    r.up_inclusive = node_attr_int(n, "up_inclusive", 1) != 0;
    r.down_inclusive = node_attr_int(n, "down_inclusive", 1) != 0;
    return r;
}

void fire_rule_set(Graph *g, Node *n, const FireRule *r) {
    node_set_attr_string(g, n, "kind", r->ternary ? "ternary" : "binary");
    node_set_attr_float(g, n, "up", r->up);
    node_set_attr_int(g, n, "up_inclusive", r->up_inclusive);
    if (r->ternary) {
        node_set_attr_float(g, n, "down", r->down);
        node_set_attr_int(g, n, "down_inclusive", r->down_inclusive);
    }
}

float fire_apply(const FireRule *r, float v) {
    if (r->up_inclusive ? v >= r->up : v > r->up) return 1.0f;
    if (r->ternary && (r->down_inclusive ? v <= r->down : v < r->down)) return -1.0f;
    return 0.0f;
}

/* The firing rule's attributes: kind, and the inclusive flags (0 or 1, as fire_rule_set writes them). */
static int check_kind(const Node *n, Diag *d) {
    const char *k = node_attr_string(n, "kind", "ternary");
    if (strcmp(k, "ternary") != 0 && strcmp(k, "binary") != 0) {
        diag_error(d, n, "kind must be \"ternary\" or \"binary\", not \"%s\"", k);
        return -1;
    }
    static const char *const flags[] = {"up_inclusive", "down_inclusive"};
    for (int i = 0; i < 2; i++) {
        int64_t v = node_attr_int(n, flags[i], 1);
        if (v != 0 && v != 1) {
            diag_error(d, n, "%s must be 0 (>) or 1 (>=), not %lld", flags[i], (long long)v);
            return -1;
        }
    }
    return 0;
}

/* impl of a spike layer, if given, is one of the kernels its emitter has (docs/ir.md). */
static int check_impl(const Node *n, const char *const *known, int count, Diag *d) {
    const char *impl = node_attr_string(n, "impl", NULL);
    if (!impl) return 0;
    for (int i = 0; i < count; i++)
        if (strcmp(impl, known[i]) == 0) return 0;
    diag_error(d, n, "impl \"%s\" is not a kernel of %s (%s%s%s%s%s)", impl, op_info(n->op)->name, known[0],
               count > 1 ? ", " : "", count > 1 ? known[1] : "", count > 2 ? ", " : "", count > 2 ? known[2] : "");
    return -1;
}

static int infer_fire(Node *n, Diag *d) {
    const Value *v = n->in[0];
    if (v->type.dtype != DT_F32) {
        diag_error(d, n, "input must be f32");
        return -1;
    }
    if (check_kind(n, d) != 0) return -1;
    n->out[0]->type = v->type;
    return 0;
}

static int eval_fire(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    FireRule r = fire_rule_of(n);
    const float *v = in[0]->data;
    float *s = out[0]->data;
    for (int64_t i = 0, k = tensor_numel(in[0]); i < k; i++) s[i] = fire_apply(&r, v[i]);
    return 0;
}

/* The codes of spikes s (N, C, H, W), f32, into codes (N, H, W, G) as tsnc.pack does. */
static void pack_codes(const float *x, const Shape *xs, int64_t group, bool ternary, unsigned char *codes) {
    int64_t hw = xs->dim[2] * xs->dim[3], groups = (xs->dim[1] + group - 1) / group;
    for (int64_t b = 0; b < xs->dim[0]; b++)
        for (int64_t p = 0; p < hw; p++)
            for (int64_t g = 0; g < groups; g++) {
                int code = 0, place = 1;
                for (int64_t i = 0; i < group; i++, place *= ternary ? 3 : 2) {
                    int64_t ch = g * group + i;
                    float v = ch < xs->dim[1] ? x[(b * xs->dim[1] + ch) * hw + p] : 0.0f;
                    code += place * (ternary ? (v > 0 ? 2 : v < 0 ? 0 : 1) : (v > 0));
                }
                codes[(b * hw + p) * groups + g] = (unsigned char)code;
            }
}

static int infer_lif(Node *n, Diag *d) {
    const Value *x = n->in[0], *m = n->n_in > 1 ? n->in[1] : NULL;
    if (!x || x->type.dtype != DT_F32) {
        diag_error(d, n, "input current must be f32");
        return -1;
    }
    if (m && !type_eq(&m->type, &x->type)) {
        diag_error(d, n, "membrane and input current must have the same type");
        return -1;
    }
    if (check_kind(n, d) != 0) return -1;
    if (node_attr_float(n, "vth", 1.0f) == 0.0f) {
        diag_error(d, n, "vth must not be 0");
        return -1;
    }
    int64_t steps = node_attr_int(n, "steps", 1);
    if (steps < 1 || steps > LIF_MAX_STEPS) {
        diag_error(d, n, "steps = %lld; it must be 1..%d", (long long)steps, LIF_MAX_STEPS);
        return -1;
    }
    if (steps > 1 && m) {
        diag_error(d, n, "steps = %lld runs every step on the one input current: no membrane operand",
                   (long long)steps);
        return -1;
    }
    if (steps > 1 && x->type.shape.rank >= IR_MAX_RANK) {
        diag_error(d, n, "steps = %lld adds a leading axis: the input current's rank must be below %d",
                   (long long)steps, IR_MAX_RANK);
        return -1;
    }
    n->out[0]->type = x->type;
    n->out[1]->type = x->type;
    int64_t pack = node_attr_int(n, "pack", 0);
    if (pack) {
        bool ternary = fire_rule_of(n).ternary;
        if (pack < 1 || pack > (ternary ? 5 : 8) || x->type.shape.rank != 4) {
            diag_error(d, n, "pack must be 1..%d and the input (N, C, H, W)", ternary ? 5 : 8);
            return -1;
        }
        const int64_t *xd = x->type.shape.dim;
        Type t = {DT_U8, {.rank = 4, .dim = {xd[0], xd[2], xd[3], (xd[1] + pack - 1) / pack}}};
        n->out[0]->type = t;
    }
    if (steps > 1) {
        /* one more leading axis: the timestep */
        Shape *s = &n->out[0]->type.shape;
        memmove(s->dim + 1, s->dim, (size_t)s->rank * sizeof s->dim[0]);
        s->dim[0] = steps;
        s->rank++;
    }
    return 0;
}

static int eval_lif(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    FireRule r = fire_rule_of(n);
    float decay = node_attr_float(n, "decay", 0.25f), vth = node_attr_float(n, "vth", 1.0f);
    const float *x = in[0]->data, *mp = n->n_in > 1 && in[1] ? in[1]->data : NULL;
    int64_t pack = node_attr_int(n, "pack", 0), steps = node_attr_int(n, "steps", 1);
    int64_t k = tensor_numel(in[0]), step_out = tensor_numel(out[0]) / steps;
    /* With pack, the spikes go to a scratch tensor first and are packed after each step. */
    Tensor *spikes = pack ? tensor_new(NULL, DT_F32, &in[0]->type.shape) : NULL;
    float *m = out[1]->data;
    for (int64_t t = 0; t < steps; t++) {
        float *s = pack ? spikes->data : (float *)out[0]->data + t * step_out;
        for (int64_t i = 0; i < k; i++) {
            /* Two statements: the leak is rounded before the add, as in the export (no FMA). */
            float leak = mp ? mp[i] * decay : 0.0f;
            float u = mp ? leak + x[i] : x[i];
            /* vth == 1 divides exactly; keep the division so any vth matches the export. */
            float v = u / vth;
            s[i] = fire_apply(&r, v);
            m[i] = s[i] != 0.0f ? 0.0f : u;
        }
        if (pack) pack_codes(s, &in[0]->type.shape, pack, r.ternary, (unsigned char *)out[0]->data + t * step_out);
        mp = m; /* the next step leaks this step's membrane, element by element in place */
    }
    tensor_free_heap(spikes);
    return 0;
}

static bool pack_ternary(const Node *n) {
    return strcmp(node_attr_string(n, "kind", "ternary"), "binary") != 0;
}

static int infer_pack(Node *n, Diag *d) {
    const Value *x = n->in[0];
    int64_t group = node_attr_int(n, "group", 4);
    bool ternary = pack_ternary(n);
    if (x->type.dtype != DT_F32 || x->type.shape.rank != 4) {
        diag_error(d, n, "input must be f32 spikes (N, C, H, W)");
        return -1;
    }
    if (group < 1 || group > (ternary ? 5 : 8)) {
        diag_error(d, n, "group must be 1..%d for %s codes in a byte", ternary ? 5 : 8,
                   ternary ? "ternary" : "binary");
        return -1;
    }
    const int64_t *xd = x->type.shape.dim;
    Type t = {DT_U8, {.rank = 4, .dim = {xd[0], xd[2], xd[3], (xd[1] + group - 1) / group}}};
    n->out[0]->type = t;
    return 0;
}

static int eval_pack(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    pack_codes(in[0]->data, &in[0]->type.shape, node_attr_int(n, "group", 4), pack_ternary(n), out[0]->data);
    return 0;
}

bool spike_codes_of(const Node *n, SpikeCodes *c) {
    if (n->op == OP_PACK) {
        *c = (SpikeCodes){n->in[0]->type.shape.dim[1], node_attr_int(n, "group", 4), pack_ternary(n)};
        return true;
    }
    if (n->op == OP_LIF && node_attr_int(n, "pack", 0) > 0) {
        *c = (SpikeCodes){n->in[0]->type.shape.dim[1], node_attr_int(n, "pack", 0), fire_rule_of(n).ternary};
        return true;
    }
    if (n->op == OP_SPIKE_CONV && n->in[0]->type.dtype == DT_U8 && n->in[1]->type.shape.rank == 4) {
        *c = (SpikeCodes){n->in[1]->type.shape.dim[1], node_attr_int(n, "pack", 0), pack_ternary(n)};
        return c->group > 0;
    }
    return false;
}

Tensor *spike_codes_decode(const Tensor *codes, const SpikeCodes *c) {
    /* codes (..., H, W, G) -> spikes (..., C, H, W): the leading axes are samples (and steps) */
    const Shape *cs = &codes->type.shape;
    int r = cs->rank;
    Shape s = *cs;
    int64_t batch = 1, h = cs->dim[r - 3], w = cs->dim[r - 2], groups = cs->dim[r - 1];
    for (int i = 0; i < r - 3; i++) batch *= cs->dim[i];
    s.dim[r - 3] = c->channels, s.dim[r - 2] = h, s.dim[r - 1] = w;
    Tensor *x = tensor_new(NULL, DT_F32, &s);
    int64_t hw = h * w, base = c->ternary ? 3 : 2;
    const unsigned char *code = codes->data;
    float *out = x->data;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t p = 0; p < hw; p++)
            for (int64_t ch = 0; ch < c->channels; ch++) {
                int v = code[(b * hw + p) * groups + ch / c->group];
                for (int64_t i = 0; i < ch % c->group; i++) v /= (int)base;
                int digit = v % (int)base;
                out[(b * c->channels + ch) * hw + p] = (float)(c->ternary ? digit - 1 : digit);
            }
    return x;
}

/*
 * A spike_conv reading codes (impl "lut": attributes pack = channels per code and
 * kind) is the Conv of the unpacked spikes (N, C, H, W), with C from the weights
 * (M, C, kh, kw) and N, H, W from the codes (N, H, W, groups).
 */
static bool unpacked_type(const Node *n, Type *t, int64_t *group, bool *ternary, Diag *d) {
    const Value *codes = n->in[0], *w = n->in[1];
    *group = node_attr_int(n, "pack", 0);
    *ternary = strcmp(node_attr_string(n, "kind", "ternary"), "binary") != 0;
    if (*group < 1 || *group > (*ternary ? 5 : 8) || codes->type.shape.rank != 4 || w->type.shape.rank != 4 ||
        node_attr_int(n, "group", 1) != 1) {
        diag_error(d, n, "u8 codes need pack = 1..%d, weights (M, C, kh, kw) and group = 1", *ternary ? 5 : 8);
        return false;
    }
    const int64_t *cd = codes->type.shape.dim;
    int64_t c = w->type.shape.dim[1];
    if ((c + *group - 1) / *group != cd[3]) {
        diag_error(d, n, "codes of %lld groups do not match %lld input channels in groups of %lld",
                   (long long)cd[3], (long long)c, (long long)*group);
        return false;
    }
    *t = (Type){DT_F32, {.rank = 4, .dim = {cd[0], c, cd[1], cd[2]}}};
    return true;
}

static int infer_spike_conv(Node *n, Diag *d) {
    static const char *const known[] = {"events", "gather", "lut"};
    if (check_impl(n, known, 3, d) != 0) return -1;
    /* impl "lut" and u8 codes go together: the lut kernel reads codes, every
     * other kernel f32 spikes (so opt and compile agree on what is valid). */
    bool lut = strcmp(node_attr_string(n, "impl", ""), "lut") == 0;
    if (lut != (n->in[0]->type.dtype == DT_U8)) {
        if (lut)
            diag_error(d, n, "impl \"lut\" reads u8 codes (of a tsnc.pack or a tsnc.lif with pack), not %s",
                       dtype_name(n->in[0]->type.dtype));
        else
            diag_error(d, n, "an input of u8 codes needs impl \"lut\"");
        return -1;
    }
    if (!lut) return op_info(OP_CONV)->sema->infer(n, d);
    Type t;
    int64_t group;
    bool ternary;
    if (!unpacked_type(n, &t, &group, &ternary, d)) return -1;
    Value spikes = {.type = t};
    Node shadow = *n;
    Value *in[3] = {&spikes, n->in[1], n->n_in > 2 ? n->in[2] : NULL};
    shadow.in = in;
    return op_info(OP_CONV)->sema->infer(&shadow, d);
}

static int eval_spike_conv(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    if (n->in[0]->type.dtype != DT_U8) return op_info(OP_CONV)->sema->eval(n, in, out, d);
    Type t;
    int64_t group;
    bool ternary;
    if (!unpacked_type(n, &t, &group, &ternary, d)) return -1;
    /* Unpack the codes into spikes, then evaluate the Conv on them. */
    SpikeCodes c = {t.shape.dim[1], group, ternary};
    Tensor *x = spike_codes_decode(in[0], &c);
    Value spikes = {.type = t};
    Node shadow = *n;
    Value *vin[3] = {&spikes, n->in[1], n->n_in > 2 ? n->in[2] : NULL};
    shadow.in = vin;
    Tensor *tin[3] = {x, in[1], n->n_in > 2 ? in[2] : NULL};
    int rc = op_info(OP_CONV)->sema->eval(&shadow, tin, out, d);
    tensor_free_heap(x);
    return rc;
}

static int infer_spike_gemm(Node *n, Diag *d) {
    static const char *const known[] = {"dense", "events"};
    if (check_impl(n, known, 2, d) != 0) return -1;
    return op_info(OP_GEMM)->sema->infer(n, d);
}
static int eval_spike_gemm(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return op_info(OP_GEMM)->sema->eval(n, in, out, d);
}
static int infer_spike_matmul(Node *n, Diag *d) { return op_info(OP_MATMUL)->sema->infer(n, d); }
static int eval_spike_matmul(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return op_info(OP_MATMUL)->sema->eval(n, in, out, d);
}

/* The levels of a tsnc.split_levels, each finite, > 0 and larger than the one before; their
 * count in *count (0 and an error in d when they are not). */
static const float *split_levels_of(const Node *n, int *count, Diag *d) {
    const Attr *a = node_attr(n, "levels");
    *count = 0;
    if (!a || a->kind != ATTR_FLOATS || a->n < 1 || a->n > SPLIT_LEVELS_MAX) {
        diag_error(d, n, "levels must list 1 to %d magnitudes", SPLIT_LEVELS_MAX);
        return NULL;
    }
    for (int i = 0; i < a->n; i++)
        if (!(a->floats[i] > 0.0f && a->floats[i] <= 3.4e38f) || (i > 0 && !(a->floats[i] > a->floats[i - 1]))) {
            diag_error(d, n, "levels must be finite, positive and increasing: levels[%d] = %g", i,
                       (double)a->floats[i]);
            return NULL;
        }
    *count = a->n;
    return a->floats;
}

/* The window (kh, kw) of a tsnc.split_levels; false and an error in d if it is not two sizes of
 * 1 to 64 elements in all that divide x's (N, C, H, W). */
static bool split_window(const Node *n, int64_t *kh, int64_t *kw, Diag *d) {
    int count;
    const int64_t *k = node_attr_ints(n, "kernel_shape", &count);
    const Shape *xs = &n->in[0]->type.shape;
    if (n->in[0]->type.dtype != DT_F32 || xs->rank != 4) {
        diag_error(d, n, "input must be f32 (N, C, H, W)");
        return false;
    }
    if (!k || count != 2 || k[0] < 1 || k[1] < 1 || k[0] > 64 || k[1] > 64 || k[0] * k[1] > 64) {
        diag_error(d, n, "kernel_shape must be two window sizes of 1 to 64 elements in all");
        return false;
    }
    if (xs->dim[2] % k[0] || xs->dim[3] % k[1]) {
        diag_error(d, n, "a %lldx%lld window does not divide the %lldx%lld input", (long long)k[0], (long long)k[1],
                   (long long)xs->dim[2], (long long)xs->dim[3]);
        return false;
    }
    *kh = k[0], *kw = k[1];
    return true;
}

static int infer_split_levels(Node *n, Diag *d) {
    const Value *x = n->in[0];
    int count;
    int64_t kh, kw;
    if (!split_levels_of(n, &count, d) || !split_window(n, &kh, &kw, d)) return -1;
    const int64_t *xd = x->type.shape.dim;
    Type t = {DT_F32, {.rank = 4, .dim = {xd[0], xd[1] * count, xd[2] / kh, xd[3] / kw}}};
    if (shape_numel(&t.shape) < 0) {
        diag_error(d, n, "%d planes of %lld channels are too many elements", count, (long long)xd[1]);
        return -1;
    }
    n->out[0]->type = t;
    return 0;
}

static int eval_split_levels(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    int count;
    int64_t kh, kw;
    const float *lv = split_levels_of(n, &count, d);
    if (!lv || !split_window(n, &kh, &kw, d)) return -1;
    const int64_t *xd = in[0]->type.shape.dim;
    int64_t c = xd[1], h = xd[2], w = xd[3], oh = h / kh, ow = w / kw;
    const float *x = in[0]->data;
    float *s = out[0]->data;
    for (int64_t b = 0; b < xd[0]; b++)
        for (int64_t ch = 0; ch < c; ch++)
            for (int64_t oy = 0; oy < oh; oy++)
                for (int64_t ox = 0; ox < ow; ox++) {
                    /* AveragePool's average: the window's sum in row-major order over its size */
                    float sum = 0.0f;
                    for (int64_t dy = 0; dy < kh; dy++)
                        for (int64_t dx = 0; dx < kw; dx++)
                            sum += x[((b * c + ch) * h + oy * kh + dy) * w + ox * kw + dx];
                    float v = sum / (float)(kh * kw);
                    for (int j = 0; j < count; j++)
                        s[(((b * count + j) * c + ch) * oh + oy) * ow + ox] =
                            v == lv[j] ? 1.0f : v == -lv[j] ? -1.0f : 0.0f;
                }
    return 0;
}

const OpSema op_sema_FIRE = {infer_fire, eval_fire};
const OpSema op_sema_SPLIT_LEVELS = {infer_split_levels, eval_split_levels};
const OpSema op_sema_LIF = {infer_lif, eval_lif};
const OpSema op_sema_SPIKE_CONV = {infer_spike_conv, eval_spike_conv};
const OpSema op_sema_SPIKE_GEMM = {infer_spike_gemm, eval_spike_gemm};
const OpSema op_sema_SPIKE_MATMUL = {infer_spike_matmul, eval_spike_matmul};
const OpSema op_sema_PACK = {infer_pack, eval_pack};

int64_t spike_conv_distinct_taps(const Value *w) {
    const Shape *s = &w->type.shape;
    if (s->rank != 4) return 0;
    int64_t mc = s->dim[0] * s->dim[1], taps = s->dim[2] * s->dim[3], distinct = 0;
    if (!w->konst || w->def || w->type.dtype != DT_F32) return taps;
    const float *d = w->konst->data;
    for (int64_t t = 0; t < taps; t++) {
        bool seen = false;
        for (int64_t u = 0; u < t && !seen; u++) {
            seen = true;
            /* bit for bit, as codegen shares tables (-0.0 is not 0.0 here, a NaN equals itself) */
            for (int64_t i = 0; i < mc && seen; i++) seen = !memcmp(&d[i * taps + t], &d[i * taps + u], sizeof *d);
        }
        distinct += !seen;
    }
    return distinct;
}

int64_t spike_lut_table_bytes_for(const Value *w, int64_t group, bool ternary) {
    const int64_t *wd = w->type.shape.dim;
    return spike_conv_distinct_taps(w) * ((wd[1] + group - 1) / group) * (ternary ? 81 : 16) * wd[0] *
           (int64_t)sizeof(float);
}

int64_t spike_lut_table_bytes(const Node *n) {
    if (n->op != OP_SPIKE_CONV || strcmp(node_attr_string(n, "impl", ""), "lut") != 0 || n->n_in < 2 ||
        n->in[1]->type.shape.rank != 4)
        return 0;
    bool ternary = pack_ternary(n);
    int64_t pack = node_attr_int(n, "pack", 4), entries = 1;
    if (pack < 1 || pack > (ternary ? 5 : 8)) return 0;
    for (int64_t i = 0; i < pack; i++) entries *= ternary ? 3 : 2;
    const int64_t *wd = n->in[1]->type.shape.dim;
    int64_t groups = (wd[1] + pack - 1) / pack;
    return spike_conv_distinct_taps(n->in[1]) * groups * entries * wd[0] * (int64_t)sizeof(float);
}

int64_t spike_gather_tile(const Node *n, int64_t block) {
    return spike_gather_tile_for(n->in[1]->type.shape.dim[1], block);
}

int64_t spike_gather_tile_for(int64_t c, int64_t block) {
    int64_t ct = SPIKE_GATHER_SLICE_FLOATS / (block > 0 ? block : 1);
    if (ct > SPIKE_GATHER_CT_MAX) ct = SPIKE_GATHER_CT_MAX;
    if (ct < 1) ct = 1;
    return c < ct ? c : ct;
}

bool spike_gather_fits(int64_t taps, int64_t c) {
    return taps <= SPIKE_GATHER_MAX_TAPS && c <= SPIKE_GATHER_MAX_CHANNELS;
}

static bool is_gather_conv(const Node *n) {
    return n->op == OP_SPIKE_CONV && strcmp(node_attr_string(n, "impl", ""), "gather") == 0 && n->n_in >= 2 &&
           n->in[1]->type.shape.rank == 4 && n->in[0]->type.shape.rank == 4;
}

int64_t spike_gather_list_bytes_for(const Node *n, int64_t ct) {
    if (!is_gather_conv(n) || ct < 1) return 0;
    const int64_t *xd = n->in[0]->type.shape.dim;
    int64_t tiles = (xd[1] + ct - 1) / ct;
    return (xd[0] * xd[2] * xd[3] * tiles * (ct + 2) + SPIKE_GATHER_LIST_SLACK) * 2;
}

int64_t spike_gather_list_bytes(const Node *n) {
    /* the blocks of the targets: SPIKE_GATHER_BLOCK_VECTORS vectors of 1 (generic), 4 (NEON),
     * 8 (AVX2) or 16 (AVX-512) floats, codegen/target.c's target_vector_floats */
    static const int64_t lanes[] = {1, 4, 8, 16};
    int64_t most = 0;
    if (!is_gather_conv(n)) return 0;
    for (size_t i = 0; i < sizeof lanes / sizeof *lanes; i++) {
        int64_t b = spike_gather_list_bytes_for(n, spike_gather_tile(n, SPIKE_GATHER_BLOCK_VECTORS * lanes[i]));
        if (b > most) most = b;
    }
    return most;
}
