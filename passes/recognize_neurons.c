/*
 * recognize_neurons.c - the recognize-neurons pass.
 *
 * 1. Firing functions. A value s in {-1,0,1} (or {0,1}) that is computed
 *    elementwise from one real tensor v, where v is only compared with
 *    constants, signed, or compared in absolute value, is a step function of
 *    v with breakpoints at those constants (and 0). Evaluating that function
 *    at every breakpoint, its float neighbours and between them identifies
 *    it exactly, whatever ops the exporter used: Cast(v >= a) - Cast(v <= b),
 *    Where(|v| < a, 0, Sign(v)), Cast(v > a), ... become tsnc.fire(v).
 * 2. Straight-through estimators. (s - c) + c with c = Clip(v, lo, hi) and
 *    s = fire(v) is s in real arithmetic; in float32 it is s exactly when
 *    s - c is exact, which Sterbenz's lemma gives for c within [0.5, 2] when
 *    s = 1 (and [-2, -0.5] when s = -1), and -c + c = 0 always. The rewrite
 *    is done only when the firing thresholds and clip bounds guarantee that.
 * 3. Neurons. With u the membrane (v = u / vth), the hard reset
 *    m = u * r where r is 1 for s = 0 and 0 otherwise (identified by
 *    evaluating r at every spike value), and the next step's membrane
 *    u' = m * decay + x', each timestep becomes tsnc.lif(m_prev, x), which
 *    computes leak, fire and reset in one pass over memory.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/probe.h"
#include "passes/rewrite.h"
#include "passes/value_set.h"

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static bool uniform_scalar(const Value *v, float *out) {
    if (!v || !v->konst || v->def || tensor_numel(v->konst) < 1) return false;
    double x = tensor_get_f64(v->konst, 0);
    if (!tensor_all_equal(v->konst, x)) return false;
    *out = (float)x;
    return true;
}

/* Probe points: every breakpoint, its float neighbours, interior points, the extremes. */
static int probe_points(const Cone *c, float *p) {
    float b[2 * PROBE_MAX_NODES + 1];
    int nb = 0;
    b[nb++] = 0.0f;
    for (int i = 0; i < c->n_thresholds; i++) {
        if (!isfinite(c->thresholds[i])) continue;
        b[nb++] = c->thresholds[i];
        b[nb++] = -c->thresholds[i];
    }
    qsort(b, (size_t)nb, sizeof *b, cmp_float);
    int n = 0;
    p[n++] = -INFINITY;
    p[n++] = -FLT_MAX;
    p[n++] = FLT_MAX;
    p[n++] = INFINITY;
    for (int i = 0; i < nb; i++) {
        p[n++] = b[i];
        p[n++] = nextafterf(b[i], -INFINITY);
        p[n++] = nextafterf(b[i], INFINITY);
        if (i + 1 < nb) p[n++] = b[i] / 2 + b[i + 1] / 2;
    }
    qsort(p, (size_t)n, sizeof *p, cmp_float);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!k || p[i] != p[k - 1]) p[k++] = p[i];
    return k;
}

/* True if x is one of the cone's breakpoints (a compared constant, its negation, or 0). */
static bool is_breakpoint(const Cone *c, float x) {
    if (x == 0.0f) return true;
    for (int i = 0; i < c->n_thresholds; i++)
        if (x == c->thresholds[i] || x == -c->thresholds[i]) return true;
    return false;
}

/*
 * Identifies the firing rule the cone computes; false if it is not one. A
 * step that starts at a breakpoint b is written "v >= b"; one that starts
 * just above it, "v > b".
 */
static bool derive_rule(const Cone *c, FireRule *rule) {
    float p[PROBE_MAX_POINTS], f[PROBE_MAX_POINTS];
    int n = probe_points(c, p);
    bool any_pos = false, any_neg = false;
    for (int i = 0; i < n; i++) {
        if (!cone_eval(c, p[i], &f[i])) return false;
        if (f[i] != -1.0f && f[i] != 0.0f && f[i] != 1.0f) return false;
        any_pos |= f[i] == 1.0f;
        any_neg |= f[i] == -1.0f;
    }
    if (!any_pos) return false;
    *rule = (FireRule){.ternary = any_neg};
    for (int i = 0; i < n; i++)
        if (f[i] == 1.0f) {
            bool after_bp = i > 0 && !is_breakpoint(c, p[i]) && is_breakpoint(c, p[i - 1]);
            rule->up = after_bp ? p[i - 1] : p[i];
            rule->up_inclusive = !after_bp;
            break;
        }
    if (any_neg)
        for (int i = n - 1; i >= 0; i--)
            if (f[i] == -1.0f) {
                bool before_bp = i + 1 < n && !is_breakpoint(c, p[i]) && is_breakpoint(c, p[i + 1]);
                rule->down = before_bp ? p[i + 1] : p[i];
                rule->down_inclusive = !before_bp;
                break;
            }
    for (int i = 0; i < n; i++)
        if (fire_apply(rule, p[i]) != f[i]) return false;
    return true;
}

