/*
 * diag.c - user-facing error collection and internal-error abort.
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

void diag_verror(Diag *d, const Node *n, const char *fmt, va_list ap) {
    d->n_errors++;
    if (d->n_kept >= DIAG_MAX_KEPT) return;
    char reason[1024];
    vsnprintf(reason, sizeof reason, fmt, ap);
    const char *file = d->file ? d->file : "<input>";
    char *msg;
    size_t cap = strlen(file) + strlen(reason) + 64;
    if (n) {
        const char *name = n->name && n->name[0] ? n->name : "";
        /* Names come from untrusted files: clip them so a message stays readable. */
        int name_len = (int)strnlen(name, 200);
        cap += (size_t)name_len + strlen(op_info(n->op)->name) + 32;
        msg = malloc(cap);
        if (!msg) die("out of memory");
        if (name_len)
            snprintf(msg, cap, "%s: node '%.*s' (%s): %s", file, name_len, name,
                     op_info(n->op)->name, reason);
        else
            snprintf(msg, cap, "%s: node #%d (%s): %s", file, n->id,
                     op_info(n->op)->name, reason);
    } else {
        msg = malloc(cap);
        if (!msg) die("out of memory");
        snprintf(msg, cap, "%s: %s", file, reason);
    }
    d->msgs[d->n_kept++] = msg;
}

void diag_error(Diag *d, const Node *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_verror(d, n, fmt, ap);
    va_end(ap);
}

void diag_print(const Diag *d, FILE *f) {
    for (int i = 0; i < d->n_kept; i++) fprintf(f, "tsnc: error: %s\n", d->msgs[i]);
    if (d->n_errors > d->n_kept)
        fprintf(f, "tsnc: error: (%d more errors not shown)\n", d->n_errors - d->n_kept);
}

void diag_free(Diag *d) {
    for (int i = 0; i < d->n_kept; i++) free(d->msgs[i]);
    d->n_kept = 0;
    d->n_errors = 0;
}

_Noreturn void die_at(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "tsnc: internal error at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void diag_take(Diag *dst, Diag *src) {
    for (int i = 0; i < src->n_kept; i++) {
        if (dst->n_kept < DIAG_MAX_KEPT)
            dst->msgs[dst->n_kept++] = src->msgs[i];
        else
            free(src->msgs[i]);
    }
    dst->n_errors += src->n_errors;
    src->n_kept = 0;
    src->n_errors = 0;
}
