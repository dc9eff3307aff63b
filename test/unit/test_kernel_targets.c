/*
 * test_kernel_targets.c - per-target kernels (codegen/kernel_lib.h):
 * runtime/TARGET/ overlaid on runtime/generic/, on small hand-made file
 * tables (replacement, fallback, helpers, "uses" across the two
 * directories, the errors) and on the real runtime/ (every variant has the
 * generic signature, every target file compiles as strict C99 with the
 * target's compiler), and the generated file's guard. The kernels' values
 * are checked against the generic ones by test/targets/kernel_check.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "codegen/codegen.h"
#include "codegen/kernel_lib.h"
#include "codegen/runtime_files.h"
#include "frontend/frontend.h"

static bool diag_has(const Diag *d, const char *text) {
    for (int i = 0; i < d->n_kept; i++)
        if (strstr(d->msgs[i], text)) return true;
    return false;
}

/* The generated text of the wanted snippets. */
static char *emit_text(const KernelSet *ks) {
    Buf b = {0};
    kernels_emit(ks, &b);
    buf_append(&b, "", 1);
    return b.data;
}

/* ---- the overlay, on hand-made files ---- */

static const TsncRuntimeFile FILES[] = {
    {"generic/a.c", "/* a.c */\n\n/* @kernel params */\nstruct params { int n; };\n\n"
                    "/* @kernel rule uses params */\nstatic int rule(int v) { return v; }\n\n"
                    "/* @kernel step uses rule */\nstatic int step(int v) { return rule(v) + 1; }\n"},
    {"generic/b.c", "/* @kernel other needs <math.h> */\nstatic int other(int v) { return v; }\n"},
    {"tgt/a.c", "/* the variants */\n\n"
                 "/* @kernel tgt_helper needs <tgt.h> */\nstatic int tgt_helper(int v) { return v; }\n\n"
                 "/* @kernel rule uses params tgt_helper needs <tgt.h> */\n"
                 "static int rule(int v) { return tgt_helper(v) * 2; }\n"},
    {NULL, NULL},
};

static void test_overlay(void **state) {
    (void)state;
    Diag d = {0};
    KernelSet *g = kernels_load_files(FILES, "generic", &d);
    KernelSet *t = kernels_load_files(FILES, "tgt", &d);
    diag_print(&d, stderr);
    assert_non_null(g);
    assert_non_null(t);
    assert_int_equal(g->n, 4);
    assert_int_equal(t->n, 5); /* generic's four, rule replaced, plus the helper */
    /* replaced in place: the target's text under generic's name, the file it replaced noted */
    const Kernel *rule = kernels_find(t, "rule");
    assert_string_equal(rule->path, "tgt/a.c");
    assert_string_equal(rule->replaces, "generic/a.c");
    assert_null(kernels_find(g, "rule")->replaces);
    /* no variant: the generic one */
    assert_string_equal(kernels_find(t, "step")->path, "generic/a.c");
    assert_string_equal(kernels_find(t, "other")->path, "generic/b.c");
    assert_null(kernels_find(g, "tgt_helper"));
    assert_string_equal(kernels_find(t, "tgt_helper")->path, "tgt/a.c");
    assert_false(kernels_use_dir(t, "tgt"));

    /*
     * step (generic) uses rule, now the variant, which uses a helper that comes
     * after step in library order: it must still be emitted before rule, and
     * rule before step.
     */
    kernels_want(t, "step");
    assert_true(kernels_use_dir(t, "tgt"));
    assert_false(kernels_need_header(t, "<math.h>"));
    assert_true(kernels_need_header(t, "<tgt.h>"));
    const char *needs[4];
    assert_int_equal(kernels_needs(t, needs, 4), 1);
    assert_string_equal(needs[0], "<tgt.h>");
    char *text = emit_text(t);
    const char *p_params = strstr(text, "struct params {"), *p_helper = strstr(text, "tgt_helper(int v) {"),
               *p_rule = strstr(text, "static int rule("), *p_step = strstr(text, "static int step(");
    assert_non_null(p_params);
    assert_non_null(p_helper);
    assert_non_null(p_rule);
    assert_non_null(p_step);
    assert_true(p_params < p_rule && p_helper < p_rule && p_rule < p_step);
    assert_non_null(strstr(text, "/* -- rule, from runtime/tgt/a.c -- */"));
    assert_null(strstr(text, "return v; }\n\n/* -- step")); /* generic's rule is not there */
    assert_null(strstr(text, "other"));
    free(text);

    /* the generic set of the same files emits the generic rule */
    kernels_want(g, "step");
    text = emit_text(g);
    assert_non_null(strstr(text, "static int rule(int v) { return v; }"));
    free(text);
    kernels_free(g);
    kernels_free(t);

    /* a directory without files is the generic kernels */
    KernelSet *none = kernels_load_files(FILES, "nothing", &d);
    assert_non_null(none);
    assert_int_equal(none->n, 4);
    kernels_free(none);
    assert_int_equal(d.n_errors, 0);
}

