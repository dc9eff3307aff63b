/*
 * ir_parse.c - parser for textual IR, the inverse of ir/print.c.
 *
 * Grammar (docs/ir.md has the full description):
 *   graph    := 'graph' '@' name 'opset' INT '{' line* 'return' ref (',' ref)* '}'
 *   line     := def '=' 'input' ':' type
 *             | def '=' 'const' ':' type '=' dense
 *             | def (',' def)* '=' OP '(' [operand (',' operand)*] ')' [attrs]
 *               ':' result (',' result)* ['loc' '(' STRING ')'] ['//' remark]
 *   result   := type ['=' dense]          (a value known at compile time)
 *   operand  := ref | 'none'          ref, def := '%' (NAME | STRING)
 *   type     := DTYPE '[' [INT (',' INT)*] ']' ['nhwc' ['(' C ',' H ',' W ')']] [valueset]
 *   valueset := ('ternary' | 'binary') '(' [amp] ')' | 'levels' '(' NUM (',' NUM)* [';' amp] ')'
 *   amp      := 'alpha' '=' NUM | 'alpha' '=' '[' NUM (',' NUM)* ']' ',' 'inner' '=' INT
 *   dense    := 'dense' '<' '[' [NUM (',' NUM)*] ']' '>'     (one value is splatted)
 *   attrs    := '{' NAME '=' attrval (',' NAME '=' attrval)* '}'
 *   attrval  := NUM | '[' [NUM (',' NUM)*] ']' | STRING | 'tensor' '<' type dense '>'
 * '//' starts a comment that runs to the end of the line; after a node it
 * is kept as the node's remark. Errors give line and column.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"

typedef enum { T_EOF, T_IDENT, T_VALUE, T_GLOBAL, T_INT, T_FLOAT, T_STRING, T_PUNCT, T_COMMENT } TokKind;

typedef struct Tok {
    TokKind kind;
    const char *p; /* start in the text */
    size_t n;      /* length */
    char *s;       /* decoded name or string (arena) for T_VALUE, T_GLOBAL, T_STRING, T_COMMENT */
    int line, col;
} Tok;

typedef struct Parser {
    const char *text, *end, *at;
    int line;
    const char *line_start;
    Tok tok;
    const char *comment; /* the last comment advance() skipped, and its line */
    int comment_line;
    int prev_line;       /* line of the token before the current one */
    Graph *g;
    Diag *d;
    bool failed;
    /* names of defined values, a simple open-addressing table */
    char **names;
    Value **vals;
    size_t cap, count;
} Parser;

