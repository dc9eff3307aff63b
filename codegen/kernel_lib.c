/*
 * kernel_lib.c - cutting runtime files into kernel snippets (see kernel_lib.h).
 */
#include <stdlib.h>
#include <string.h>

#include "codegen/kernel_lib.h"
#include "codegen/runtime_files.h"

static const char MARKER[] = "/* @kernel ";
/* The vector vocabularies (scalar.h, avx2.h, ...) and the kernels written once over them. */
#define SIMD_DIR "simd"

static char *dup_n(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) die("out of memory");
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void push(char ***list, int *n, char *s) {
    char **nl = realloc(*list, (size_t)(*n + 1) * sizeof *nl);
    if (!nl) die("out of memory");
    nl[(*n)++] = s;
    *list = nl;
}

static int find(const KernelSet *ks, const char *name, int before) {
    for (int i = 0; i < before; i++)
        if (strcmp(ks->k[i].name, name) == 0) return i;
    return -1;
}

/* Parses the marker line [line, eol): "NAME [uses A B] [needs <h>]". */
static int parse_marker(Kernel *k, const char *line, const char *eol, const char *path, Diag *d) {
    const char *p = line + strlen(MARKER);
    const char *end = strstr(p, "*/");
    if (!end || end > eol) {
        diag_error(d, NULL, "runtime/%s: unterminated @kernel marker", path);
        return -1;
    }
    enum { NAME, USES, NEEDS } mode = NAME;
    while (p < end) {
        while (p < end && *p == ' ') p++;
        const char *w = p;
        while (p < end && *p != ' ') p++;
        size_t n = (size_t)(p - w);
        if (!n) break;
        if (n == 4 && !memcmp(w, "uses", 4)) {
            mode = USES;
        } else if (n == 5 && !memcmp(w, "needs", 5)) {
            mode = NEEDS;
        } else if (mode == NAME && !k->name) {
            k->name = dup_n(w, n);
        } else if (mode == USES) {
            push(&k->uses, &k->n_uses, dup_n(w, n));
        } else if (mode == NEEDS &&
                   ((w[0] == '<' && w[n - 1] == '>') || (n == 3 && !memcmp(w, "-lm", 3)))) {
            push(&k->needs, &k->n_needs, dup_n(w, n));
        } else {
            diag_error(d, NULL, "runtime/%s: bad @kernel marker word '%.*s'", path, (int)n, w);
            return -1;
        }
    }
    if (!k->name) {
        diag_error(d, NULL, "runtime/%s: @kernel marker without a name", path);
        return -1;
    }
    return 0;
}

/* Ends the open snippet at `end`, dropping trailing blank lines. */
static void close_snippet(Kernel *k, const char *end) {
    while (end > k->text && (end[-1] == '\n' || end[-1] == ' ')) end--;
    k->len = (int)(end - k->text);
}

static int load_file(KernelSet *ks, const char *path, const char *text, Diag *d) {
    Kernel *open = NULL;
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        if (!eol) eol = line + strlen(line);
        if (!strncmp(line, MARKER, strlen(MARKER))) {
            if (open) close_snippet(open, line);
            Kernel *nk = realloc(ks->k, (size_t)(ks->n + 1) * sizeof *nk);
            if (!nk) die("out of memory");
            ks->k = nk;
            open = &ks->k[ks->n++];
            memset(open, 0, sizeof *open);
            open->path = path;
            if (parse_marker(open, line, eol, path, d)) return -1;
            open->text = *eol ? eol + 1 : eol;
        }
        line = *eol ? eol + 1 : eol;
    }
    if (open) close_snippet(open, text + strlen(text));
    return 0;
}

/* Appends the snippets of every file under runtime/DIR/ to ks. */
static int load_dir(KernelSet *ks, const TsncRuntimeFile *files, const char *dir, Diag *d) {
    size_t dl = strlen(dir);
    for (const TsncRuntimeFile *f = files; f->path; f++)
        if (!strncmp(f->path, dir, dl) && f->path[dl] == '/')
            if (load_file(ks, f->path, f->text, d)) return -1;
    return 0;
}