static void expect_load_error(const TsncRuntimeFile *files, const char *dir, const char *msg) {
    Diag d = {0};
    KernelSet *ks = kernels_load_files(files, dir, &d);
    if (ks || !diag_has(&d, msg)) {
        diag_print(&d, stderr);
        print_error("expected an error containing '%s'\n", msg);
        fail();
    }
    diag_free(&d);
}

static void test_overlay_errors(void **state) {
    (void)state;
    const TsncRuntimeFile generic = {"generic/a.c", "/* @kernel base */\nstruct base { int x; };\n\n"
                                                    "/* @kernel user uses base */\nstatic int user(void) { return 0; }\n"};
    /* a variant using an unknown snippet */
    const TsncRuntimeFile unknown[] = {
        generic, {"v/a.c", "/* @kernel user uses nowhere */\nstatic int user(void) { return 1; }\n"}, {0, 0}};
    expect_load_error(unknown, "v", "kernel 'user' uses 'nowhere', which is not defined before it");
    /* two variants of one name in the target directory */
    const TsncRuntimeFile twice[] = {generic,
                                     {"v/a.c", "/* @kernel user */\nstatic int user(void) { return 1; }\n"},
                                     {"v/b.c", "/* @kernel user */\nstatic int user(void) { return 2; }\n"},
                                     {0, 0}};
    expect_load_error(twice, "v", "kernel 'user' defined twice");
    /* a target helper used before it is defined in its directory */
    const TsncRuntimeFile order[] = {
        generic,
        {"v/a.c", "/* @kernel user uses later */\nstatic int user(void) { return 1; }\n\n"
                  "/* @kernel later */\nstatic int later(void) { return 1; }\n"},
        {0, 0}};
    expect_load_error(order, "v", "kernel 'user' uses 'later', which is not defined before it");
    /* a variant of base that uses user, which uses base: a cycle only the overlay makes */
    const TsncRuntimeFile cycle[] = {
        generic, {"v/a.c", "/* @kernel base uses user */\nstruct base { int y; };\n"}, {0, 0}};
    expect_load_error(cycle, "v", "uses itself");
    /* a malformed marker in a target file */
    const TsncRuntimeFile bad[] = {
        generic, {"v/a.c", "/* @kernel user needs math.h */\nstatic int user(void) { return 1; }\n"}, {0, 0}};
    expect_load_error(bad, "v", "bad @kernel marker word 'math.h'");
}

/* ---- the real runtime/ ---- */

/* The declaration "static ... NAME(...)" in a snippet, whitespace collapsed, or NULL. */
static char *declaration(const Kernel *k) {
    size_t nl = strlen(k->name);
    const char *end = k->text + k->len;
    for (const char *p = k->text; p < end; p++) {
        if (strncmp(p, k->name, nl) != 0 || p[nl] != '(') continue;
        const char *start = p;
        while (start > k->text && start[-1] != '\n') start--;
        if (strncmp(start, "static ", 7) != 0) continue;
        const char *close = memchr(p, ')', (size_t)(end - p));
        if (!close) return NULL;
        char *out = malloc((size_t)(close - start) + 2), *o = out;
        assert_non_null(out);
        for (const char *q = start; q <= close; q++) {
            char ch = *q == '\n' || *q == '\t' ? ' ' : *q;
            if (ch == ' ' && o > out && o[-1] == ' ') continue;
            *o++ = ch;
        }
        *o = 0;
        return out;
    }
    return NULL;
}