static void perr(Parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(Parser *ps, const char *fmt, ...) {
    if (ps->failed) return;
    ps->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(ps->d, NULL, "line %d, column %d: %s", ps->tok.line, ps->tok.col, msg);
}

/* ---- lexer ---- */

static bool is_name_char(int c) {
    return isalnum(c) || c == '_' || c == '.';
}

static char *decode_string(Parser *ps, const char *p, const char *q) {
    char *out = arena_alloc(ps->g->arena, (size_t)(q - p) + 1), *o = out;
    while (p < q) {
        if (*p == '\\' && p + 1 < q) {
            p++;
            if (*p == 'x' && p + 2 < q + 1 && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
                char hex[3] = {p[1], p[2], 0};
                *o++ = (char)strtol(hex, NULL, 16);
                p += 3;
                continue;
            }
            *o++ = *p++;
            continue;
        }
        *o++ = *p++;
    }
    *o = 0;
    return out;
}

/* Scans a "..." string starting at p (the opening quote); returns the end or NULL. */
static const char *scan_string(Parser *ps, const char *p) {
    for (p++; p < ps->end && *p != '"' && *p != '\n'; p++)
        if (*p == '\\' && p + 1 < ps->end) p++;
    return p < ps->end && *p == '"' ? p : NULL;
}

static void next(Parser *ps) {
    const char *p = ps->at;
    for (;;) {
        while (p < ps->end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
            if (*p == '\n') {
                ps->line++;
                ps->line_start = p + 1;
            }
            p++;
        }
        break;
    }
    Tok t = {.p = p, .line = ps->line, .col = (int)(p - ps->line_start) + 1};
    if (p >= ps->end || *p == 0) {
        t.kind = T_EOF;
    } else if (p[0] == '/' && p + 1 < ps->end && p[1] == '/') {
        const char *q = p + 2;
        while (q < ps->end && *q != '\n') q++;
        t.kind = T_COMMENT;
        const char *b = p + 2;
        while (b < q && *b == ' ') b++;
        t.s = arena_strndup(ps->g->arena, b, (size_t)(q - b));
        p = q;
    } else if (*p == '%' || *p == '@') {
        t.kind = *p == '%' ? T_VALUE : T_GLOBAL;
        const char *q = p + 1;
        if (q < ps->end && *q == '"') {
            const char *e = scan_string(ps, q);
            if (!e) {
                ps->tok = t;
                perr(ps, "unterminated quoted name");
                ps->tok.kind = T_EOF;
                return;
            }
            t.s = decode_string(ps, q + 1, e);
            p = e + 1;
        } else {
            while (q < ps->end && is_name_char((unsigned char)*q)) q++;
            t.s = arena_strndup(ps->g->arena, p + 1, (size_t)(q - p - 1));
            p = q;
        }
    } else if (*p == '"') {
        const char *e = scan_string(ps, p);
        if (!e) {
            ps->tok = t;
            perr(ps, "unterminated string");
            ps->tok.kind = T_EOF;
            return;
        }
        t.kind = T_STRING;
        t.s = decode_string(ps, p + 1, e);
        p = e + 1;
    } else if (isdigit((unsigned char)*p) || ((*p == '-' || *p == '+') && p + 1 < ps->end &&
                                               (isdigit((unsigned char)p[1]) || p[1] == '.' || p[1] == 'i'))) {
        const char *q = p + 1;
        bool is_float = false;
        if (q < ps->end && *q == 'i' && ps->end - q >= 3 && !strncmp(q, "inf", 3)) {
            q += 3;
            is_float = true;
        } else {
            while (q < ps->end && (isalnum((unsigned char)*q) || *q == '.' ||
                                   ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E')))) {
                if (*q == '.' || *q == 'e' || *q == 'E') is_float = true;
                q++;
            }
        }
        t.kind = is_float ? T_FLOAT : T_INT;
        p = q;
    } else if (isalpha((unsigned char)*p) || *p == '_') {
        const char *q = p;
        while (q < ps->end && is_name_char((unsigned char)*q)) q++;
        t.kind = T_IDENT;
        p = q;
    } else {
        t.kind = T_PUNCT;
        p++;
    }
    t.n = (size_t)(p - t.p);
    ps->tok = t;
    ps->at = p;
}

/* Moves to the next token, skipping comments; the last one skipped is kept as a possible remark. */
static void advance(Parser *ps) {
    ps->comment = NULL;
    ps->prev_line = ps->tok.line;
    for (;;) {
        next(ps);
        if (ps->tok.kind != T_COMMENT) break;
        ps->comment = ps->tok.s;
        ps->comment_line = ps->tok.line;
    }
}

static bool is_punct(Parser *ps, char c) {
    return ps->tok.kind == T_PUNCT && ps->tok.p[0] == c;
}

static bool is_ident(Parser *ps, const char *s) {
    return ps->tok.kind == T_IDENT && ps->tok.n == strlen(s) && !strncmp(ps->tok.p, s, ps->tok.n);
}

static bool expect_punct(Parser *ps, char c) {
    if (is_punct(ps, c)) {
        advance(ps);
        return true;
    }
    perr(ps, "expected '%c'", c);
    return false;
}

static bool expect_ident(Parser *ps, const char *s) {
    if (is_ident(ps, s)) {
        advance(ps);
        return true;
    }
    perr(ps, "expected '%s'", s);
    return false;
}

static bool parse_int(Parser *ps, int64_t *out) {
    if (ps->tok.kind != T_INT) {
        perr(ps, "expected an integer");
        return false;
    }
    char buf[64];
    if (ps->tok.n >= sizeof buf) {
        perr(ps, "integer too long");
        return false;
    }
    memcpy(buf, ps->tok.p, ps->tok.n);
    buf[ps->tok.n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end) {
        perr(ps, "bad integer '%s'", buf);
        return false;
    }
    *out = v;
    advance(ps);
    return true;
}

static bool parse_number(Parser *ps, double *out) {
    char buf[64];
    if (is_ident(ps, "nan") || is_ident(ps, "inf")) {
        *out = is_ident(ps, "nan") ? NAN : INFINITY;
        advance(ps);
        return true;
    }
    if ((ps->tok.kind != T_INT && ps->tok.kind != T_FLOAT) || ps->tok.n >= sizeof buf) {
        perr(ps, "expected a number");
        return false;
    }
    memcpy(buf, ps->tok.p, ps->tok.n);
    buf[ps->tok.n] = 0;
    char *end;
    *out = strtod(buf, &end);
    if (*end) {
        perr(ps, "bad number '%s'", buf);
        return false;
    }
    advance(ps);
    return true;
}

/* ---- value names ---- */

static uint64_t hash_str(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static Value **lookup_slot(Parser *ps, const char *name, char ***key) {
    if (ps->count * 2 + 2 >= ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 256;
        char **names = calloc(cap, sizeof *names);
        Value **vals = calloc(cap, sizeof *vals);
        if (!names || !vals) die("out of memory");
        for (size_t i = 0; i < ps->cap; i++)
            if (ps->names[i]) {
                size_t j = hash_str(ps->names[i]) & (cap - 1);
                while (names[j]) j = (j + 1) & (cap - 1);
                names[j] = ps->names[i];
                vals[j] = ps->vals[i];
            }
        free(ps->names);
        free(ps->vals);
        ps->names = names;
        ps->vals = vals;
        ps->cap = cap;
    }
    size_t j = hash_str(name) & (ps->cap - 1);
    while (ps->names[j] && strcmp(ps->names[j], name) != 0) j = (j + 1) & (ps->cap - 1);
    *key = &ps->names[j];
    return &ps->vals[j];
}

/* Defines name; `at` is its token on the defining line, where a duplicate is reported. */
static bool define(Parser *ps, const char *name, Value *v, const Tok *at) {
    char **key;
    Value **slot = lookup_slot(ps, name, &key);
    if (*key) {
        ps->tok = *at;
        perr(ps, "value %%%s is defined twice", name);
        return false;
    }
    *key = (char *)name;
    *slot = v;
    ps->count++;
    return true;
}

static Value *use(Parser *ps, const char *name) {
    char **key;
    Value **slot = lookup_slot(ps, name, &key);
    if (!*key) {
        perr(ps, "use of undefined value %%%s", name);
        return NULL;
    }
    return *slot;
}

/* ---- types, value sets, constants ---- */

static bool parse_amp(Parser *ps, Amp *a) {
    if (!expect_ident(ps, "alpha") || !expect_punct(ps, '=')) return false;
    if (!is_punct(ps, '[')) {
        double v;
        if (!parse_number(ps, &v)) return false;
        float *p = arena_alloc(ps->g->arena, sizeof *p);
        *p = (float)v;
        *a = (Amp){.n = 1, .inner = 1, .v = p};
        return true;
    }
    advance(ps);
    size_t cap = 16, n = 0;
    float *vals = malloc(cap * sizeof *vals);
    if (!vals) die("out of memory");
    while (!is_punct(ps, ']')) {
        double v;
        if (n && !expect_punct(ps, ',')) break;
        if (!parse_number(ps, &v)) break;
        if (n == cap) {
            cap *= 2;
            float *nv = realloc(vals, cap * sizeof *nv);
            if (!nv) die("out of memory");
            vals = nv;
        }
        vals[n++] = (float)v;
    }
    int64_t inner = 0;
    bool ok = !ps->failed && expect_punct(ps, ']') && expect_punct(ps, ',') && expect_ident(ps, "inner") &&
              expect_punct(ps, '=') && parse_int(ps, &inner);
    if (ok && (n == 0 || inner < 1)) {
        perr(ps, "an amplitude vector needs values and inner >= 1");
        ok = false;
    }
    if (ok) {
        float *p = arena_alloc(ps->g->arena, n * sizeof *p);
        memcpy(p, vals, n * sizeof *p);
        *a = (Amp){.n = (int64_t)n, .inner = inner, .v = p};
    }
    free(vals);
    return ok;
}

static bool parse_value_set(Parser *ps, ValueSet *vs) {
    memset(vs, 0, sizeof *vs);
    if (is_ident(ps, "ternary") || is_ident(ps, "binary")) {
        bool ternary = is_ident(ps, "ternary");
        advance(ps);
        if (!expect_punct(ps, '(')) return false;
        if (ternary) {
            vs->n_levels = 3;
            vs->levels[0] = -1, vs->levels[1] = 0, vs->levels[2] = 1;
        } else {
            vs->n_levels = 2;
            vs->levels[0] = 0, vs->levels[1] = 1;
        }
        if (!is_punct(ps, ')') && !parse_amp(ps, &vs->amp)) return false;
        return expect_punct(ps, ')');
    }
    if (!is_ident(ps, "levels")) return true;
    advance(ps);
    if (!expect_punct(ps, '(')) return false;
    while (!is_punct(ps, ')') && !is_punct(ps, ';')) {
        double v;
        if (vs->n_levels && !expect_punct(ps, ',')) return false;
        if (vs->n_levels == VS_MAX_LEVELS) {
            perr(ps, "more than %d levels", VS_MAX_LEVELS);
            return false;
        }
        if (!parse_number(ps, &v)) return false;
        vs->levels[vs->n_levels++] = (float)v;
    }
    if (vs->n_levels == 0) {
        perr(ps, "levels() needs at least one level");
        return false;
    }
    for (int i = 1; i < vs->n_levels; i++)
        if (!(vs->levels[i - 1] < vs->levels[i])) {
            perr(ps, "levels must be ascending and distinct");
            return false;
        }
    if (is_punct(ps, ';')) {
        advance(ps);
        if (!parse_amp(ps, &vs->amp)) return false;
    }
    return expect_punct(ps, ')');
}

static bool parse_type(Parser *ps, Type *t, ValueSet *vs) {
    if (is_punct(ps, '?')) {
        /* Not inferred yet ("?[?]", as printed right after import). */
        advance(ps);
        t->dtype = DT_UNDEF;
        t->shape.rank = -1;
        return expect_punct(ps, '[') && expect_punct(ps, '?') && expect_punct(ps, ']');
    }
    if (ps->tok.kind != T_IDENT) {
        perr(ps, "expected a type such as f32[1,16]");
        return false;
    }
    Tok type_tok = ps->tok;
    t->dtype = dtype_from_name(ps->tok.p, ps->tok.n);
    if (t->dtype == DT_UNDEF) {
        perr(ps, "unknown element type '%.*s'", (int)ps->tok.n, ps->tok.p);
        return false;
    }
    advance(ps);
    if (!expect_punct(ps, '[')) return false;
    t->shape.rank = 0;
    while (!is_punct(ps, ']')) {
        int64_t v;
        if (t->shape.rank && !expect_punct(ps, ',')) return false;
        if (t->shape.rank == IR_MAX_RANK) {
            perr(ps, "rank above %d", IR_MAX_RANK);
            return false;
        }
        Tok dim_tok = ps->tok;
        if (!parse_int(ps, &v)) return false;
        if (v < 0) {
            ps->tok = dim_tok;
            perr(ps, "negative dimension");
            return false;
        }
        t->shape.dim[t->shape.rank++] = v;
    }
    advance(ps);
    if (shape_numel(&t->shape) < 0) {
        ps->tok = type_tok;
        perr(ps, "tensor has more than %lld elements", (long long)IR_MAX_ELEMENTS);
        return false;
    }
    if (vs) return parse_value_set(ps, vs);
    return true;
}

/* ['nhwc' ['(' C ',' H ',' W ')']] after a value's type. */
static bool parse_layout(Parser *ps, const Type *t, Layout *l) {
    memset(l, 0, sizeof *l);
    if (!is_ident(ps, "nhwc")) return true;
    advance(ps);
    l->channels_last = true;
    if (is_punct(ps, '(')) {
        advance(ps);
        if (!parse_int(ps, &l->c) || !expect_punct(ps, ',') || !parse_int(ps, &l->h) ||
            !expect_punct(ps, ',') || !parse_int(ps, &l->w) || !expect_punct(ps, ')'))
            return false;
        int64_t n;
        if (l->c < 1 || l->h < 1 || l->w < 1 || !checked_mul_size(l->c, l->h, &n) ||
            !checked_mul_size(n, l->w, &n) || t->shape.rank < 1 || t->shape.dim[t->shape.rank - 1] % n) {
            perr(ps, "nhwc(C,H,W) does not fit the shape");
            return false;
        }
        return true;
    }
    if (t->shape.rank < 3) {
        perr(ps, "nhwc needs rank >= 3, or nhwc(C,H,W)");
        return false;
    }
    l->c = t->shape.dim[t->shape.rank - 3];
    l->h = t->shape.dim[t->shape.rank - 2];
    l->w = t->shape.dim[t->shape.rank - 1];
    return true;
}

/* A value's type, layout and value set. */
static bool parse_value_type(Parser *ps, Value *v) {
    Type t;
    if (!parse_type(ps, &t, NULL) || !parse_layout(ps, &t, &v->layout)) return false;
    v->type = t;
    return parse_value_set(ps, &v->vs);
}

static Tensor *parse_dense(Parser *ps, const Type *t) {
    if (!expect_ident(ps, "dense") || !expect_punct(ps, '<')) return NULL;
    if (is_ident(ps, "elided")) {
        perr(ps, "constant data was elided when printed; print with --print-constants=full");
        return NULL;
    }
    if (!expect_punct(ps, '[')) return NULL;
    Tensor *tensor = tensor_new(ps->g->arena, t->dtype, &t->shape);
    int64_t numel = tensor_numel(tensor), n = 0;
    double first = 0;
    while (!is_punct(ps, ']')) {
        double v;
        if (n && !expect_punct(ps, ',')) return NULL;
        if (n >= numel) {
            perr(ps, "more values than the %lld elements of the type", (long long)numel);
            return NULL;
        }
        if (is_ident(ps, "true") || is_ident(ps, "false")) {
            v = is_ident(ps, "true");
            advance(ps);
        } else if (!parse_number(ps, &v)) {
            return NULL;
        }
        if (n == 0) first = v;
        if (dtype_is_float(t->dtype))
            tensor_set_f64(tensor, n, v);
        else
            tensor_set_i64(tensor, n, (v >= 9.2e18 || v <= -9.2e18) ? 0 : (int64_t)v);
        n++;
    }
    advance(ps);
    if (n == 1 && numel > 1)
        for (int64_t i = 1; i < numel; i++) tensor_set_f64(tensor, i, first);
    else if (n != numel) {
        perr(ps, "%lld values for %lld elements", (long long)n, (long long)numel);
        return NULL;
    }
    if (!expect_punct(ps, '>')) return NULL;
    return tensor;
}

/* ---- attributes ---- */

static AttrKind spec_kind(const Node *n, const char *name, bool *found) {
    for (const AttrSpec *s = op_info(n->op)->attrs; s->name; s++)
        if (!strcmp(s->name, name)) {
            *found = true;
            return s->kind;
        }
    *found = false;
    return ATTR_INT;
}

static bool parse_attr(Parser *ps, Node *n) {
    if (ps->tok.kind != T_IDENT) {
        perr(ps, "expected an attribute name");
        return false;
    }
    char *name = arena_strndup(ps->g->arena, ps->tok.p, ps->tok.n);
    bool found;
    AttrKind kind = spec_kind(n, name, &found);
    if (!found) {
        perr(ps, "%s has no attribute '%s'", op_info(n->op)->name, name);
        return false;
    }
    if (node_attr(n, name)) {
        perr(ps, "attribute '%s' given twice", name);
        return false;
    }
    advance(ps);
    if (!expect_punct(ps, '=')) return false;
    Attr a = {.name = name, .kind = kind};
    switch (kind) {
    case ATTR_INT:
        if (!parse_int(ps, &a.i)) return false;
        break;
    case ATTR_FLOAT: {
        double v;
        if (!parse_number(ps, &v)) return false;
        a.f = (float)v;
        break;
    }
    case ATTR_INTS:
    case ATTR_FLOATS: {
        if (!expect_punct(ps, '[')) return false;
        int cap = 8;
        a.ints = arena_alloc(ps->g->arena, (size_t)cap * sizeof *a.ints);
        a.floats = arena_alloc(ps->g->arena, (size_t)cap * sizeof *a.floats);
        while (!is_punct(ps, ']')) {
            if (a.n && !expect_punct(ps, ',')) return false;
            if (a.n == cap) {
                if (cap >= IR_MAX_INPUTS) {
                    perr(ps, "attribute list too long");
                    return false;
                }
                int64_t *ni = arena_alloc(ps->g->arena, (size_t)cap * 2 * sizeof *ni);
                float *nf = arena_alloc(ps->g->arena, (size_t)cap * 2 * sizeof *nf);
                memcpy(ni, a.ints, (size_t)cap * sizeof *ni);
                memcpy(nf, a.floats, (size_t)cap * sizeof *nf);
                a.ints = ni, a.floats = nf, cap *= 2;
            }
            if (kind == ATTR_INTS) {
                if (!parse_int(ps, &a.ints[a.n])) return false;
            } else {
                double v;
                if (!parse_number(ps, &v)) return false;
                a.floats[a.n] = (float)v;
            }
            a.n++;
        }
        advance(ps);
        if (kind == ATTR_INTS) a.floats = NULL;
        else a.ints = NULL;
        break;
    }
    case ATTR_STRING:
        if (ps->tok.kind != T_STRING) {
            perr(ps, "attribute '%s' needs a string", name);
            return false;
        }
        a.s = ps->tok.s;
        advance(ps);
        break;
    case ATTR_TENSOR: {
        Type t;
        if (!expect_ident(ps, "tensor") || !expect_punct(ps, '<') || !parse_type(ps, &t, NULL)) return false;
        a.t = parse_dense(ps, &t);
        if (!a.t || !expect_punct(ps, '>')) return false;
        break;
    }
    }
    node_set_attr(ps->g, n, &a);
    return true;
}

/* ---- lines ---- */

static bool parse_node(Parser *ps, char **defs, const Tok *def_toks, int n_defs) {
    if (ps->tok.kind != T_IDENT) {
        perr(ps, "expected an op name");
        return false;
    }
    char opname[128];
    if (ps->tok.n >= sizeof opname) {
        perr(ps, "op name too long");
        return false;
    }
    memcpy(opname, ps->tok.p, ps->tok.n);
    opname[ps->tok.n] = 0;
    OpKind op = op_from_name(opname);
    if (op == OP_COUNT) {
        perr(ps, "unknown op '%s'", opname);
        return false;
    }
    advance(ps);
    if (!expect_punct(ps, '(')) return false;
    Value **in = malloc(IR_MAX_INPUTS * sizeof *in);
    if (!in) die("out of memory");
    int n_in = 0;
    bool ok = true;
    while (ok && !is_punct(ps, ')')) {
        if (n_in && !expect_punct(ps, ',')) ok = false;
        else if (n_in == IR_MAX_INPUTS) {
            perr(ps, "more than %d operands", IR_MAX_INPUTS);
            ok = false;
        } else if (is_ident(ps, "none")) {
            in[n_in++] = NULL;
            advance(ps);
        } else if (ps->tok.kind == T_VALUE) {
            in[n_in] = use(ps, ps->tok.s);
            ok = in[n_in++] != NULL;
            advance(ps);
        } else {
            perr(ps, "expected an operand");
            ok = false;
        }
    }
    const OpInfo *oi = op_info(op);
    if (ok && (n_in < oi->min_in || (oi->max_in >= 0 && n_in > oi->max_in))) {
        perr(ps, "%s takes %d to %d operands, not %d", oi->name, oi->min_in, oi->max_in, n_in);
        ok = false;
    }
    if (ok && oi->n_out >= 0 && n_defs != oi->n_out) {
        perr(ps, "%s has %d results, not %d", oi->name, oi->n_out, n_defs);
        ok = false;
    }
    if (!ok) {
        free(in);
        return false;
    }
    advance(ps);
    Node *n = graph_add_node(ps->g, NULL, op, "", n_in, in, n_defs);
    free(in);
    if (is_punct(ps, '{')) {
        advance(ps);
        do {
            if (!parse_attr(ps, n)) return false;
        } while (is_punct(ps, ',') && (advance(ps), true));
        if (!expect_punct(ps, '}')) return false;
    }
    if (!expect_punct(ps, ':')) return false;
    for (int i = 0; i < n_defs; i++) {
        if (i && !expect_punct(ps, ',')) return false;
        if (!parse_value_type(ps, n->out[i])) return false;
        if (is_punct(ps, '=')) {
            /* The value infer-shapes knows at compile time. */
            advance(ps);
            if (n->out[i]->type.shape.rank < 0) {
                perr(ps, "a known value needs a type");
                return false;
            }
            n->out[i]->konst = parse_dense(ps, &n->out[i]->type);
            if (!n->out[i]->konst) return false;
        }
        n->out[i]->name = defs[i];
        if (!define(ps, defs[i], n->out[i], &def_toks[i])) return false;
    }
    if (is_ident(ps, "loc")) {
        advance(ps);
        if (!expect_punct(ps, '(')) return false;
        if (ps->tok.kind != T_STRING) {
            perr(ps, "loc needs a string");
            return false;
        }
        n->name = ps->tok.s;
        advance(ps);
        if (!expect_punct(ps, ')')) return false;
    }
    /* A comment right after the node, on its last line, is its remark. */
    int line = ps->prev_line;
    if (ps->comment && ps->comment_line == line) n->remark = ps->comment;
    return true;
}

static bool parse_line(Parser *ps) {
    char *defs[64];
    Tok def_toks[64];
    int n_defs = 0;
    for (;;) {
        if (ps->tok.kind != T_VALUE) {
            /* At the start of a line, 'return' is the other thing that may come. */
            perr(ps, n_defs ? "expected a value name like %%0"
                            : "expected a value name like %%0, or 'return'");
            return false;
        }
        if (n_defs == 64) {
            perr(ps, "too many results");
            return false;
        }
        def_toks[n_defs] = ps->tok;
        defs[n_defs++] = ps->tok.s;
        advance(ps);
        if (!is_punct(ps, ',')) break;
        advance(ps);
    }
    if (!expect_punct(ps, '=')) return false;
    if (is_ident(ps, "input") || is_ident(ps, "const")) {
        bool input = is_ident(ps, "input");
        if (n_defs != 1) {
            perr(ps, "an %s defines one value", input ? "input" : "constant");
            return false;
        }
        advance(ps);
        Value tmp;
        memset(&tmp, 0, sizeof tmp);
        if (!expect_punct(ps, ':') || !parse_value_type(ps, &tmp)) return false;
        Type t = tmp.type;
        ValueSet vs = tmp.vs;
        Value *v;
        if (input) {
            if (ps->g->n_inputs >= IR_MAX_INPUTS) {
                perr(ps, "too many inputs");
                return false;
            }
            v = graph_add_input(ps->g, defs[0], &t);
        } else {
            if (!expect_punct(ps, '=')) return false;
            Tensor *data = parse_dense(ps, &t);
            if (!data) return false;
            v = graph_const(ps->g, defs[0], data);
        }
        v->vs = vs;
        v->layout = tmp.layout;
        return define(ps, defs[0], v, &def_toks[0]);
    }
    if (ps->g->n_nodes >= IR_MAX_NODES) {
        perr(ps, "more than %d nodes", IR_MAX_NODES);
        return false;
    }
    return parse_node(ps, defs, def_toks, n_defs);
}

Graph *ir_parse(const char *text, size_t len, Diag *d) {
    Parser ps = {.text = text, .end = text + len, .at = text, .line = 1, .line_start = text, .d = d};
    ps.g = graph_new("model");
    advance(&ps);
    if (!expect_ident(&ps, "graph")) goto fail;
    if (ps.tok.kind != T_GLOBAL) {
        perr(&ps, "expected the graph name, like @model");
        goto fail;
    }
    ps.g->name = ps.tok.s;
    advance(&ps);
    if (!expect_ident(&ps, "opset") || !parse_int(&ps, &ps.g->opset) || !expect_punct(&ps, '{')) goto fail;
    while (!is_ident(&ps, "return")) {
        if (ps.tok.kind == T_EOF) {
            perr(&ps, "missing 'return'");
            goto fail;
        }
        if (is_punct(&ps, '}')) {
            perr(&ps, "missing 'return' before '}' (a graph ends with 'return %%VALUE')");
            goto fail;
        }
        if (!parse_line(&ps)) goto fail;
    }
    advance(&ps);
    Value *outs[IR_MAX_INPUTS];
    int n_out = 0;
    do {
        if (n_out == IR_MAX_INPUTS) {
            perr(&ps, "too many outputs");
            goto fail;
        }
        if (ps.tok.kind != T_VALUE) {
            perr(&ps, "expected a value to return");
            goto fail;
        }
        outs[n_out] = use(&ps, ps.tok.s);
        if (!outs[n_out++]) goto fail;
        advance(&ps);
    } while (is_punct(&ps, ',') && (advance(&ps), true));
    if (!expect_punct(&ps, '}')) goto fail;
    if (ps.tok.kind != T_EOF) {
        perr(&ps, "unexpected text after the graph");
        goto fail;
    }
    ps.g->outputs = arena_alloc(ps.g->arena, (size_t)n_out * sizeof *outs);
    memcpy(ps.g->outputs, outs, (size_t)n_out * sizeof *outs);
    ps.g->n_outputs = n_out;
    free(ps.names);
    free(ps.vals);
    return ps.g;
fail:
    free(ps.names);
    free(ps.vals);
    graph_free(ps.g);
    return NULL;
}
