/*
 * driver.c - what the subcommands share: reading and hashing the model,
 * loading a graph, writing outputs atomically.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
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

bool path_is_tir(const char *path) {
    size_t n = strlen(path);
    return n >= 4 && strcmp(path + n - 4, ".tir") == 0;
}

Graph *load_graph(const char *path, const ModelBytes *m, const ImportOptions *io) {
    Diag d = {.file = path};
    Graph *g = path_is_tir(path) ? ir_parse((const char *)m->data, m->len, &d)
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
    size_t name_len = (size_t)(eq - arg);
    /* A second value for the same name would otherwise be ignored without a word. */
    for (int i = 0; i < *n_pins; i++)
        if (strlen((*pins)[i].name) == name_len && strncmp((*pins)[i].name, arg, name_len) == 0) {
            fprintf(stderr, "tsnc: error: --dim %.*s given twice\n", (int)name_len, arg);
            return -1;
        }
    char *end;
    errno = 0;
    long long v = strtoll(eq + 1, &end, 10);
    if (*end || end == eq + 1 || v <= 0) {
        fprintf(stderr, "tsnc: error: --dim %s: the value must be a positive integer\n", arg);
        return -1;
    }
    if (errno == ERANGE || v > INT32_MAX) {
        fprintf(stderr, "tsnc: error: --dim %s: the value is out of range (at most %ld)\n", arg,
                (long)INT32_MAX);
        return -1;
    }
    DimPin *p = realloc(*pins, (size_t)(*n_pins + 1) * sizeof *p);
    if (!p) die("out of memory");
    p[*n_pins].name = strndup(arg, name_len);
    if (!p[*n_pins].name) die("out of memory");
    p[*n_pins].value = v;
    *pins = p;
    (*n_pins)++;
    return 0;
}

int samples_count(const char *path, const ModelBytes *x, size_t sample_bytes, int64_t *n) {
    if (x->len == 0) {
        fprintf(stderr, "tsnc: error: %s: the file is empty (a sample is %zu bytes)\n", path, sample_bytes);
        return -1;
    }
    if (x->len % sample_bytes != 0) {
        fprintf(stderr, "tsnc: error: %s: %zu bytes is not a whole number of samples of %zu bytes\n", path,
                x->len, sample_bytes);
        return -1;
    }
    *n = (int64_t)(x->len / sample_bytes);
    return 0;
}

void push_path(const char ***list, int *n, const char *path) {
    const char **p = realloc(*list, (size_t)(*n + 1) * sizeof *p);
    if (!p) die("out of memory");
    p[(*n)++] = path;
    *list = p;
}

/* "a, b" from the names of n values (graph order), for messages; "#i" for an unnamed one. */
static void print_names(FILE *f, Value *const *v, int n) {
    for (int i = 0; i < n && i < 8; i++) {
        if (v[i]->name && v[i]->name[0]) fprintf(f, "%s'%s'", i ? ", " : "", v[i]->name);
        else fprintf(f, "%s#%d", i ? ", " : "", i);
    }
    if (n > 8) fprintf(f, ", ...");
}

int check_io_count(const char *path, const char *kind, const char *flag, Value *const *v, int n,
                          int given) {
    if (given == n) return 0;
    fprintf(stderr, "tsnc: error: %s: the model has %d %s%s (", path, n, kind, n == 1 ? "" : "s");
    print_names(stderr, v, n);
    fprintf(stderr, "); give %s once per graph %s, in graph order (got %d)\n", flag, kind, given);
    return -1;
}

int samples_read(const char *model, const Graph *g, const char *const *paths, int n_paths,
                 long long count, ModelBytes *x, int64_t *n) {
    if (check_io_count(model, "input", "--input", g->inputs, g->n_inputs, n_paths) != 0) return -1;
    int read = 0;
    for (; read < g->n_inputs; read++) {
        const Value *in = g->inputs[read];
        size_t sample_bytes = (size_t)shape_numel(&in->type.shape) * dtype_size(in->type.dtype);
        if (sample_bytes == 0) {
            char ty[64];
            fprintf(stderr, "tsnc: error: %s: the graph input '%s' of type %s has no elements, so it has no "
                            "samples to read\n", model, in->name ? in->name : "", type_str(&in->type, ty, sizeof ty));
            goto fail;
        }
        if (model_read(paths[read], &x[read]) != 0) goto fail;
        int64_t k = 0;
        if (samples_count(paths[read], &x[read], sample_bytes, &k) != 0) {
            read++;
            goto fail;
        }
        if (read > 0 && k != *n) {
            fprintf(stderr, "tsnc: error: %s holds %" PRId64 " sample%s of input '%s' but %s holds %" PRId64
                            "; every --input must hold the same number\n",
                    paths[read], k, k == 1 ? "" : "s", in->name ? in->name : "", paths[0], *n);
            read++;
            goto fail;
        }
        *n = k;
    }
    if (count >= 0 && count < *n) *n = count;
    return 0;
fail:
    for (int i = 0; i < read; i++) model_bytes_free(&x[i]);
    return -1;
}