/*
 * Every variant in runtime/avx2 and runtime/neon has its generic snippet's
 * function declaration (emitters call one name with one argument list), and
 * every target set loads.
 */
static void test_variant_signatures(void **state) {
    (void)state;
    static const char *const dirs[] = {"avx2", "neon"};
    Diag d = {0};
    KernelSet *g = kernels_load("generic", &d);
    assert_non_null(g);
    int variants = 0;
    for (size_t t = 0; t < sizeof dirs / sizeof *dirs; t++) {
        KernelSet *ks = kernels_load(dirs[t], &d);
        diag_print(&d, stderr);
        assert_non_null(ks);
        assert_int_equal(d.n_errors, 0);
        for (int i = 0; i < ks->n; i++) {
            const Kernel *k = &ks->k[i];
            if (!k->replaces) continue;
            variants++;
            char *want = declaration(kernels_find(g, k->name)), *got = declaration(k);
            if (want && (!got || strcmp(want, got) != 0)) {
                print_error("runtime/%s: %s is declared\n  %s\nbut runtime/%s has\n  %s\n", k->path,
                            k->name, got ? got : "(no declaration found)", k->replaces, want);
                fail();
            }
            free(want);
            free(got);
        }
        /* the dense kernels the shipped models call have variants */
        assert_non_null(kernels_find(ks, "conv2d_f32")->replaces);
        assert_non_null(kernels_find(ks, "gemm_acc_nk_f64")->replaces);
        assert_null(kernels_find(ks, "concat")->replaces); /* no variant: memcpy is fine */
        kernels_free(ks);
    }
    kernels_free(g);
    assert_true(variants >= 20);
}

/* True if cmd (a shell command) exits 0. */
static bool run(const char *cmd) {
    return system(cmd) == 0;
}

static bool have(const char *prog) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
    return run(cmd);
}

/*
 * Every file of runtime/avx2 (gcc and clang, -mavx2 -mfma) and runtime/neon
 * (aarch64-linux-gnu-gcc, when installed), each target's vector vocabulary
 * runtime/simd/TARGET.h (avx512: gcc and clang with -mavx512f -mavx512bw
 * -mavx512vl -mfma) and the runtime/simd kernels over it compile as strict C99 with
 * -pedantic (and -Wshadow -Wconversion, which generated code also passes),
 * with only the standard headers, the intrinsics header and the snippets it
 * uses from other files. gcc 12 and clang 14 accept <immintrin.h> and
 * <arm_neon.h> under -std=c99 -pedantic without a warning.
 */
