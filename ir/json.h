/*
 * json.h - the IR (and its stats) as JSON, for scripts: `tsnc dump --json`.
 * The schema is in docs/ir.md, "JSON".
 *
 * A small streaming writer rather than a JSON library: the output is
 * written in one pass in the order the schema lists, float32 values keep
 * the 9 significant digits that the text form uses (a library that stores
 * doubles would print 0.730000019 as 0.73000001907348633), and nothing is
 * built in memory for large graphs.
 */
#ifndef TSNC_JSON_H
#define TSNC_JSON_H

#include "ir/ir.h"
#include "ir/stats.h"

enum { JSON_MAX_DEPTH = 32 };

/*
 * Writes well-formed, indented JSON to f. Containers opened "inline" print
 * on one line (arrays of numbers). Keys and strings are escaped per RFC
 * 8259; invalid UTF-8 in a name becomes U+FFFD. Misuse (a value where a key
 * is needed, nesting deeper than JSON_MAX_DEPTH) is an internal error.
 */
typedef struct JsonWriter {
    FILE *f;
    int depth;
    bool has_items[JSON_MAX_DEPTH]; /* the open container already holds an item */
    bool one_line[JSON_MAX_DEPTH];
    bool is_object[JSON_MAX_DEPTH];
    bool after_key;
} JsonWriter;

void json_init(JsonWriter *w, FILE *f);
void json_object_begin(JsonWriter *w, bool one_line);
void json_object_end(JsonWriter *w);
void json_array_begin(JsonWriter *w, bool one_line);
void json_array_end(JsonWriter *w);
/* The next member's key (inside an object only). */
void json_key(JsonWriter *w, const char *key);
void json_string(JsonWriter *w, const char *s);
void json_int(JsonWriter *w, int64_t v);
/* A float with 9 significant digits and always a '.' or an exponent (1.0); inf, -inf
 * and nan, which JSON lacks, as the strings "inf", "-inf", "nan". */
void json_float(JsonWriter *w, double v);
void json_bool(JsonWriter *w, bool v);
void json_null(JsonWriter *w);
/* Ends the document with a newline. */
void json_finish(JsonWriter *w);

/*
 * Writes one document: {"format", "version", "stage", "graph": ...,
 * "stats": ... (only when s is given)}. Constant data longer than
 * o->elide_above elements is left out ("elided": element count).
 */
void ir_write_json(FILE *f, const Graph *g, const PrintOptions *o, const char *stage, const GraphStats *s);

#endif
