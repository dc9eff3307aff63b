/*
 * cmd_compile.c - `tsnc compile`: ONNX model -> OUTDIR/NAME.c + NAME.h.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static const char compile_usage[] =
    "usage: tsnc compile MODEL.onnx [-o OUTDIR] [options]\n"
    "\n"
    "Compiles an ONNX model into OUTDIR/NAME.c and OUTDIR/NAME.h (and, as --weights says,\n"
    "OUTDIR/NAME.bin and OUTDIR/NAME_weights.S): self-contained C99 with a caller-owned\n"
    "NAME_state, NAME_init, NAME_infer (all timesteps), NAME_reset and NAME_step (one\n"
    "timestep), and NAME_run (see docs/generated-api.md).\n"
    "\n"
    "options:\n"
    "  -o, --output DIR    directory for the generated files (created with its parents if\n"
    "                      missing; default .)\n"
    "  -n, --name NAME     C identifier used as prefix, at most 64 characters. Default: the\n"
    "                      model file's name without its directory and its last extension\n"
    "                      (a leading dot starts none), every byte other than an ASCII\n"
    "                      letter, digit or _ replaced by _ (a UTF-8 character by one _ per\n"
    "                      byte), and an m put before a leading digit: dir/9net-x.v1.onnx\n"
    "                      gives m9net_x_v1\n"
    "  -t, --target T      generic (portable C99, default), avx2, avx512, neon\n"
    "      --dim NAME=N    give dynamic dimension NAME (ONNX dim_param) the value N; repeatable\n"
    "      --dense         keep every Conv/Gemm dense (no spike lowering), for comparison\n"
    "      --no-step       no NAME_reset/NAME_step (a note says why when they cannot be made)\n"
    "      --spike-impl I  how spike layers are implemented:\n"
    CLI_SPIKE_IMPL_HELP("                        ")
    "      --weights M     how the program gets its weights (docs/generated-api.md):\n"
    "                        inline  C arrays in NAME.c\n"
    "                        embed   the image NAME.bin, assembled by NAME_weights.S;\n"
    "                                build with cc -I OUTDIR -c OUTDIR/*.c OUTDIR/*.S\n"
    "                        load    NAME.bin, handed to NAME_set_weights at run time\n"
    "                        auto    inline under 1 MiB of distinct constants, else embed\n"
    "                                (default)\n"
    "      --weights-section S  ELF section of the weights (inline arrays, NAME_weights.S),\n"
    "                      for linker scripts: e.g. .rodata.tsnc; [A-Za-z0-9_.], at most 64;\n"
    "                      not with --weights load\n"
    "      --rates FILE    measured firing rates of the spike layers ('LAYER-NAME RATE' lines,\n"
    "                      as tsnc dump --stats --input X.bin --write-rates FILE writes them);\n"
    "                      choose-kernels assumes 25 % for a layer without one\n"
    "  -h, --help          show this help\n"
    "\n"
    "Nothing is written unless compilation succeeds. Errors name the file, the node and\n"
    "the reason; the exit status is 1 on an error in the model or the --rates file, 2 on a\n"
    "usage error.\n";

/*
 * The model file's stem (its name without the last extension, so that
 * net.v1.onnx and net.v2.onnx do not both become net) as a C identifier:
 * [A-Za-z_][A-Za-z0-9_]*. A leading dot does not start an extension.
 */
static char *default_name(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *s = malloc(n + 3);
    if (!s) die("out of memory");
    size_t k = 0;
    if (n == 0 || isdigit((unsigned char)base[0])) s[k++] = 'm';
    for (size_t i = 0; i < n; i++) s[k++] = isalnum((unsigned char)base[i]) ? base[i] : '_';
    s[k] = 0;
    return s;
}

/* The longest NAME: it prefixes every identifier of the generated API. */
enum { NAME_MAX_LEN = 64 };

static bool is_c_identifier(const char *s) {
    if (!*s || isdigit((unsigned char)*s)) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return false;
    return true;
}

/*
 * Whether NAME.h would shadow a header that the generated code (or code
 * built next to it) includes with <...>: the C99/C11 standard headers, the
 * POSIX headers of a directory of their own that an application beside it
 * commonly includes, and the intrinsics headers of the avx2 and neon
 * targets. The generated NAME.c includes "NAME.h", so OUTDIR ends up on the
 * include path.
 */