static void test_target_files_compile(void **state) {
    (void)state;
    static const struct {
        const char *dir, *cc, *flags;
    } builds[] = {
        {"avx2", "gcc", "-mavx2 -mfma"},
        {"avx2", "clang", "-mavx2 -mfma"},
        {"avx512", "gcc", "-mavx512f -mavx512bw -mavx512vl -mfma"},
        {"avx512", "clang", "-mavx512f -mavx512bw -mavx512vl -mfma"},
        {"neon", "aarch64-linux-gnu-gcc", ""},
    };
    char dir[] = TSNC_BINARY_DIR "/target_files_XXXXXX";
    assert_non_null(mkdtemp(dir));
    int compiled = 0;
    for (size_t b = 0; b < sizeof builds / sizeof *builds; b++) {
        if (!have(builds[b].cc)) {
            printf("note: %s not installed, runtime/%s not compiled with it\n", builds[b].cc,
                   builds[b].dir);
            continue;
        }
        Diag d = {0};
        KernelSet *ks = kernels_load(builds[b].dir, &d);
        assert_non_null(ks);
        size_t dl = strlen(builds[b].dir);
        char vocab[64];
        snprintf(vocab, sizeof vocab, "simd/%s.h", builds[b].dir);
        for (const TsncRuntimeFile *f = tsnc_runtime_files; f->path; f++) {
            /* the target's files, its vector vocabulary, and the kernels written over it */
            size_t pl = strlen(f->path);
            bool simd_kernel = !strncmp(f->path, "simd/", 5) && pl > 2 && !strcmp(f->path + pl - 2, ".c");
            if ((strncmp(f->path, builds[b].dir, dl) || f->path[dl] != '/') && strcmp(f->path, vocab) && !simd_kernel)
                continue;
            /* what the file's snippets use from elsewhere, then the whole file */
            memset(ks->wanted, 0, (size_t)ks->n * sizeof *ks->wanted);
            for (int i = 0; i < ks->n; i++)
                if (!strcmp(ks->k[i].path, f->path)) kernels_want(ks, ks->k[i].name);
            for (int i = 0; i < ks->n; i++)
                if (!strcmp(ks->k[i].path, f->path)) ks->wanted[i] = false;
            const char *needs[32];
            int n_needs = kernels_needs(ks, needs, 32);
            char path[512], cmd[1536];
            snprintf(path, sizeof path, "%s/check.c", dir);
            FILE *fp = fopen(path, "w");
            assert_non_null(fp);
            fprintf(fp, "#include <float.h>\n#include <math.h>\n#include <stddef.h>\n"
                        "#include <stdint.h>\n#include <string.h>\n#include <%s>\n",
                        strcmp(builds[b].dir, "neon") ? "immintrin.h" : "arm_neon.h");
            for (int i = 0; i < n_needs && i < 32; i++)
                if (needs[i][0] == '<') fprintf(fp, "#include %s\n", needs[i]);
            char *uses = emit_text(ks);
            fprintf(fp, "%s\n%s", uses, f->text);
            free(uses);
            fclose(fp);
            snprintf(cmd, sizeof cmd,
                     "%s -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-unused-function %s "
                     "-O2 -c %s -o %s/check.o",
                     builds[b].cc, builds[b].flags, path, dir);
            if (!run(cmd)) {
                print_error("runtime/%s does not compile as C99 with %s %s\n", f->path,
                            builds[b].cc, builds[b].flags);
                fail();
            }
            compiled++;
        }
        kernels_free(ks);
    }
    assert_true(compiled >= 6);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- the generated file ---- */

static const char CONV_IR[] =
    "graph @g opset 13 {\n"
    "  %x = input : f32[1,1,6,6]\n"
    "  %w = const : f32[2,1,3,3] = dense<[1.0, 0.0, -1.0, 2.0, 0.0, -2.0, 1.0, 0.0, -1.0,"
    " 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]>\n"
    "  %y = Conv(%x, %w) {pads = [1, 1, 1, 1]} : f32[1,2,6,6]\n"
    "  %z = Relu(%y) : f32[1,2,6,6]\n"
    "  return %z\n"
    "}\n";

static char *generate(Target t, char **header) {
    Diag d = {0};
    Graph *g = ir_parse(CONV_IR, sizeof CONV_IR - 1, &d);
    diag_print(&d, stderr);
    assert_non_null(g);
    Buf c = {0}, h = {0};
    CodegenOptions o = {.name = "net", .target = t, .banner = "test"};
    int rc = codegen_c(g, &o, &c, &h, &d);
    diag_print(&d, stderr);
    assert_int_equal(rc, 0);
    graph_free(g);
    buf_append(&c, "", 1);
    buf_append(&h, "", 1);
    *header = h.data;
    return c.data;
}

/* Writes net.c/net.h into a new directory and returns it (malloc'd). */
static char *write_net(const char *c, const char *h) {
    char *dir = malloc(512);
    assert_non_null(dir);
    snprintf(dir, 512, "%s/target_guard_XXXXXX", TSNC_BINARY_DIR);
    assert_non_null(mkdtemp(dir));
    char path[600];
    snprintf(path, sizeof path, "%s/net.c", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(c, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/net.h", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(h, f);
    fclose(f);
    return dir;
}

/* The output of compiling DIR/net.c with cc and flags; *ok: it compiled. */
static char *compile_net(const char *dir, const char *cc, const char *flags, bool *ok) {
    char cmd[1200], path[600];
    snprintf(path, sizeof path, "%s/log.txt", dir);
    snprintf(cmd, sizeof cmd,
             "%s -std=c99 -pedantic -Wall -Wextra -Werror %s -c %s/net.c -o %s/net.o >%s 2>&1", cc,
             flags, dir, dir, path);
    *ok = run(cmd);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *log = calloc(1, 65536);
    assert_non_null(log);
    size_t n = fread(log, 1, 65535, f);
    log[n] = 0;
    fclose(f);
    return log;
}

static void test_generated_guard(void **state) {
    (void)state;
    char *h;
    /* generic: no guard, no intrinsics, the generic kernels */
    char *c = generate(TARGET_GENERIC, &h);
    assert_null(strstr(c, "#error"));
    assert_null(strstr(c, "immintrin"));
    assert_non_null(strstr(c, "from runtime/generic/conv.c"));
    assert_non_null(strstr(c, "kernels, copied from runtime/generic ----"));
    free(c);
    free(h);

    /* avx2: the guard before any include, the variants, the generic rest */
    c = generate(TARGET_AVX2, &h);
    const char *guard = strstr(c, "#if !defined(__AVX2__) || !defined(__FMA__)\n#error");
    assert_non_null(guard);
    assert_true(guard < strstr(c, "#include"));
    assert_non_null(strstr(c, "#include <immintrin.h>"));
    assert_non_null(strstr(c, "/* -- conv2d_f32, from runtime/avx2/conv.c -- */"));
    assert_non_null(strstr(c, "/* -- conv2d_params, from runtime/generic/conv.c -- */"));
    assert_non_null(strstr(c, "/* -- relu_f32, from runtime/avx2/unary.c -- */"));
    /* the dense convolution: avx2/conv.c calls the kernel written once in runtime/simd/conv.c */
    assert_non_null(strstr(c, "kernels, copied from runtime/avx2 and runtime/simd and runtime/generic"));
    assert_non_null(strstr(c, "/* -- conv2d_simd_f32, from runtime/simd/conv.c -- */"));
    assert_non_null(strstr(h, "Compile net.c with -mavx2 -mfma."));
    char *dir = write_net(c, h);
    bool ok;
    char *log = compile_net(dir, "gcc", "", &ok); /* without -mavx2: the guard's message */
    assert_false(ok);
    assert_non_null(strstr(log, "compile with -mavx2 -mfma (tsnc --target avx2)"));
    free(log);
    log = compile_net(dir, "gcc", "-mavx2 -mfma", &ok);
    if (!ok) print_error("%s\n", log);
    assert_true(ok);
    free(log);
    free(c);
    free(h);

    /* neon: its own guard; on x86 the compiler stops there */
    c = generate(TARGET_NEON, &h);
    assert_non_null(strstr(c, "#if !defined(__ARM_NEON) || !defined(__aarch64__)\n#error"));
    assert_non_null(strstr(c, "#include <arm_neon.h>"));
    assert_non_null(strstr(c, "/* -- conv2d_f32, from runtime/neon/conv.c -- */"));
    char *dir2 = write_net(c, h);
    log = compile_net(dir2, "gcc", "", &ok);
    assert_false(ok);
    assert_non_null(strstr(log, "compile for AArch64 with NEON (tsnc --target neon)"));
    free(log);
    if (have("aarch64-linux-gnu-gcc")) {
        log = compile_net(dir2, "aarch64-linux-gnu-gcc", "-O2", &ok);
        if (!ok) print_error("%s\n", log);
        assert_true(ok);
        free(log);
    }
    free(c);
    free(h);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, dir2);
    assert_int_equal(system(cmd), 0);
    free(dir);
    free(dir2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlay),
        cmocka_unit_test(test_overlay_errors),
        cmocka_unit_test(test_variant_signatures),
        cmocka_unit_test(test_target_files_compile),
        cmocka_unit_test(test_generated_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
