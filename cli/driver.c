/*
 * driver.c - what the subcommands share: reading and hashing the model,
 * loading a graph, writing outputs atomically.
 */
#include <errno.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/* Model files larger than this are refused (protobuf's own limit is 2 GiB). */
#define MODEL_MAX_BYTES ((size_t)2 << 30)

int model_read(const char *path, ModelBytes *m) {
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tsnc: error: %s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "tsnc: error: %s: not a regular file\n", path);
        fclose(f);
        return -1;
    }
    if ((size_t)st.st_size > MODEL_MAX_BYTES) {
        fprintf(stderr, "tsnc: error: %s: file is larger than 2 GiB\n", path);
        fclose(f);
        return -1;
    }
    m->len = (size_t)st.st_size;
    m->data = malloc(m->len ? m->len : 1);
    if (!m->data || fread(m->data, 1, m->len, f) != m->len) {
        fprintf(stderr, "tsnc: error: %s: cannot read: %s\n", path, strerror(errno));
        fclose(f);
        model_bytes_free(m);
        return -1;
    }
    fclose(f);
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, m->len, m->data);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(m->sha256 + 2 * i, 3, "%02x", digest[i]);
    return 0;
}

void model_bytes_free(ModelBytes *m) {
    free(m->data);
    m->data = NULL;
    m->len = 0;
}

void report(Diag *d) {
    diag_print(d, stderr);
    diag_free(d);
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

Graph *load_graph(const char *path, const ModelBytes *m, const ImportOptions *io) {
    Diag d = {.file = path};
    Graph *g = ends_with(path, ".tir") ? ir_parse((const char *)m->data, m->len, &d)
                                       : onnx_import_buffer(m->data, m->len, io, &d);
    if (!g) {
        if (!d.n_errors) diag_error(&d, NULL, "could not be loaded");
        report(&d);
        return NULL;
    }
    if (graph_verify(g, &d) != 0) {
        report(&d);
        graph_free(g);
        return NULL;
    }
    return g;
}

int parse_dim_pin(const char *arg, DimPin **pins, int *n_pins) {
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "tsnc: error: --dim expects NAME=VALUE, got '%s'\n", arg);
        return -1;
    }
    char *end;
    errno = 0;
    long long v = strtoll(eq + 1, &end, 10);
    if (errno || *end || end == eq + 1 || v <= 0 || v > INT32_MAX) {
        fprintf(stderr, "tsnc: error: --dim %s: the value must be a positive integer\n", arg);
        return -1;
    }
    DimPin *p = realloc(*pins, (size_t)(*n_pins + 1) * sizeof *p);
    if (!p) die("out of memory");
    p[*n_pins].name = strndup(arg, (size_t)(eq - arg));
    p[*n_pins].value = v;
    *pins = p;
    (*n_pins)++;
    return 0;
}

/* Writes data to a new temporary file next to path; returns its name (malloc'd), or
 * NULL with the error printed. */
static char *write_temp(const char *path, const char *data, size_t len) {
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) die("out of memory");
    snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "tsnc: error: %s: cannot create: %s\n", path, strerror(errno));
        free(tmp);
        return NULL;
    }
    FILE *f = fdopen(fd, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f) ok &= fclose(f) == 0;
    else close(fd);
    if (!ok) {
        fprintf(stderr, "tsnc: error: %s: cannot write: %s\n", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return NULL;
    }
    /* mkstemp makes the file 0600; generated sources are ordinary files. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0666 & ~mask);
    return tmp;
}

int write_file_atomic(const char *path, const char *data, size_t len) {
    return write_files_atomic(1, &path, &data, &len);
}

int write_files_atomic(int n, const char *const *paths, const char *const *data,
                       const size_t *lens) {
    char **tmp = calloc((size_t)n + 1, sizeof *tmp);
    if (!tmp) die("out of memory");
    int rc = 0, renamed = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (!(tmp[i] = write_temp(paths[i], data[i], lens[i]))) rc = -1;
    for (; rc == 0 && renamed < n; renamed++)
        if (rename(tmp[renamed], paths[renamed]) != 0) {
            fprintf(stderr, "tsnc: error: %s: cannot write: %s\n", paths[renamed], strerror(errno));
            rc = -1;
            break;
        }
    if (rc != 0) {
        /* Files already renamed into place are removed again: all or nothing. */
        for (int i = 0; i < renamed; i++) unlink(paths[i]);
        for (int i = renamed; i < n; i++)
            if (tmp[i]) unlink(tmp[i]);
    }
    for (int i = 0; i < n; i++) free(tmp[i]);
    free(tmp);
    return rc;
}

int parse_spike_impl(const char *arg, PassOptions *o) {
    static const char *const names[] = {"lut", "events", "dense"};
    if (strcmp(arg, "auto") == 0) {
        o->spike_impl = NULL;
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(arg, names[i]) == 0) {
            o->spike_impl = names[i];
            return 0;
        }
    fprintf(stderr, "tsnc: error: --spike-impl expects auto, lut, events or dense, not '%s'\n", arg);
    return -1;
}
