/*
 * value_set.c - the ValueSet lattice used by spike analysis.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/value_set.h"

ValueSet vs_real(void) {
    ValueSet v;
    memset(&v, 0, sizeof v);
    return v;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

ValueSet vs_levels(const float *levels, int n) {
    ValueSet v = vs_real();
    float tmp[VS_MAX_LEVELS * VS_MAX_LEVELS];
    if (n <= 0 || n > (int)(sizeof tmp / sizeof *tmp)) return v;
    for (int i = 0; i < n; i++) {
        if (isnan(levels[i])) return v;
        tmp[i] = levels[i] == 0.0f ? 0.0f : levels[i]; /* merge -0 into 0 */
    }
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_float);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (k && tmp[i] == v.levels[k - 1]) continue;
        if (k == VS_MAX_LEVELS) return vs_real();
        v.levels[k++] = tmp[i];
    }
    v.n_levels = k;
    return v;
}

bool vs_is_real(const ValueSet *v) {
    return v->n_levels == 0;
}

bool vs_levels_within(const ValueSet *v, float lo, float hi) {
    if (v->n_levels == 0) return false;
    for (int i = 0; i < v->n_levels; i++) {
        float l = v->levels[i];
        if (l < lo || l > hi || l != truncf(l)) return false;
    }
    return true;
}

bool vs_is_unit_spikes(const ValueSet *v) {
    return vs_levels_within(v, -1, 1) && amp_is_one(&v->amp);
}

bool vs_has_negative(const ValueSet *v) {
    return v->n_levels > 0 && v->levels[0] < 0;
}

bool vs_is_zero(const ValueSet *v) {
    return v->n_levels == 1 && v->levels[0] == 0.0f;
}

/* ---- amplitudes ---- */

bool amp_is_one(const Amp *a) {
    return a->n == 0 || (a->n == 1 && a->v[0] == 1.0f);
}

bool amp_eq(const Amp *a, const Amp *b) {
    if (amp_is_one(a) || amp_is_one(b)) return amp_is_one(a) && amp_is_one(b);
    if (a->n != b->n) return false;
    if (a->n > 1 && a->inner != b->inner) return false;
    return memcmp(a->v, b->v, (size_t)a->n * sizeof *a->v) == 0;
}

float amp_at(const Amp *a, int64_t i) {
    if (a->n == 0) return 1.0f;
    if (a->n == 1) return a->v[0];
    return a->v[(i / a->inner) % a->n];
}

bool amp_positive(const Amp *a) {
    for (int64_t i = 0; i < a->n; i++)
        if (!(a->v[i] > 0)) return false;
    return true;
}

static Amp amp_make(Arena *ar, int64_t n, int64_t inner, const float *v) {
    Amp a = {.n = n, .inner = inner};
    if (n) {
        float *p = arena_alloc(ar, (size_t)n * sizeof *p);
        memcpy(p, v, (size_t)n * sizeof *p);
        a.v = p;
    }
    if (n == 1 && v[0] == 1.0f) a.n = 0;
    return a;
}

bool amp_of_const(Arena *ar, const Tensor *c, const Shape *out, Amp *a) {
    if (c->type.dtype != DT_F32) return false;
    const Shape *cs = &c->type.shape;
    int64_t n = tensor_numel(c);
    if (n < 1 || cs->rank > out->rank) return false;
    const float *v = c->data;
    if (n == 1 || tensor_all_equal(c, v[0])) {
        *a = amp_make(ar, 1, 1, v);
        return true;
    }
    /* c must vary along exactly one axis of the broadcast result. */
    int axis = -1;
    for (int i = 0; i < cs->rank; i++) {
        if (cs->dim[i] == 1) continue;
        if (axis >= 0) return false;
        axis = i + (out->rank - cs->rank);
    }
    if (axis < 0 || out->dim[axis] != n) return false;
    int64_t inner = 1;
    for (int i = axis + 1; i < out->rank; i++) inner *= out->dim[i];
    *a = amp_make(ar, n, inner, v);
    return true;
}

