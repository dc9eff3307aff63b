/*
 * kernel_lib.c - cutting runtime files into kernel snippets (see kernel_lib.h).
 */
#include <stdlib.h>
#include <string.h>

#include "codegen/kernel_lib.h"
#include "codegen/runtime_files.h"

static const char MARKER[] = "/* @kernel ";

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

KernelSet *kernels_load(const char *dir, Diag *d) {
    KernelSet *ks = calloc(1, sizeof *ks);
    if (!ks) die("out of memory");
    size_t dl = strlen(dir);
    int errors = d->n_errors;
    for (const TsncRuntimeFile *f = tsnc_runtime_files; f->path; f++)
        if (!strncmp(f->path, dir, dl) && f->path[dl] == '/')
            if (load_file(ks, f->path, f->text, d)) break;
    for (int i = 0; i < ks->n && d->n_errors == errors; i++) {
        if (find(ks, ks->k[i].name, i) >= 0)
            diag_error(d, NULL, "runtime/%s: kernel '%s' defined twice", ks->k[i].path,
                       ks->k[i].name);
        for (int u = 0; u < ks->k[i].n_uses; u++)
            if (find(ks, ks->k[i].uses[u], i) < 0)
                diag_error(d, NULL,
                           "runtime/%s: kernel '%s' uses '%s', which is not defined before it",
                           ks->k[i].path, ks->k[i].name, ks->k[i].uses[u]);
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
    for (int i = 0; i < ks->n; i++) {
        Kernel *k = &ks->k[i];
        free((char *)k->name);
        for (int j = 0; j < k->n_uses; j++) free(k->uses[j]);
        for (int j = 0; j < k->n_needs; j++) free(k->needs[j]);
        free(k->uses);
        free(k->needs);
    }
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

void kernels_emit(const KernelSet *ks, Buf *out) {
    for (int i = 0; i < ks->n; i++) {
        if (!ks->wanted[i]) continue;
        buf_printf(out, "/* -- %s, from runtime/%s -- */\n", ks->k[i].name, ks->k[i].path);
        buf_append(out, ks->k[i].text, (size_t)ks->k[i].len);
        buf_printf(out, "\n\n");
    }
}