static bool is_system_header(const char *name) {
    static const char *const headers[] = {
        "assert", "complex", "ctype", "errno", "fenv", "float", "inttypes", "iso646", "limits",
        "locale", "math", "setjmp", "signal", "stdalign", "stdarg", "stdatomic", "stdbool",
        "stddef", "stdint", "stdio", "stdlib", "stdnoreturn", "string", "tgmath", "threads",
        "time", "uchar", "wchar", "wctype", "immintrin", "arm_neon",
        /* POSIX (IEEE Std 1003.1-2017, "Headers") */
        "aio", "arpa", "cpio", "dirent", "dlfcn", "fcntl", "fmtmsg", "fnmatch", "ftw", "glob", "grp",
        "iconv", "langinfo", "libgen", "monetary", "mqueue", "ndbm", "netdb", "nl_types", "poll",
        "pthread", "pwd", "regex", "sched", "search", "semaphore", "spawn", "strings", "stropts",
        "syslog", "tar", "termios", "trace", "ulimit", "unistd", "utime", "utmpx", "wordexp"};
    for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
        if (strcmp(name, headers[i]) == 0) return true;
    return false;
}

/* 0 if name can prefix the generated files and API; else -1 with a message saying why. */
static int check_name(const char *name, bool given) {
    /* The default comes from the file name: say so, since the user never typed it. */
    const char *pre = given ? "--name " : "the default name ", *post = given ? "" : " (from the model file name)";
    if (!is_c_identifier(name)) {
        fprintf(stderr, "tsnc: error: %s'%s'%s is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)%s\n",
                pre, name, post, given ? "" : "; choose one with --name");
        return -1;
    }
    if (strlen(name) > NAME_MAX_LEN) {
        fprintf(stderr, "tsnc: error: %s'%s'%s is too long: %zu characters, at most %d%s\n", pre, name,
                post, strlen(name), NAME_MAX_LEN, given ? "" : "; choose one with --name");
        return -1;
    }
    if (is_system_header(name)) {
        fprintf(stderr, "tsnc: error: %s'%s'%s: %s.h would shadow the system header <%s.h> for code "
                        "built with -I OUTDIR; choose another with --name (e.g. --name %s_net)\n",
                pre, name, post, name, name, name);
        return -1;
    }
    return 0;
}

/* The command line, quoted where needed, for the generated file's banner. */
static char *command_line(int argc, char **argv) {
    Buf b = {0};
    buf_printf(&b, "tsnc");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a != 0;
        for (const char *p = a; *p; p++)
            if (!isalnum((unsigned char)*p) && !strchr("-_./=,:+", *p)) plain = false;
        if (plain) {
            buf_printf(&b, " %s", a);
        } else {
            buf_printf(&b, " '");
            for (const char *p = a; *p; p++) {
                if (*p == '\'')
                    buf_printf(&b, "'\\''");
                else if ((unsigned char)*p < 0x20)
                    buf_printf(&b, "?");
                else
                    buf_append(&b, p, 1);
            }
            buf_printf(&b, "'");
        }
    }
    return b.data;
}

/* The directories one run created, deepest last, so that a failed run can remove them. */
typedef struct MadeDirs {
    char **paths;
    int n;
} MadeDirs;

/*
 * Creates path (dir itself or one of its parents) if it is missing; 0 if it
 * is or becomes a directory, else -1 with a message naming dir, the
 * directory asked for.
 */
static int make_one_dir(const char *path, const char *dir, MadeDirs *made) {
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return 0;
        if (strcmp(path, dir) == 0) fprintf(stderr, "tsnc: error: %s: not a directory\n", dir);
        else fprintf(stderr, "tsnc: error: %s: cannot create directory: %s\n", dir, strerror(ENOTDIR));
        return -1;
    }
    /* 0777: the umask decides, as for mkdir -p. EEXIST: created meanwhile by someone else. */
    if (mkdir(path, 0777) != 0) {
        int err = errno;
        if (err == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
        fprintf(stderr, "tsnc: error: %s: cannot create directory: %s\n", dir, strerror(err));
        return -1;
    }
    char **p = realloc(made->paths, (size_t)(made->n + 1) * sizeof *p);
    if (!p) die("out of memory");
    made->paths = p;
    if (!(p[made->n++] = strdup(path))) die("out of memory");
    return 0;
}

/* Removes the directories this run created, deepest first; rmdir leaves any that are not empty. */
static void remove_made_dirs(MadeDirs *made) {
    for (int i = made->n - 1; i >= 0; i--) rmdir(made->paths[i]);
}