static bool fire_candidate(const Value *v) {
    const Node *n = v->def;
    return n && n->n_out == 1 && !op_has(n->op, OPT_NEURON) && v->type.dtype == DT_F32 &&
           vs_levels_within(&v->vs, -1, 1) && amp_is_one(&v->vs.amp);
}

static bool same_rule(const FireRule *a, const FireRule *b) {
    return a->ternary == b->ternary && a->up == b->up && a->up_inclusive == b->up_inclusive &&
           (!a->ternary || (a->down == b->down && a->down_inclusive == b->down_inclusive));
}

/* A fire this sweep already made on `root` with `rule`, or NULL. */
static Node *existing_fire(Node *const *made, int n_made, const Value *root, const FireRule *rule) {
    for (int i = 0; i < n_made; i++) {
        FireRule r = fire_rule_of(made[i]);
        if (made[i]->in[0] == root && same_rule(&r, rule)) return made[i];
    }
    return NULL;
}

/*
 * Sweep 1: firing functions -> tsnc.fire. Latest first, so the largest
 * expression wins. A value inside an expression already taken that computes
 * the same firing function of the same root (the binary export's
 * Abs(Cast(v > a)) contains Cast(v > a), which the next layer reads) is
 * replaced by that fire too, which moves up to the value's position.
 */
static void recognize_fires(Graph *g) {
    Rewriter rw;
    rw_init(&rw, g);
    /* Nodes this sweep creates have ids >= n_ids and are never candidates. */
    int n_ids = g->next_node_id;
    char *covered = calloc((size_t)n_ids + 1, 1);
    Node **made = calloc((size_t)n_ids + 1, sizeof *made);
    int n_made = 0;
    if (!covered || !made) die("out of memory");
    for (Node *n = g->last; n; n = n->prev) {
        if (n->id >= n_ids) continue;
        Value *s = n->n_out == 1 ? n->out[0] : NULL;
        if (!s || !fire_candidate(s)) continue;
        Cone c = {0};
        FireRule rule;
        if (!cone_collect(s, true, &c) || !derive_rule(&c, &rule)) continue;
        /* The cone may broadcast the root (Where(v >= 1, ones[3,8], 0) with v [1,8]):
         * s then has more elements than the fire computes, so the fire's spikes are
         * broadcast to s's shape (tsnc.fire itself is elementwise). */
        Node *same = existing_fire(made, n_made, c.root, &rule);
        if (same) {
            /* The root is defined before every node of n's cone, so before n. */
            graph_move_before(g, same, n);
            Value *b = rw_broadcast_to(g, n, same->out[0], &s->type.shape);
            if (b) rw_replace(&rw, s, b);
            continue;
        }
        if (covered[n->id]) continue;
        Value *root = (Value *)c.root;
        Node *f = graph_add_node(g, n, OP_FIRE, n->name, 1, &root, 1);
        fire_rule_set(g, f, &rule);
        node_infer_or_die(f);
        Value *b = rw_broadcast_to(g, n, f->out[0], &s->type.shape);
        if (!b || !rw_replace(&rw, s, b)) { /* unused nodes go with the dce after this sweep */
            continue;
        }
        for (int i = 0; i < c.n; i++)
            if (c.nodes[i]->id < n_ids) covered[c.nodes[i]->id] = 1;
        made[n_made++] = f;
    }
    free(made);
    free(covered);
    rw_finish(&rw);
}

/* Sweep 2: (s - c) + c -> s where float arithmetic makes it exact (see the top comment). */
static Value *ste_spike(const Node *add) {
    for (int side = 0; side < 2; side++) {
        const Value *d = add->in[side], *c = add->in[1 - side];
        if (!d->def || d->def->op != OP_SUB || d->def->in[1] != c) continue;
        Value *s = d->def->in[0];
        const Node *f = s->def, *clip = c->def;
        if (!f || f->op != OP_FIRE || !clip || clip->op != OP_CLIP || clip->in[0] != f->in[0]) continue;
        float lo = -INFINITY, hi = INFINITY;
        if (clip->n_in > 1 && clip->in[1] && !uniform_scalar(clip->in[1], &lo)) continue;
        if (clip->n_in > 2 && clip->in[2] && !uniform_scalar(clip->in[2], &hi)) continue;
        FireRule r = fire_rule_of(f);
        /* s = 1 needs c in [0.5, 2]; s = -1 needs c in [-2, -0.5]. */
        bool pos_ok = fmaxf(r.up, lo) >= 0.5f && hi <= 2.0f;
        bool neg_ok = !r.ternary || (fminf(r.down, hi) <= -0.5f && lo >= -2.0f);
        if (pos_ok && neg_ok && lo <= hi) return s;
    }
    return NULL;
}