bool amp_mul(Arena *ar, const Amp *a, const Amp *b, Amp *out) {
    if (amp_is_one(a)) {
        *out = *b;
        return true;
    }
    if (amp_is_one(b)) {
        *out = *a;
        return true;
    }
    if (a->n == 1 || b->n == 1) {
        const Amp *s = a->n == 1 ? a : b, *p = a->n == 1 ? b : a;
        float *v = arena_alloc(ar, (size_t)p->n * sizeof *v);
        for (int64_t i = 0; i < p->n; i++) v[i] = p->v[i] * s->v[0];
        *out = amp_make(ar, p->n, p->inner, v);
        return true;
    }
    if (a->n != b->n || a->inner != b->inner) return false;
    float *v = arena_alloc(ar, (size_t)a->n * sizeof *v);
    for (int64_t i = 0; i < a->n; i++) v[i] = a->v[i] * b->v[i];
    *out = amp_make(ar, a->n, a->inner, v);
    return true;
}

bool amp_recip(Arena *ar, const Amp *a, Amp *out) {
    if (amp_is_one(a)) {
        *out = *a;
        return true;
    }
    float *v = arena_alloc(ar, (size_t)a->n * sizeof *v);
    for (int64_t i = 0; i < a->n; i++) {
        if (a->v[i] == 0.0f) return false;
        v[i] = 1.0f / a->v[i];
    }
    *out = amp_make(ar, a->n, a->inner, v);
    return true;
}

Amp amp_abs(Arena *ar, const Amp *a) {
    if (amp_is_one(a) || amp_positive(a)) return *a;
    float *v = arena_alloc(ar, (size_t)a->n * sizeof *v);
    for (int64_t i = 0; i < a->n; i++) v[i] = fabsf(a->v[i]);
    return amp_make(ar, a->n, a->inner, v);
}

/* ---- level sets ---- */

/* The amplitude two sets share, for combining them; false if they differ. */
static bool common_amp(const ValueSet *a, const ValueSet *b, Amp *out) {
    if (vs_is_zero(a)) {
        *out = b->amp;
        return true;
    }
    if (vs_is_zero(b) || amp_eq(&a->amp, &b->amp)) {
        *out = a->amp;
        return true;
    }
    return false;
}

ValueSet vs_add(const ValueSet *a, const ValueSet *b, bool subtract) {
    Amp amp;
    if (vs_is_real(a) || vs_is_real(b) || !common_amp(a, b, &amp)) return vs_real();
    float tmp[VS_MAX_LEVELS * VS_MAX_LEVELS];
    int k = 0;
    for (int i = 0; i < a->n_levels; i++)
        for (int j = 0; j < b->n_levels; j++)
            tmp[k++] = subtract ? a->levels[i] - b->levels[j] : a->levels[i] + b->levels[j];
    ValueSet r = vs_levels(tmp, k);
    if (!vs_is_real(&r)) r.amp = amp;
    return r;
}

ValueSet vs_mul_levels(const ValueSet *a, const ValueSet *b) {
    if (vs_is_real(a) || vs_is_real(b) || !amp_is_one(&a->amp) || !amp_is_one(&b->amp)) return vs_real();
    float tmp[VS_MAX_LEVELS * VS_MAX_LEVELS];
    int k = 0;
    for (int i = 0; i < a->n_levels; i++)
        for (int j = 0; j < b->n_levels; j++) tmp[k++] = a->levels[i] * b->levels[j];
    return vs_levels(tmp, k);
}

ValueSet vs_union(const ValueSet *a, const ValueSet *b) {
    Amp amp;
    if (vs_is_real(a) || vs_is_real(b) || !common_amp(a, b, &amp)) return vs_real();
    float tmp[2 * VS_MAX_LEVELS];
    int k = 0;
    for (int i = 0; i < a->n_levels; i++) tmp[k++] = a->levels[i];
    for (int j = 0; j < b->n_levels; j++) tmp[k++] = b->levels[j];
    ValueSet r = vs_levels(tmp, k);
    if (!vs_is_real(&r)) r.amp = amp;
    return r;
}

ValueSet vs_map(const ValueSet *a, float (*f)(float)) {
    if (vs_is_real(a)) return vs_real();
    float tmp[VS_MAX_LEVELS];
    for (int i = 0; i < a->n_levels; i++) tmp[i] = f(a->levels[i]);
    ValueSet r = vs_levels(tmp, a->n_levels);
    if (!vs_is_real(&r)) r.amp = a->amp;
    return r;
}