/* Appends the snippets of runtime/PATH, if there is such a file. */
static int load_path(KernelSet *ks, const TsncRuntimeFile *files, const char *path, Diag *d) {
    for (const TsncRuntimeFile *f = files; f->path; f++)
        if (!strcmp(f->path, path)) return load_file(ks, f->path, f->text, d);
    return 0;
}

/* Appends the kernels written once over the vector vocabulary: runtime/simd/NAME.c. */
static int load_simd_kernels(KernelSet *ks, const TsncRuntimeFile *files, Diag *d) {
    for (const TsncRuntimeFile *f = files; f->path; f++) {
        size_t n = strlen(f->path);
        if (!strncmp(f->path, SIMD_DIR "/", sizeof SIMD_DIR) && n > 2 && !strcmp(f->path + n - 2, ".c"))
            if (load_file(ks, f->path, f->text, d)) return -1;
    }
    return 0;
}

/* One overlay layer of target directory DIR: runtime/DIR/ and its vocabulary runtime/simd/DIR.h. */
static int load_layer(KernelSet *ks, const TsncRuntimeFile *files, const char *dir, Diag *d) {
    char vocab[64];
    snprintf(vocab, sizeof vocab, "%s/%s.h", SIMD_DIR, dir);
    return load_dir(ks, files, dir, d) || load_path(ks, files, vocab, d) ? -1 : 0;
}

/*
 * Checks the snippets ks->k[from..n) of one directory: names unique among
 * them, and each "uses" defined before it (in the same directory or, for a
 * target directory, in generic's ks->k[0..from)).
 */
static void check_dir(const KernelSet *ks, int from, Diag *d) {
    for (int i = from; i < ks->n; i++) {
        const Kernel *k = &ks->k[i];
        for (int j = from; j < i; j++)
            if (!strcmp(ks->k[j].name, k->name))
                diag_error(d, NULL, "runtime/%s: kernel '%s' defined twice", k->path, k->name);
        for (int u = 0; u < k->n_uses; u++) {
            if (find(ks, k->uses[u], i) < 0)
                diag_error(d, NULL,
                           "runtime/%s: kernel '%s' uses '%s', which is not defined before it",
                           k->path, k->name, k->uses[u]);
        }
    }
}

static void free_kernel(Kernel *k) {
    free((char *)k->name);
    for (int j = 0; j < k->n_uses; j++) free(k->uses[j]);
    for (int j = 0; j < k->n_needs; j++) free(k->needs[j]);
    free(k->uses);
    free(k->needs);
}

/* Moves the target snippets ks->k[from..n) over generic's of the same name. */
static void overlay(KernelSet *ks, int from) {
    int n = from;
    for (int i = from; i < ks->n; i++) {
        int g = find(ks, ks->k[i].name, from);
        if (g >= 0) {
            const char *generic_path = ks->k[g].path;
            free_kernel(&ks->k[g]);
            ks->k[g] = ks->k[i];
            ks->k[g].replaces = generic_path;
        } else {
            ks->k[n++] = ks->k[i];
        }
    }
    ks->n = n;
}

/* Depth-first search for a "uses" cycle through snippet i (state: 0 new, 1 open, 2 done). */
static int check_acyclic(const KernelSet *ks, int i, char *state, Diag *d) {
    if (state[i] == 2) return 0;
    if (state[i] == 1) {
        diag_error(d, NULL, "runtime/%s: kernel '%s' uses itself (through a target variant)",
                   ks->k[i].path, ks->k[i].name);
        return -1;
    }
    state[i] = 1;
    for (int u = 0; u < ks->k[i].n_uses; u++)
        if (check_acyclic(ks, find(ks, ks->k[i].uses[u], ks->n), state, d)) return -1;
    state[i] = 2;
    return 0;
}

KernelSet *kernels_load(const char *dir, Diag *d) {
    return kernels_load_files(tsnc_runtime_files, dir, d);
}

/* The overlay layers of a target, in order: avx512 falls back to avx2 for what it lacks. */
static int target_layers(const char *dir, const char **layers) {
    if (!strcmp(dir, "generic")) return 0;
    if (!strcmp(dir, "avx512")) {
        layers[0] = "avx2";
        layers[1] = "avx512";
        return 2;
    }
    layers[0] = dir;
    return 1;
}