/* The long option that name (without "--", len bytes, possibly abbreviated) selects, when it is one. */
static const struct option *long_option_named(const struct option *longopts, const char *name, size_t len) {
    const struct option *found = NULL;
    int n = 0;
    for (const struct option *o = longopts; o->name; o++) {
        if (strncmp(o->name, name, len) != 0) continue;
        if (strlen(o->name) == len) return o; /* an exact match wins */
        found = o;
        n++;
    }
    return n == 1 ? found : NULL; /* a unique abbreviation */
}

int option_error(const char *cmd, int c, char *const *argv, const struct option *longopts) {
    /* getopt_long has moved optind past a long option in error, and past a short one that
     * ended its argument; an unknown short option inside "-xyz" leaves optind on "-xyz".
     * optopt is 0 for an unknown or ambiguous long option, the option's val for a long
     * option that lacks its value (only the last argument can) or was given one it does not
     * take ("--dense=1"); otherwise it is the short option's character. */
    const char *arg = optind > 0 ? argv[optind - 1] : NULL;
    bool is_long = false;
    size_t len = 0;
    const struct option *o = NULL;
    if (arg && arg[0] == '-' && arg[1] == '-' && arg[2]) {
        len = strcspn(arg + 2, "=");
        o = long_option_named(longopts, arg + 2, len);
        if (optopt == 0) is_long = true;
        else if (c == ':') is_long = o != NULL;
        else is_long = o && o->val == optopt && o->has_arg == no_argument && arg[2 + len] == '=';
    }
    fprintf(stderr, "tsnc: error: %s: ", cmd);
    if (is_long && optopt == 0) {
        int n = 0;
        for (const struct option *p = longopts; p->name; p++) n += strncmp(p->name, arg + 2, len) == 0;
        if (n < 2) {
            fprintf(stderr, "unrecognized option '--%.*s'\n", (int)len, arg + 2);
        } else {
            fprintf(stderr, "option '--%.*s' is ambiguous (", (int)len, arg + 2);
            const char *sep = "";
            for (const struct option *p = longopts; p->name; p++)
                if (strncmp(p->name, arg + 2, len) == 0) {
                    fprintf(stderr, "%s--%s", sep, p->name);
                    sep = ", ";
                }
            fprintf(stderr, ")\n");
        }
    } else if (is_long) {
        fprintf(stderr, c == ':' ? "option '--%s' needs a value\n" : "option '--%s' takes no value\n",
                o->name);
    } else if (isprint(optopt)) {
        fprintf(stderr, c == ':' ? "option '-%c' needs a value\n" : "unrecognized option '-%c'\n", optopt);
    } else {
        fprintf(stderr, "unrecognized option character 0x%02x\n", (unsigned)optopt & 0xffu);
    }
    fprintf(stderr, "run 'tsnc %s --help' for usage\n", cmd);
    return 2;
}

int check_dense_impl(const PassOptions *o) {
    if (!o->dense || !o->spike_impl) return 0;
    fprintf(stderr, "tsnc: error: --dense and --spike-impl %s conflict: --dense lowers no spike layer, "
                    "so there is none to implement\n", o->spike_impl);
    return -1;
}

int finish_stdout(int status) {
    /* glibc keeps unwritten bytes after a failed write, so this flush reports the reason. */
    errno = 0;
    int err = fflush(stdout) != 0 ? errno : 0;
    if (!err && !ferror(stdout)) return status;
    fprintf(stderr, "tsnc: error: cannot write to standard output: %s\n",
            err ? strerror(err) : "write error");
    return status ? status : 1;
}

/* An existing device, pipe or socket (/dev/full, /dev/stdout) is written in place: renaming a
 * temporary file over it would replace the device node itself. */