static void remove_ste(Graph *g) {
    Rewriter rw;
    rw_init(&rw, g);
    for (Node *n = g->first; n; n = n->next) {
        rw_resolve_inputs(&rw, n);
        if (n->op != OP_ADD) continue;
        Value *s = ste_spike(n);
        if (s && type_eq(&s->type, &n->out[0]->type)) rw_replace(&rw, n->out[0], s);
    }
    rw_finish(&rw);
}

/* True if r, as a function of the spike s, is 1 where s = 0 and 0 where s != 0. */
static bool is_reset_mask(const Value *r, const Value *s) {
    if (!vs_levels_within(&r->vs, 0, 1)) return false;
    Cone c = {.root = s};
    if (!cone_collect(r, false, &c)) return false;
    for (int i = 0; i < s->vs.n_levels; i++) {
        float out, l = s->vs.levels[i];
        if (!cone_eval(&c, l, &out) || out != (l == 0.0f ? 1.0f : 0.0f)) return false;
    }
    return true;
}

/* A Mul(u, r) / Mul(r, u) among u's readers with r a reset mask of s: its node. */
static Node *find_reset(const Uses *u, const Value *mem, const Value *s) {
    if (mem->id >= u->n_values) return NULL;
    for (int i = 0; i < u->count[mem->id]; i++) {
        Node *m = u->users[mem->id][i];
        if (m->op != OP_MUL || !type_eq(&m->out[0]->type, &mem->type)) continue;
        const Value *r = m->in[0] == mem ? m->in[1] : m->in[0];
        if (is_reset_mask(r, s)) return m;
    }
    return NULL;
}

/* Reset values already fused: reset_to_lif[value id] = the lif that now computes it. */
typedef struct LifMap {
    Node **lif;
    int n;
} LifMap;

/* u = m * decay + x with m a fused reset value: the previous lif, decay and x. */
static Node *previous_step(const LifMap *map, const Value *u, float *decay, Value **x) {
    const Node *add = u->def;
    if (!add || add->op != OP_ADD) return NULL;
    for (int side = 0; side < 2; side++) {
        const Value *a = add->in[side];
        const Node *mul = a->def;
        if (!mul || mul->op != OP_MUL || !type_eq(&add->in[1 - side]->type, &u->type)) continue;
        for (int k = 0; k < 2; k++) {
            const Value *m = mul->in[k];
            if (m->id < map->n && map->lif[m->id] && uniform_scalar(mul->in[1 - k], decay) &&
                type_eq(&m->type, &u->type)) {
                *x = add->in[1 - side];
                return map->lif[m->id];
            }
        }
    }
    return NULL;
}

/* Sweep 3: each timestep's leak + fire + hard reset -> tsnc.lif. */
static void fuse_lif(Graph *g) {
    Uses *u = uses_build(g);
    Rewriter rw;
    rw_init(&rw, g);
    LifMap map = {.n = g->n_values};
    map.lif = calloc((size_t)map.n + 1, sizeof *map.lif);
    if (!map.lif) die("out of memory");
    for (Node *f = g->first; f; f = f->next) {
        if (f->op != OP_FIRE) continue;
        Value *v = f->in[0], *mem = v;
        float vth = 1.0f, decay = 0.25f;
        if (v->def && v->def->op == OP_DIV && uniform_scalar(v->def->in[1], &vth) && vth != 0.0f &&
            type_eq(&v->def->in[0]->type, &v->type))
            mem = v->def->in[0];
        else
            vth = 1.0f;
        Node *reset = find_reset(u, mem, f->out[0]);
        Value *x = mem;
        Node *prev = previous_step(&map, mem, &decay, &x);
        /* A fire with no membrane recurrence around it stays a plain tsnc.fire. */
        if (!reset && !prev) continue;
        Value *in[2] = {x, prev ? prev->out[1] : NULL};
        Node *lif = graph_add_node(g, f, OP_LIF, f->name, prev ? 2 : 1, in, 2);
        FireRule rule = fire_rule_of(f);
        fire_rule_set(g, lif, &rule);
        node_set_attr_float(g, lif, "vth", vth);
        if (prev) {
            node_set_attr_float(g, lif, "decay", decay);
            if (!node_attr(prev, "decay")) node_set_attr_float(g, prev, "decay", decay);
        }
        node_infer_or_die(lif);
        rw_replace(&rw, f->out[0], lif->out[0]);
        if (reset) {
            rw_replace(&rw, reset->out[0], lif->out[1]);
            if (reset->out[0]->id < map.n) map.lif[reset->out[0]->id] = lif;
        }
    }
    free(map.lif);
    uses_free(u);
    rw_finish(&rw);
}

int pass_recognize_neurons(Graph *g, PassContext *cx) {
    (void)cx;
    recognize_fires(g);
    return 0;
}

int pass_remove_ste(Graph *g, PassContext *cx) {
    (void)cx;
    remove_ste(g);
    return 0;
}

int pass_fuse_lif(Graph *g, PassContext *cx) {
    (void)cx;
    fuse_lif(g);
    return 0;
}
