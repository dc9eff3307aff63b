/*
 * value_set.h - operations on ValueSet (ir.h): finite level sets times an
 * amplitude pattern, the lattice the spike analysis works in.
 *
 * A ValueSet {levels L, amplitude a} claims x[i] = a(i) * l for some l in L.
 * Levels are exact; amplitudes are the real factors that alpha-folding moves
 * into weights (computed in float the way the graph computes them).
 */
#ifndef TSNC_VALUE_SET_H
#define TSNC_VALUE_SET_H

#include "ir/ir.h"

/* The unknown ("real") set. */
ValueSet vs_real(void);
/* The set of the given levels with amplitude 1 (sorted, duplicates and -0 merged);
 * real if there are more than VS_MAX_LEVELS. */
ValueSet vs_levels(const float *levels, int n);
bool vs_is_real(const ValueSet *v);
/* True if every level is in {-1, 0, 1} and the amplitude is 1. */
bool vs_is_unit_spikes(const ValueSet *v);
/* True if the levels are {-1,0,1} or a subset with -1 (ternary) / within {0,1} (binary). */
bool vs_levels_within(const ValueSet *v, float lo, float hi);
/* True if some level is negative: ternary rather than binary spikes (levels are sorted). */
bool vs_has_negative(const ValueSet *v);
/* Only the level 0: compatible with any amplitude. */
bool vs_is_zero(const ValueSet *v);

bool amp_is_one(const Amp *a);
bool amp_eq(const Amp *a, const Amp *b);
/* Amplitude pattern of constant c broadcast to shape out; false if c varies along
 * more than one axis of out or is not f32. */
bool amp_of_const(Arena *ar, const Tensor *c, const Shape *out, Amp *a);
/* Elementwise product of two patterns (either may be 1 or scalar); false if they
 * vary with different periods. */
bool amp_mul(Arena *ar, const Amp *a, const Amp *b, Amp *out);
/* Pattern of 1/a (for Div by a constant); false if some amplitude is 0. */
bool amp_recip(Arena *ar, const Amp *a, Amp *out);
/* Absolute values of the pattern. */
Amp amp_abs(Arena *ar, const Amp *a);
/* True if every amplitude is > 0. */
bool amp_positive(const Amp *a);
/* The amplitude of flat element i. */
float amp_at(const Amp *a, int64_t i);

/* Sum/difference sets of two value sets with compatible amplitudes (real otherwise). */
ValueSet vs_add(const ValueSet *a, const ValueSet *b, bool subtract);
/* Product set, amplitude 1 on both sides only. */
ValueSet vs_mul_levels(const ValueSet *a, const ValueSet *b);
/* Union of the levels (Where, Concat); amplitudes must agree unless a side is {0}. */
ValueSet vs_union(const ValueSet *a, const ValueSet *b);
/* Applies f to every level, keeping the amplitude. */
ValueSet vs_map(const ValueSet *a, float (*f)(float));

#endif