static void made_dirs_free(MadeDirs *made) {
    for (int i = 0; i < made->n; i++) free(made->paths[i]);
    free(made->paths);
    made->paths = NULL;
    made->n = 0;
}

/* mkdir -p: creates dir and its missing parents, recording each one created in made. */
static int ensure_dir(const char *dir, MadeDirs *made) {
    char *prefix = strdup(dir);
    if (!prefix) die("out of memory");
    int rc = 0;
    /* Each '/' after a path component ends a parent; "//" and a leading '/' end none. */
    for (char *p = prefix; *p && rc == 0; p++) {
        if (*p != '/' || p == prefix || p[-1] == '/') continue;
        *p = 0;
        rc = make_one_dir(prefix, dir, made);
        *p = '/';
    }
    if (rc == 0) rc = make_one_dir(prefix, dir, made);
    free(prefix);
    if (rc != 0) remove_made_dirs(made);
    return rc;
}

int cmd_compile(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"name", required_argument, 0, 'n'},
        {"target", required_argument, 0, 't'}, {"dim", required_argument, 0, 'D'},
        {"dense", no_argument, 0, 'd'},        {"help", no_argument, 0, 'h'},
        {"spike-impl", required_argument, 0, 'I'}, {"rates", required_argument, 0, 'R'},
        {"weights", required_argument, 0, 'W'}, {"weights-section", required_argument, 0, 'S'},
        {"no-step", no_argument, 0, 'N'}, {0, 0, 0, 0}};
    WeightsMode weights = WEIGHTS_AUTO;
    const char *section = NULL, *rates_path = NULL;
    bool no_step = false;
    const char *outdir = ".", *name = NULL, *target_s = "generic";
    bool outdir_given = false;
    DimPin *pins = NULL;
    int n_pins = 0, status = 2;
    PassOptions popt = {0};
    int c;
    optind = 1;
    opterr = 0; /* option_error reports in tsnc's format */
    while ((c = getopt_long(argc, argv, ":o:n:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (outdir_given) { /* the last one used to win silently */
                fprintf(stderr, "tsnc: error: -o given twice; the generated files go to one directory\n");
                goto out;
            }
            outdir = optarg;
            outdir_given = true;
            break;
        case 'n': name = optarg; break;
        case 't': target_s = optarg; break;
        case 'D':
            if (parse_dim_pin(optarg, &pins, &n_pins) != 0) goto out;
            break;
        case 'd': popt.dense = true; break;
        case 'N': no_step = true; break;
        case 'I':
            if (parse_spike_impl(optarg, &popt) != 0) goto out;
            break;
        case 'W':
            weights = weights_mode_from_name(optarg);
            if (weights == WEIGHTS_MODE_COUNT) {
                fprintf(stderr, "tsnc: error: unknown --weights '%s' (expected inline, embed, load or auto)\n",
                        optarg);
                goto out;
            }
            break;
        case 'S':
            if (!weights_section_ok(optarg)) {
                fprintf(stderr,
                        "tsnc: error: --weights-section '%s' is not a section name (1 to %d of "
                        "[A-Za-z0-9_.], e.g. .rodata.tsnc)\n",
                        optarg, WEIGHTS_SECTION_MAX);
                goto out;
            }
            section = optarg;
            break;
        case 'R':
            if (popt.rates) rates_free(&popt);
            if (rates_read(optarg, &popt) != 0) { /* an input file: its errors are the model's (1) */
                status = 1;
                goto out;
            }
            rates_path = optarg;
            break;
        case 'h': fputs(compile_usage, stdout); status = 0; goto out;
        default: status = option_error("compile", c, argv, longopts); goto out;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tsnc: error: compile expects exactly one model file\n\n%s", compile_usage);
        goto out;
    }
    if (!outdir[0]) {
        fprintf(stderr, "tsnc: error: -o: the output directory name is empty (use -o . for the current "
                        "directory)\n");
        goto out;
    }
    const char *path = argv[optind];
    Target target = target_from_name(target_s);
    if (target == TARGET_COUNT) {
        fprintf(stderr, "tsnc: error: unknown target '%s' (expected generic, avx2, avx512 or neon)\n", target_s);
        goto out;
    }
    if (check_dense_impl(&popt) != 0) goto out;
    if (weights == WEIGHTS_LOAD && section) {
        fprintf(stderr, "tsnc: error: --weights load and --weights-section %s conflict: the section holds "
                        "inline arrays or NAME_weights.S, and load has neither (NAME.bin is read at run "
                        "time)\n", section);
        goto out;
    }
    check_dense_rates(rates_path, &popt);
    char *cname = name ? strdup(name) : default_name(path);
    if (!cname) die("out of memory");
    if (check_name(cname, name != NULL) != 0) {
        free(cname);
        goto out;
    }
    status = 1;
    ModelBytes m;
    Graph *g = NULL;
    CodegenOutput gen = {0};
    char *cmdline = command_line(argc, argv), *banner = NULL, *paths[4] = {0};
    MadeDirs made = {0};
    if (model_read(path, &m) != 0) goto done;
    ImportOptions io = {.n_pins = n_pins, .pins = pins};
    g = load_graph(path, &m, &io);
    if (!g) goto done;
    Diag d = {.file = path};
    PassContext cx = {.diag = &d, .opt = &popt};
    if (pipeline_run(g, &cx, NULL) != 0 || graph_verify(g, &d) != 0) {
        report(&d);
        goto done;
    }
    if (rates_path) rates_check_used(rates_path, &popt, g);
    const char *base = strrchr(path, '/');
    Buf bb = {0};
    buf_printf(&bb, "Generated by tsnc %s. Do not edit.\ncommand: %s\nmodel: %s sha256:%s\ntarget: %s",
               TSNC_VERSION, cmdline, base ? base + 1 : path, m.sha256, target_name(target));
    banner = bb.data;
    char step_note[320] = "";
    CodegenOptions co = {.name = cname, .target = target, .banner = banner, .weights = weights,
                         .weights_section = section, .no_step = no_step, .step_note = step_note,
                         .step_note_size = sizeof step_note};
    if (codegen(g, &co, &gen, &d) != 0) {
        report(&d);
        goto done;
    }
    /* A network without neurons has no time loop to step through: no note for it. */
    bool has_neuron = false;
    for (const Node *n = g->first; n && !has_neuron; n = n->next) has_neuron = n->op == OP_LIF;
    if (step_note[0] && !no_step && has_neuron)
        fprintf(stderr, "tsnc: note: %s: no %s_step: %s\n", path, cname, step_note);
    if (ensure_dir(outdir, &made) != 0) goto done;
    /* NAME.h, NAME.c, then NAME.bin and NAME_weights.S when the mode has them */
    static const char *const suffix[4] = {".h", ".c", ".bin", "_weights.S"};
    const Buf *bufs[4] = {&gen.h, &gen.c, &gen.bin, &gen.s};
    bool has[4] = {true, true, gen.weights != WEIGHTS_INLINE, gen.weights == WEIGHTS_EMBED};
    const char *wpaths[4], *srcs[4];
    size_t lens[4];
    int n_files = 0;
    for (int i = 0; i < 4; i++) {
        size_t plen = strlen(outdir) + strlen(cname) + 16;
        if (!(paths[i] = malloc(plen))) die("out of memory");
        snprintf(paths[i], plen, "%s/%s%s", outdir, cname, suffix[i]);
        if (!has[i]) continue;
        wpaths[n_files] = paths[i];
        srcs[n_files] = bufs[i]->data ? bufs[i]->data : "";
        lens[n_files++] = bufs[i]->len;
    }
    if (write_files_atomic(n_files, wpaths, srcs, lens) != 0) {
        remove_made_dirs(&made);
        goto done;
    }
    /* A NAME.bin or NAME_weights.S of an earlier run in another mode would be
     * be built (cc OUTDIR/{*.c,*.S}) with this NAME.c: remove it. */
    for (int i = 2; i < 4; i++)
        if (!has[i] && unlink(paths[i]) != 0 && errno != ENOENT)
            fprintf(stderr, "tsnc: warning: %s: cannot remove the file of an earlier build: %s\n", paths[i],
                    strerror(errno));
    status = 0;
done:
    made_dirs_free(&made);
    free(cname);
    free(cmdline);
    free(banner);
    for (int i = 0; i < 4; i++) free(paths[i]);
    codegen_output_free(&gen);
    graph_free(g);
    model_bytes_free(&m);
out:
    rates_free(&popt);
    for (int i = 0; i < n_pins; i++) free((char *)pins[i].name);
    free(pins);
    return status;
}
