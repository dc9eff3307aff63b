/*
 * print_names.h - deterministic value names and the lexical pieces of IR
 * text, shared by the printer, the JSON writer and the stats report.
 */
#ifndef TSNC_PRINT_NAMES_H
#define TSNC_PRINT_NAMES_H

#include "ir/ir.h"

/* Printed name of every value (indexed by Value.id) and whether it appears. */
typedef struct PrintNames {
    Arena *arena;
    int n;
    const char **name;  /* without the leading '%'; NULL for values that do not appear */
    bool *used;         /* read or defined by a node, a graph input or output */
} PrintNames;

/* Names inputs, outputs and named constants by source name, others %cN / %N (print.c). */
PrintNames *print_names_build(const Graph *g);
void print_names_free(PrintNames *pn);
/* Writes %name (quoted when it is not [A-Za-z0-9_.]+) or "none" for NULL. */
void print_value_name(FILE *f, const PrintNames *pn, const Value *v);
/* Writes s as a double-quoted string with \" \\ and \xHH escapes. */
void print_quoted(FILE *f, const char *s);
/* Writes a float with 9 significant digits (exact for f32), always with '.', 'e', inf or nan. */
void print_float(FILE *f, double v);
/* Writes " ternary(alpha=...)" etc. for a known value set, nothing otherwise. */
void print_value_set(FILE *f, const ValueSet *vs, int64_t elide_above);
/* Writes a value's type and value set: "f32[4,16,28,28] ternary(alpha=1.13)". */
void print_type(FILE *f, const Value *v, int64_t elide_above);

#endif