KernelSet *kernels_load_files(const TsncRuntimeFile *files, const char *dir, Diag *d) {
    KernelSet *ks = calloc(1, sizeof *ks);
    if (!ks) die("out of memory");
    int errors = d->n_errors;
    /* generic: runtime/generic/, the scalar vocabulary, then the kernels written over it */
    if (!load_dir(ks, files, "generic", d) && !load_path(ks, files, SIMD_DIR "/scalar.h", d) &&
        !load_simd_kernels(ks, files, d))
        check_dir(ks, 0, d);
    const char *layers[2];
    int n_layers = target_layers(dir, layers);
    for (int l = 0; l < n_layers && d->n_errors == errors; l++) {
        int before = ks->n;
        if (load_layer(ks, files, layers[l], d)) break;
        check_dir(ks, before, d);
        if (d->n_errors == errors) overlay(ks, before);
    }
    if (d->n_errors == errors) {
        char *state = calloc((size_t)ks->n + 1, 1);
        if (!state) die("out of memory");
        for (int i = 0; i < ks->n && d->n_errors == errors; i++) check_acyclic(ks, i, state, d);
        free(state);
    }
    ks->wanted = calloc((size_t)ks->n + 1, sizeof *ks->wanted);
    if (!ks->wanted) die("out of memory");
    if (d->n_errors != errors) {
        kernels_free(ks);
        return NULL;
    }
    return ks;
}

void kernels_free(KernelSet *ks) {
    if (!ks) return;
    for (int i = 0; i < ks->n; i++) free_kernel(&ks->k[i]);
    free(ks->k);
    free(ks->wanted);
    free(ks);
}

const Kernel *kernels_find(const KernelSet *ks, const char *name) {
    int i = find(ks, name, ks->n);
    return i < 0 ? NULL : &ks->k[i];
}

void kernels_want(KernelSet *ks, const char *name) {
    int i = find(ks, name, ks->n);
    if (i < 0) die("no kernel '%s' in runtime/", name);
    if (ks->wanted[i]) return;
    ks->wanted[i] = true;
    for (int u = 0; u < ks->k[i].n_uses; u++) kernels_want(ks, ks->k[i].uses[u]);
}

bool kernels_need_header(const KernelSet *ks, const char *header) {
    for (int i = 0; i < ks->n; i++)
        if (ks->wanted[i])
            for (int j = 0; j < ks->k[i].n_needs; j++)
                if (strcmp(ks->k[i].needs[j], header) == 0) return true;
    return false;
}

int kernels_needs(const KernelSet *ks, const char **out, int max) {
    int n = 0;
    for (int i = 0; i < ks->n; i++) {
        if (!ks->wanted[i]) continue;
        for (int j = 0; j < ks->k[i].n_needs; j++) {
            const char *h = ks->k[i].needs[j];
            bool seen = false;
            for (int e = 0; e < n && e < max && !seen; e++) seen = !strcmp(out[e], h);
            if (seen) continue;
            if (n < max) out[n] = h;
            n++;
        }
    }
    return n;
}

bool kernels_use_dir(const KernelSet *ks, const char *dir) {
    size_t dl = strlen(dir);
    for (int i = 0; i < ks->n; i++)
        if (ks->wanted[i] && !strncmp(ks->k[i].path, dir, dl) && ks->k[i].path[dl] == '/')
            return true;
    return false;
}

/* Emits snippet i after the snippets it uses (the set is acyclic: kernels_load checks). */
static void emit_after_uses(const KernelSet *ks, int i, bool *done, Buf *out) {
    if (done[i]) return;
    done[i] = true;
    for (int u = 0; u < ks->k[i].n_uses; u++)
        emit_after_uses(ks, find(ks, ks->k[i].uses[u], ks->n), done, out);
    buf_printf(out, "/* -- %s, from runtime/%s -- */\n", ks->k[i].name, ks->k[i].path);
    buf_append(out, ks->k[i].text, (size_t)ks->k[i].len);
    buf_printf(out, "\n\n");
}

void kernels_emit(const KernelSet *ks, Buf *out) {
    bool *done = calloc((size_t)ks->n + 1, sizeof *done);
    if (!done) die("out of memory");
    for (int i = 0; i < ks->n; i++)
        if (ks->wanted[i]) emit_after_uses(ks, i, done, out);
    free(done);
}