static int outfile_open_special(OutFile *o, const char *path) {
    o->f = fopen(path, "wb");
    if (!o->f) {
        fprintf(stderr, "tsnc: error: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int outfile_open(OutFile *o, const char *path) {
    memset(o, 0, sizeof *o);
    o->path = path;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return outfile_open_special(o, path);
    size_t n = strlen(path);
    o->tmp = malloc(n + 16);
    if (!o->tmp) die("out of memory");
    snprintf(o->tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        fprintf(stderr, "tsnc: error: %s: cannot create: %s\n", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        fprintf(stderr, "tsnc: error: %s: cannot write: %s\n", path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    return 0;
}

void outfile_write(OutFile *o, const void *data, size_t len) {
    /* Only the first failure is kept: its errno is the reason worth reporting. */
    if (o->err || len == 0) return;
    errno = 0;
    if (fwrite(data, 1, len, o->f) != len) o->err = errno ? errno : EIO;
}

void outfile_discard(OutFile *o) {
    if (o->f) fclose(o->f);
    if (o->tmp) unlink(o->tmp);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}

/* Closes the temporary file, checking that every byte reached it; -1 with the error printed
 * and the temporary file removed. */
static int outfile_close(OutFile *o) {
    if (!o->err && fflush(o->f) != 0) o->err = errno ? errno : EIO;
    if (!o->err && ferror(o->f)) o->err = EIO;
    if (fclose(o->f) != 0 && !o->err) o->err = errno ? errno : EIO;
    o->f = NULL;
    if (o->err) {
        fprintf(stderr, "tsnc: error: %s: cannot write: %s\n", o->path, strerror(o->err));
        outfile_discard(o);
        return -1;
    }
    if (!o->tmp) return 0; /* written in place */
    /* mkstemp makes the file 0600; generated sources are ordinary files. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(o->tmp, 0666 & ~mask);
    return 0;
}

/* Moves the closed temporary file onto its path; -1 with the error printed. */
static int outfile_rename(OutFile *o) {
    if (!o->tmp) return 0;
    if (rename(o->tmp, o->path) != 0) {
        fprintf(stderr, "tsnc: error: %s: cannot write: %s\n", o->path, strerror(errno));
        outfile_discard(o);
        return -1;
    }
    free(o->tmp);
    memset(o, 0, sizeof *o);
    return 0;
}

int outfile_commit(OutFile *o) {
    if (outfile_close(o) != 0) return -1;
    return outfile_rename(o);
}

int write_file_atomic(const char *path, const char *data, size_t len) {
    return write_files_atomic(1, &path, &data, &len);
}

int outfiles_commit(int n, OutFile *out) {
    int rc = 0, closed = 0, renamed = 0;
    /* Every temporary file is complete before any is renamed. */
    for (; closed < n; closed++)
        if (outfile_close(&out[closed]) != 0) {
            rc = -1;
            break;
        }
    bool *placed = calloc((size_t)n + 1, sizeof *placed);
    const char **paths = calloc((size_t)n + 1, sizeof *paths);
    if (!placed || !paths) die("out of memory");
    for (; rc == 0 && renamed < n; renamed++) {
        placed[renamed] = out[renamed].tmp != NULL; /* not a device written in place */
        paths[renamed] = out[renamed].path;
        if (outfile_rename(&out[renamed]) != 0) {
            rc = -1;
            break;
        }
    }
    if (rc != 0) {
        /* Files already renamed into place are removed again: all or nothing. */
        for (int i = 0; i < renamed; i++)
            if (placed[i]) unlink(paths[i]);
        for (int i = renamed; i < n; i++) outfile_discard(&out[i]);
    }
    free(paths);
    free(placed);
    return rc;
}

int write_files_atomic(int n, const char *const *paths, const char *const *data,
                       const size_t *lens) {
    OutFile *out = calloc((size_t)n + 1, sizeof *out);
    if (!out) die("out of memory");
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (outfile_open(&out[i], paths[i]) != 0) {
            for (int j = 0; j < i; j++) outfile_discard(&out[j]);
            rc = -1;
            break;
        }
        outfile_write(&out[i], data[i], lens[i]);
    }
    if (rc == 0) rc = outfiles_commit(n, out);
    free(out);
    return rc;
}

int parse_spike_impl(const char *arg, PassOptions *o) {
    static const char *const names[] = {"lut", "events", "gather", "dense"};
    if (strcmp(arg, "auto") == 0) {
        o->spike_impl = NULL;
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(arg, names[i]) == 0) {
            o->spike_impl = names[i];
            return 0;
        }
    fprintf(stderr, "tsnc: error: --spike-impl expects auto, lut, events, gather or dense, not '%s'\n", arg);
    return -1;
}
