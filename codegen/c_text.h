/*
 * c_text.h - spelling things in C source: literals that round-trip,
 * comments that cannot end early, identifiers made from arbitrary names.
 * Everything here is deterministic (no pointers, no locale).
 */
#ifndef TSNC_C_TEXT_H
#define TSNC_C_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/codegen.h"

/* Big enough for any literal written by the functions below. */
#define C_LITERAL_MAX 64

/*
 * A float32 literal that reads back as exactly v: "%.9g" (9 significant
 * digits round-trip binary32, IEEE 754-2008 sec. 5.12.2) made a float
 * literal ("1.0f", "-2.5e-07f"). Infinities and NaN become INFINITY,
 * -INFINITY and NAN (<math.h>); *needs_math is then set (it is never
 * cleared). buf holds at least C_LITERAL_MAX bytes.
 */
const char *c_f32_literal(char *buf, float v, bool *needs_math);
/* A double literal ("%.17g"), non-finite values as for floats. */
const char *c_f64_literal(char *buf, double v, bool *needs_math);
/* An int64_t literal, INT64_C(...), the minimum spelled as an expression. */
const char *c_i64_literal(char *buf, int64_t v);
/* A plain integer literal for values that fit an int (int32 minimum as an expression). */
const char *c_int_literal(char *buf, int64_t v);

/*
 * Appends s for use inside a C block comment: "*" "/" and "/" "*" are
 * split, "??" is broken up (trigraphs), bytes outside printable ASCII
 * become '?' and, unless keep_newlines, newlines become spaces. At most
 * max_len bytes of s are used (0: no limit); a clipped text ends in "...".
 */
void c_comment_text(Buf *b, const char *s, bool keep_newlines, size_t max_len);
/* s (its first 200 bytes) as the inside of a C string literal: \\ and \" escaped, other
 * bytes outside printable ASCII as three-digit octal escapes (no digit can extend them). */
void c_string_text(Buf *b, const char *s);

/*
 * Appends text as a leading block comment, one " * " line per line of
 * text. NULL or "" appends nothing.
 */
void c_block_comment(Buf *b, const char *text);

/*
 * Writes into out (out_size bytes) a C identifier made of prefix and name:
 * characters outside [A-Za-z0-9_] become '_', runs of '_' collapse,
 * leading/trailing '_' of the name part are dropped and the result is
 * clipped to out_size - 1 bytes (out_size <= 64 keeps names readable). An
 * empty name part gives prefix + fallback number.
 */
void c_identifier(char *out, size_t out_size, const char *prefix, const char *name, int fallback);

/* True if s is a valid C identifier of at most max_len bytes. */
bool c_is_identifier(const char *s, size_t max_len);

/*
 * A set of identifiers already used in one generated file, to make names
 * unique by appending "_2", "_3", ...
 */
typedef struct NameSet NameSet;
NameSet *nameset_new(void);
void nameset_free(NameSet *s);
/* Marks name as taken (reserved words of the generated file). */
void nameset_reserve(NameSet *s, const char *name);
/*
 * Returns base if still free, else base_2, base_3, ...; the returned name
 * (malloc'd, owned by the set) is marked taken.
 */
const char *nameset_unique(NameSet *s, const char *base);

#endif
