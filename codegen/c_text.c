/*
 * c_text.c - literals, comments and identifiers for generated C.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/c_text.h"

/* Makes a "%g" number a floating literal: it needs a '.' or an exponent. */
static void add_point_if_integral(char *buf) {
    if (!strpbrk(buf, ".e")) strcat(buf, ".0");
}

const char *c_f32_literal(char *buf, float v, bool *needs_math) {
    if (isnan(v)) {
        *needs_math = true;
        return strcpy(buf, "NAN");
    }
    if (isinf(v)) {
        *needs_math = true;
        return strcpy(buf, v < 0 ? "-INFINITY" : "INFINITY");
    }
    snprintf(buf, C_LITERAL_MAX - 4, "%.9g", (double)v);
    add_point_if_integral(buf);
    strcat(buf, "f");
    return buf;
}

const char *c_f64_literal(char *buf, double v, bool *needs_math) {
    if (isnan(v)) {
        *needs_math = true;
        return strcpy(buf, "NAN");
    }
    if (isinf(v)) {
        *needs_math = true;
        return strcpy(buf, v < 0 ? "-INFINITY" : "INFINITY");
    }
    snprintf(buf, C_LITERAL_MAX - 4, "%.17g", v);
    add_point_if_integral(buf);
    return buf;
}

const char *c_i64_literal(char *buf, int64_t v) {
    if (v == INT64_MIN)
        snprintf(buf, C_LITERAL_MAX, "(-INT64_C(9223372036854775807) - 1)");
    else
        snprintf(buf, C_LITERAL_MAX, "INT64_C(%lld)", (long long)v);
    return buf;
}

const char *c_int_literal(char *buf, int64_t v) {
    if (v == -2147483647 - 1)
        snprintf(buf, C_LITERAL_MAX, "(-2147483647 - 1)");
    else
        snprintf(buf, C_LITERAL_MAX, "%lld", (long long)v);
    return buf;
}

void c_comment_text(Buf *b, const char *s, bool keep_newlines, size_t max_len) {
    char last = ' ';
    size_t n = strlen(s);
    bool clipped = max_len && n > max_len;
    if (clipped) n = max_len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' && keep_newlines) {
            buf_append(b, "\n", 1);
            last = '\n';
            continue;
        }
        if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
            c = c == '\t' || c == '\n' || c == '\r' ? ' ' : '?';
        /* no comment end or nested start, no trigraph ("??x") */
        if ((c == '/' && last == '*') || (c == '*' && last == '/') || (c == '?' && last == '?'))
            buf_append(b, " ", 1);
        buf_append(b, &c, 1);
        last = c;
        /* a backslash before a newline would splice lines */
        if (c == '\\' && (i + 1 == n || s[i + 1] == '\n' || s[i + 1] == '\r'))
            buf_append(b, " ", 1), last = ' ';
    }
    if (clipped) buf_append(b, "...", 3);
}

void c_block_comment(Buf *b, const char *text) {
    if (!text || !text[0]) return;
    buf_printf(b, "/*\n");
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = malloc(len + 1);
        if (!line) die("out of memory");
        memcpy(line, p, len);
        line[len] = 0;
        buf_printf(b, len ? " * " : " *");
        c_comment_text(b, line, false, 0);
        buf_printf(b, "\n");
        free(line);
        if (!nl || !nl[1]) break;
        p = nl + 1;
    }
    buf_printf(b, " */\n");
}

static bool is_ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void c_identifier(char *out, size_t out_size, const char *prefix, const char *name, int fallback) {
    size_t at = (size_t)snprintf(out, out_size, "%s", prefix);
    if (at >= out_size) die("c_identifier: prefix too long");
    size_t start = at;
    for (const char *p = name ? name : ""; *p && at + 1 < out_size; p++) {
        char c = is_ident_char(*p) ? *p : '_';
        if (c == '_' && (at == start || out[at - 1] == '_')) continue;
        out[at++] = c;
    }
    while (at > start && out[at - 1] == '_') at--;
    out[at] = 0;
    if (at == start) snprintf(out + start, out_size - start, "%d", fallback);
}

bool c_is_identifier(const char *s, size_t max_len) {
    size_t n = strlen(s);
    if (n == 0 || n > max_len || (s[0] >= '0' && s[0] <= '9')) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_ident_char(s[i])) return false;
    return true;
}

/* ---- NameSet: open addressing on FNV-1a hashes ---- */

struct NameSet {
    char **slot;
    size_t cap, used;
};

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

NameSet *nameset_new(void) {
    NameSet *s = calloc(1, sizeof *s);
    if (!s) die("out of memory");
    s->cap = 256;
    s->slot = calloc(s->cap, sizeof *s->slot);
    if (!s->slot) die("out of memory");
    return s;
}

void nameset_free(NameSet *s) {
    if (!s) return;
    for (size_t i = 0; i < s->cap; i++) free(s->slot[i]);
    free(s->slot);
    free(s);
}

static char **find_slot(const NameSet *s, const char *name) {
    size_t i = (size_t)fnv1a(name) & (s->cap - 1);
    while (s->slot[i] && strcmp(s->slot[i], name) != 0) i = (i + 1) & (s->cap - 1);
    return &s->slot[i];
}

static void insert(NameSet *s, char *name) {
    if (2 * (s->used + 1) > s->cap) {
        char **old = s->slot;
        size_t old_cap = s->cap;
        s->cap *= 2;
        s->slot = calloc(s->cap, sizeof *s->slot);
        if (!s->slot) die("out of memory");
        for (size_t i = 0; i < old_cap; i++)
            if (old[i]) *find_slot(s, old[i]) = old[i];
        free(old);
    }
    *find_slot(s, name) = name;
    s->used++;
}

static char *dup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p) die("out of memory");
    return memcpy(p, s, n);
}

void nameset_reserve(NameSet *s, const char *name) {
    if (!*find_slot(s, name)) insert(s, dup(name));
}

const char *nameset_unique(NameSet *s, const char *base) {
    if (!*find_slot(s, base)) {
        char *p = dup(base);
        insert(s, p);
        return p;
    }
    size_t n = strlen(base) + 24;
    char *p = malloc(n);
    if (!p) die("out of memory");
    for (long k = 2;; k++) {
        snprintf(p, n, "%s_%ld", base, k);
        if (!*find_slot(s, p)) break;
    }
    insert(s, p);
    return p;
}

/* s as the inside of a C string literal: \\ and \" escaped, other bytes outside
 * printable ASCII as three-digit octal escapes (no digit can extend them). */
void c_string_text(Buf *b, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p && p - (const unsigned char *)s < 200; p++) {
        if (*p == '\\' || *p == '"')
            buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f || *p == '?')
            buf_printf(b, "\\%03o", *p);
        else
            buf_append(b, (const char *)p, 1);
    }
}
