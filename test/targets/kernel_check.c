/*
 * kernel_check.c - every target variant of a kernel (runtime/avx2/,
 * runtime/neon/) against its scalar reference in runtime/generic/, on
 * random shapes and values. The variants promise the same results bit for
 * bit (see the comments of the files in runtime/avx2/), so that is checked:
 * the same bits, or NaN where the reference gives NaN.
 *
 * check_kernels.sh generates kernel_variants.h, which includes every
 * runtime/generic/ file and then every runtime/TARGET/ file with the names
 * both define renamed by macros (conv2d_f32 -> tgt_conv2d_f32) and defines
 * HAVE_TGT_<name> for each; this file is compiled with the target's
 * compiler and flags (natively for AVX2, aarch64-linux-gnu-gcc and
 * qemu-aarch64 for NEON). A variant without a check here is reported by
 * the script. Written in C99 like the kernels.
 *
 * usage: kernel_check [SEED]   prints one line per kernel; exits 1 on a mismatch
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_variants.h"

/* ---- random numbers (xorshift64*, reproducible from the seed) ---- */

static uint64_t rng_state = 88172645463325252u;

static uint32_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717u) >> 32);
}

/* An integer in [lo, hi]. */
static long rnd_in(long lo, long hi) {
    return lo + (long)(rnd() % (uint32_t)(hi - lo + 1));
}

/* Mostly uniform in [-2, 2), some exact zeros and small integers, specials if asked. */
static float rnd_value(int specials) {
    uint32_t r = rnd() % 64;
    if (r == 0) return 0.0f;
    if (r == 1) return (float)rnd_in(-3, 3);
    if (specials && r == 2) {
        static const float sp[6] = {-0.0f, 1e-40f, -1e-40f, FLT_MAX, -FLT_MAX, 0.5f};
        return sp[rnd() % 6];
    }
    if (specials && r == 3) return (rnd() & 1) ? INFINITY : -INFINITY;
    if (specials && r == 4) return NAN;
    return (float)((double)rnd() / 4294967296.0 * 4.0 - 2.0);
}

static float *rnd_array(long n, int specials) {
    float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
    long i;
    if (!p) exit(2);
    for (i = 0; i < n; i++) p[i] = rnd_value(specials);
    return p;
}

/* ---- comparison ---- */

static int failures;

/* Same bits, or both NaN; reports the first difference. */
static int same_f32(const char *kernel, const char *what, const float *want, const float *got,
                    long n) {
    long i;
    for (i = 0; i < n; i++) {
        uint32_t a, b;
        memcpy(&a, &want[i], 4);
        memcpy(&b, &got[i], 4);
        if (a != b && !(want[i] != want[i] && got[i] != got[i])) {
            printf("FAIL %s (%s): element %ld of %ld: reference %.9g (0x%08lx), variant %.9g "
                   "(0x%08lx)\n",
                   kernel, what, i, n, (double)want[i], (unsigned long)a, (double)got[i],
                   (unsigned long)b);
            failures++;
            return 0;
        }
    }
    return 1;
}

static void report(const char *kernel, long cases) {
    printf("  %-20s %6ld cases, identical to the generic reference\n", kernel, cases);
}

/* For kernels whose variants add in another order. */
static void report_close(const char *kernel, long cases) {
    printf("  %-20s %6ld cases, equal to the generic reference within float rounding\n", kernel, cases);
}

/* ---- convolution ---- */

#ifdef HAVE_TGT_conv2d_f32
/* A random valid convolution; fixed ones first: the first layers of the shipped CNNs. */
static void conv_case(long i, struct conv2d_params *p) {
    long g, span_h, span_w, pad_b, pad_r;
    if (i < 4) {
        struct conv2d_params fixed = {1, 1, 28, 28, 16, 3, 3, 28, 28, 1, 1, 1, 1, 1, 1, 1};
        fixed.m = i % 2 ? 32 : 16;
        if (i >= 2) fixed.stride_h = fixed.stride_w = 2, fixed.oh = fixed.ow = 14;
        *p = fixed;
        return;
    }
    if (i == 4) { /* input rows too many for the variants' buffers: their scalar path */
        struct conv2d_params wide = {1, 40, 4, 150, 3, 3, 5, 4, 150, 1, 1, 1, 2, 1, 1, 1};
        *p = wide;
        return;
    }
    if (i == 5) { /* an ImageNet stem (3 -> 64 channels, 7x7, stride 2), 4 of its channels */
        struct conv2d_params stem = {1, 3, 224, 224, 4, 7, 7, 112, 112, 2, 2, 3, 3, 1, 1, 1};
        *p = stem;
        return;
    }
    g = rnd_in(1, 4) == 4 ? 2 : 1;
    p->group = g;
    p->n = rnd_in(1, 2);
    p->c = g * rnd_in(1, 3);
    p->m = g * rnd_in(1, 6);
    p->h = rnd_in(1, 12);
    p->w = rnd_in(1, 45);
    p->kh = rnd_in(1, 4);
    p->kw = rnd_in(1, 6);
    p->stride_h = rnd_in(1, 3);
    p->stride_w = rnd_in(1, 3);
    p->dil_h = rnd_in(1, 2);
    p->dil_w = rnd_in(1, 2);
    p->pad_top = rnd_in(0, 2);
    p->pad_left = rnd_in(0, 3);
    pad_b = rnd_in(0, 2);
    pad_r = rnd_in(0, 3);
    span_h = (p->kh - 1) * p->dil_h + 1;
    span_w = (p->kw - 1) * p->dil_w + 1;
    if (p->h + p->pad_top + pad_b < span_h) pad_b = span_h - p->h - p->pad_top + rnd_in(0, 1);
    if (p->w + p->pad_left + pad_r < span_w) pad_r = span_w - p->w - p->pad_left + rnd_in(0, 1);
    p->oh = (p->h + p->pad_top + pad_b - span_h) / p->stride_h + 1;
    p->ow = (p->w + p->pad_left + pad_r - span_w) / p->stride_w + 1;
}

static void check_conv(void) {
    long i, cases = 400;
    for (i = 0; i < cases; i++) {
        struct conv2d_params p;
        long nx, nw, ny;
        float *x, *w, *b, *y0, *y1, *y2;
        int bias = rnd() % 4 != 0;
        conv_case(i, &p);
        nx = p.n * p.c * p.h * p.w;
        nw = p.m * (p.c / p.group) * p.kh * p.kw;
        ny = p.n * p.m * p.oh * p.ow;
        x = rnd_array(nx, 0);
        w = rnd_array(nw, 0);
        b = rnd_array(p.m, 0);
        y0 = rnd_array(ny, 0);
        y1 = rnd_array(ny, 0);
        y2 = rnd_array(ny, 0);
        if (i % 50 == 7) w[rnd() % (uint32_t)nw] = rnd() & 1 ? INFINITY : NAN; /* scalar path */
        conv2d_f32(x, w, bias ? b : NULL, y0, &p);
        tgt_conv2d_f32(x, w, bias ? b : NULL, y1, &p);
        /* and the vectorized kernel's scalar build (runtime/simd/conv.c over scalar.h) */
        conv2d_simd_f32(x, w, bias ? b : NULL, y2, &p);
        if (!same_f32("conv2d_f32", "", y0, y1, ny) || !same_f32("conv2d_f32", "scalar build", y0, y2, ny))
            printf("  case %ld: n %ld c %ld h %ld w %ld m %ld k %ldx%ld out %ldx%ld stride %ld,%ld "
                   "pad %ld,%ld dil %ld,%ld group %ld\n",
                   i, p.n, p.c, p.h, p.w, p.m, p.kh, p.kw, p.oh, p.ow, p.stride_h, p.stride_w,
                   p.pad_top, p.pad_left, p.dil_h, p.dil_w, p.group);
        free(x), free(w), free(b), free(y0), free(y1), free(y2);
    }
    report("conv2d_f32", cases);
}
#endif

/* ---- matrix products ---- */

#ifdef HAVE_TGT_gemm_acc_kn_f64
/* The column kernels that gemm_f32 and matmul_f32 call: the first case is the digits MLP's
 * first layer (K 64, 64 columns of 256), then random K, column counts (tails of 16, 4, 1)
 * and strides of a (transA) and b. The double sums must be identical. */
static void check_gemm_acc(void) {
    long i, cases = 400;
    for (i = 0; i < cases; i++) {
        long k = i == 0 ? 64 : rnd_in(1, 70), len = i == 0 ? 64 : rnd_in(1, 64);
        long as = rnd() % 2 ? 1 : rnd_in(2, 5), bs = len + rnd_in(0, 9);
        float *a = rnd_array(k * as, 0), *bkn = rnd_array(k * bs, 0), *bnk = rnd_array(len * k, 0);
        double acc0[64], acc1[64];
        gemm_acc_kn_f64(a, as, bkn, bs, k, len, acc0);
        tgt_gemm_acc_kn_f64(a, as, bkn, bs, k, len, acc1);
        if (memcmp(acc0, acc1, (size_t)len * sizeof acc0[0]) != 0) {
            printf("FAIL gemm_acc_kn_f64: case %ld (k %ld len %ld as %ld bs %ld)\n", i, k, len, as, bs);
            failures++;
        }
#ifdef HAVE_TGT_gemm_acc_nk_f64
        gemm_acc_nk_f64(a, as, bnk, k, len, acc0);
        tgt_gemm_acc_nk_f64(a, as, bnk, k, len, acc1);
        if (memcmp(acc0, acc1, (size_t)len * sizeof acc0[0]) != 0) {
            printf("FAIL gemm_acc_nk_f64: case %ld (k %ld len %ld as %ld)\n", i, k, len, as);
            failures++;
        }
#endif
        free(a), free(bkn), free(bnk);
    }
    report("gemm_acc_kn_f64", cases);
#ifdef HAVE_TGT_gemm_acc_nk_f64
    report("gemm_acc_nk_f64", cases);
#endif
}
#endif

/* ---- elementwise ---- */

#if defined(HAVE_TGT_binary_same_f32) || defined(HAVE_TGT_binary_scalar_f32)
static const char *const binop_names[8] = {"add", "sub", "mul", "div", "max", "min", "rsub", "rdiv"};
#endif

#ifdef HAVE_TGT_binary_same_f32
static void check_binary_same(void) {
    long i, cases = 0;
    int op;
    for (op = TSNC_ADD; op <= TSNC_RDIV; op++) {
        for (i = 0; i < 40; i++, cases++) {
            long n = i < 20 ? i : rnd_in(20, 300);
            float *a = rnd_array(n, 1), *b = rnd_array(n, 1), *y0 = rnd_array(n, 0),
                  *y1 = rnd_array(n, 0);
            const struct binary_params p = {op, n, 0.0f, 0, NULL, NULL, NULL};
            binary_same_f32(a, b, y0, &p);
            tgt_binary_same_f32(a, b, y1, &p);
            same_f32("binary_same_f32", binop_names[op], y0, y1, n);
            memcpy(y1, a, (size_t)n * sizeof *a); /* in place: y is a */
            tgt_binary_same_f32(y1, b, y1, &p);
            same_f32("binary_same_f32", "in place", y0, y1, n);
            free(a), free(b), free(y0), free(y1);
        }
    }
    report("binary_same_f32", cases);
}
#endif

#ifdef HAVE_TGT_binary_scalar_f32
static void check_binary_scalar(void) {
    long i, cases = 0;
    int op;
    for (op = TSNC_ADD; op <= TSNC_RDIV; op++) {
        for (i = 0; i < 40; i++, cases++) {
            long n = i < 20 ? i : rnd_in(20, 300);
            float s = rnd_value(1);
            float *a = rnd_array(n, 1), *y0 = rnd_array(n, 0), *y1 = rnd_array(n, 0);
            const struct binary_params p = {op, n, s, 0, NULL, NULL, NULL};
            binary_scalar_f32(a, y0, &p);
            tgt_binary_scalar_f32(a, y1, &p);
            same_f32("binary_scalar_f32", binop_names[op], y0, y1, n);
            free(a), free(y0), free(y1);
        }
    }
    report("binary_scalar_f32", cases);
}
#endif

/* One unary kernel y = f(x) (x, y, n) against its variant, in place too. */
#define CHECK_UNARY(NAME, TGT, ...)                                                          \
    do {                                                                                     \
        long i_;                                                                             \
        for (i_ = 0; i_ < 60; i_++) {                                                        \
            long n_ = i_ < 20 ? i_ : rnd_in(20, 300);                                        \
            float *x_ = rnd_array(n_, 1), *y0_ = rnd_array(n_, 0), *y1_ = rnd_array(n_, 0); \
            NAME(x_, y0_, n_ __VA_ARGS__);                                                   \
            TGT(x_, y1_, n_ __VA_ARGS__);                                                    \
            same_f32(#NAME, "", y0_, y1_, n_);                                               \
            TGT(x_, x_, n_ __VA_ARGS__);                                                     \
            same_f32(#NAME, "in place", y0_, x_, n_);                                        \
            free(x_), free(y0_), free(y1_);                                                  \
        }                                                                                    \
        report(#NAME, 60);                                                                   \
    } while (0)

/* The kernels that take a parameter struct, called as (x, y, n, ...) for CHECK_UNARY. */
#ifdef HAVE_TGT_leaky_relu_f32
static void leaky_relu_ref(const float *x, float *y, long n, float alpha) {
    const struct leaky_relu_params p = {n, alpha};
    leaky_relu_f32(x, y, &p);
}
static void leaky_relu_tgt(const float *x, float *y, long n, float alpha) {
    const struct leaky_relu_params p = {n, alpha};
    tgt_leaky_relu_f32(x, y, &p);
}
#endif
#ifdef HAVE_TGT_clip_f32
static void clip_ref(const float *x, float *y, long n, float lo, float hi) {
    const struct clip_params p = {n, lo, hi};
    clip_f32(x, y, &p);
}
static void clip_tgt(const float *x, float *y, long n, float lo, float hi) {
    const struct clip_params p = {n, lo, hi};
    tgt_clip_f32(x, y, &p);
}
#endif

static void check_unary(void) {
    float alpha = 0.01f, lo = -0.5f, hi = 1.25f;
    (void)alpha, (void)lo, (void)hi;
#ifdef HAVE_TGT_abs_f32
    CHECK_UNARY(abs_f32, tgt_abs_f32, );
#endif
#ifdef HAVE_TGT_neg_f32
    CHECK_UNARY(neg_f32, tgt_neg_f32, );
#endif
#ifdef HAVE_TGT_relu_f32
    CHECK_UNARY(relu_f32, tgt_relu_f32, );
#endif
#ifdef HAVE_TGT_leaky_relu_f32
    CHECK_UNARY(leaky_relu_ref, leaky_relu_tgt, , alpha);
#endif
#ifdef HAVE_TGT_reciprocal_f32
    CHECK_UNARY(reciprocal_f32, tgt_reciprocal_f32, );
#endif
#ifdef HAVE_TGT_clip_f32
    CHECK_UNARY(clip_ref, clip_tgt, , lo, hi);
    CHECK_UNARY(clip_ref, clip_tgt, , hi, lo); /* lo > hi gives hi */
#endif
}

#ifdef HAVE_TGT_channel_affine_f32
static void check_channel_affine(void) {
    long i, cases = 100;
    for (i = 0; i < cases; i++) {
        long n = rnd_in(1, 2), c = rnd_in(1, 5), inner = rnd_in(0, 70), total = n * c * inner;
        float *x = rnd_array(total, 1), *mul = rnd_array(c, 0), *add = rnd_array(c, 0),
              *y0 = rnd_array(total, 0), *y1 = rnd_array(total, 0);
        const struct channel_affine_params p = {n, c, inner};
        channel_affine_f32(x, mul, add, y0, &p);
        tgt_channel_affine_f32(x, mul, add, y1, &p);
        same_f32("channel_affine_f32", "", y0, y1, total);
        free(x), free(mul), free(add), free(y0), free(y1);
    }
    report("channel_affine_f32", cases);
}
#endif

/* ---- pooling and reductions ---- */

#if defined(HAVE_TGT_avgpool2d_f32) || defined(HAVE_TGT_maxpool2d_f32)
/* A random valid pooling (max: with dilation), PyTorch's ceil_mode rule included. */
static void pool_case(int max, struct pool2d_params *p) {
    long span_h, span_w, room_h, room_w;
    memset(p, 0, sizeof *p);
    p->n = rnd_in(1, 2);
    p->c = rnd_in(1, 3);
    p->h = rnd_in(1, 10);
    p->w = rnd_in(1, 40);
    p->kh = rnd_in(1, 3);
    p->kw = rnd_in(1, 4);
    p->stride_h = rnd_in(1, 3);
    p->stride_w = rnd_in(1, 3);
    p->dil_h = max ? rnd_in(1, 2) : 1;
    p->dil_w = max ? rnd_in(1, 2) : 1;
    span_h = (p->kh - 1) * p->dil_h + 1;
    span_w = (p->kw - 1) * p->dil_w + 1;
    /* ONNX allows pads up to the window; keep them below it as PyTorch does */
    p->pad_top = rnd_in(0, (span_h - 1) / 2);
    p->pad_left = rnd_in(0, (span_w - 1) / 2);
    p->pad_bottom = rnd_in(0, (span_h - 1) / 2);
    p->pad_right = rnd_in(0, (span_w - 1) / 2);
    if (p->h + p->pad_top + p->pad_bottom < span_h) p->pad_bottom += span_h - p->h;
    if (p->w + p->pad_left + p->pad_right < span_w) p->pad_right += span_w - p->w;
    room_h = p->h + p->pad_top + p->pad_bottom - span_h;
    room_w = p->w + p->pad_left + p->pad_right - span_w;
    p->oh = room_h / p->stride_h + 1;
    p->ow = room_w / p->stride_w + 1;
    if (rnd() & 1) { /* ceil_mode */
        if (room_h % p->stride_h && p->oh * p->stride_h < p->h + p->pad_top) p->oh++;
        if (room_w % p->stride_w && p->ow * p->stride_w < p->w + p->pad_left) p->ow++;
    }
    p->count_include_pad = (int)(rnd() & 1);
}

static void check_pool(int max) {
    const char *name = max ? "maxpool2d_f32" : "avgpool2d_f32";
    long i, cases = 400;
    for (i = 0; i < cases; i++) {
        struct pool2d_params p;
        long nx, ny;
        float *x, *y0, *y1;
        pool_case(max, &p);
        nx = p.n * p.c * p.h * p.w;
        ny = p.n * p.c * p.oh * p.ow;
        x = rnd_array(nx, max);
        y0 = rnd_array(ny, 0);
        y1 = rnd_array(ny, 0);
#ifdef HAVE_TGT_maxpool2d_f32
        if (max) maxpool2d_f32(x, y0, &p), tgt_maxpool2d_f32(x, y1, &p);
#endif
#ifdef HAVE_TGT_avgpool2d_f32
        if (!max) avgpool2d_f32(x, y0, &p), tgt_avgpool2d_f32(x, y1, &p);
#endif
        if (!same_f32(name, "", y0, y1, ny))
            printf("  case %ld: h %ld w %ld k %ldx%ld out %ldx%ld stride %ld,%ld pads %ld,%ld,%ld,%ld "
                   "dil %ld,%ld include_pad %d\n",
                   i, p.h, p.w, p.kh, p.kw, p.oh, p.ow, p.stride_h, p.stride_w, p.pad_top,
                   p.pad_left, p.pad_bottom, p.pad_right, p.dil_h, p.dil_w, p.count_include_pad);
        free(x), free(y0), free(y1);
    }
    report(name, cases);
}
#endif

#ifdef HAVE_TGT_reduce_f32
static void check_reduce(void) {
    long i, cases = 300;
    for (i = 0; i < cases; i++) {
        long d[3] = {0}, ys[3] = {0}, acc = 1, nx = 1, ny;
        struct reduce_params p;
        int rank = (int)rnd_in(1, 3), k, op = (int)rnd_in(0, 2), any = 0;
        float *x, *y0, *y1;
        if (i == 0) { /* the shipped models' mean over 4 timesteps of 10 logits */
            rank = 2, d[0] = 4, d[1] = 10, ys[0] = 0, ys[1] = 1, acc = 10, nx = 40,
            op = TSNC_REDUCE_MEAN;
        } else {
            for (k = rank - 1; k >= 0; k--) {
                int reduced = (int)(rnd() & 1);
                d[k] = rnd_in(1, 20);
                ys[k] = reduced ? 0 : acc;
                if (!reduced) acc *= d[k];
                any |= reduced;
                nx *= d[k];
            }
        }
        (void)any;
        ny = acc;
        x = rnd_array(nx, 1);
        y0 = rnd_array(ny, 0);
        y1 = rnd_array(ny, 0);
        memset(&p, 0, sizeof p);
        p.op = op, p.rank = rank, p.ny = ny;
        for (k = 0; k < rank; k++) p.d[k] = d[k], p.ys[k] = ys[k];
        reduce_f32(x, y0, &p);
        tgt_reduce_f32(x, y1, &p);
        if (!same_f32("reduce_f32", op == TSNC_REDUCE_MAX ? "max" : "sum/mean", y0, y1, ny))
            printf("  case %ld: rank %d\n", i, rank);
        free(x), free(y0), free(y1);
    }
    report("reduce_f32", cases);
}
#endif

/* ---- the spiking neuron and the spike layers (lead's kernels) ---- */

/* Spikes in {-1, 0, 1} (ternary) or {0, 1} (binary), firing with probability rate. */
static float *rnd_spikes(long n, double rate, int ternary) {
    float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
    long i;
    if (!p) exit(2);
    for (i = 0; i < n; i++) {
        double u = (double)rnd() / 4294967296.0;
        p[i] = u >= rate ? 0.0f : (ternary && (rnd() & 1)) ? -1.0f : 1.0f;
    }
    return p;
}

/* |want - got| <= tol * (1 + |want|) for every element (kernels that sum in another order). */
static int close_f32(const char *kernel, const float *want, const float *got, long n, double tol) {
    long i;
    for (i = 0; i < n; i++)
        if (!(fabs((double)want[i] - (double)got[i]) <= tol * (1.0 + fabs((double)want[i])))) {
            printf("FAIL %s: element %ld of %ld: reference %.9g, variant %.9g\n", kernel, i, n,
                   (double)want[i], (double)got[i]);
            failures++;
            return 0;
        }
    return 1;
}

#ifdef HAVE_TGT_lif_f32
static void check_lif(void) {
    long i, cases = 300;
    for (i = 0; i < cases; i++) {
        long n = rnd_in(1, 300);
        struct lif_params p = {0};
        float *x = rnd_array(n, i % 3 == 0), *mp = rnd_array(n, 0);
        float *s0 = rnd_array(n, 0), *s1 = rnd_array(n, 0), *m0 = rnd_array(n, 0), *m1 = rnd_array(n, 0);
        int first = rnd() % 4 == 0, no_m = rnd() % 5 == 0;
        p.decay = rnd() % 2 ? 0.25f : 0.7f;
        p.vth = rnd() % 3 ? 1.0f : 1.3f;
        p.up = rnd() % 2 ? 0.5f : 0.25f;
        p.down = rnd() % 6 ? -p.up : p.up - 0.125f; /* sometimes overlapping: +1 wins */
        p.ternary = (int)(rnd() % 2);
        p.up_inclusive = (int)(rnd() % 2);
        p.down_inclusive = (int)(rnd() % 2);
        p.n = n;
        /* some potentials exactly on the thresholds */
        if (n > 2) x[0] = p.up, x[1] = p.down, x[2] = 0.0f;
        lif_f32(x, first ? NULL : mp, s0, no_m ? NULL : m0, &p);
        tgt_lif_f32(x, first ? NULL : mp, s1, no_m ? NULL : m1, &p);
        same_f32("lif_f32", "spikes", s0, s1, n);
        if (!no_m) same_f32("lif_f32", "membrane", m0, m1, n);
        free(x), free(mp), free(s0), free(s1), free(m0), free(m1);
    }
    report("lif_f32", cases);
}
#endif

#ifdef HAVE_TGT_spike_pack_f32
static void check_pack(void) {
    long i, cases = 300;
    for (i = 0; i < cases; i++) {
        long n = rnd_in(1, 3), c = rnd() % 3 == 0 ? 32 * rnd_in(1, 2) : rnd() % 2 ? 16 : rnd_in(1, 40);
        long p = rnd_in(1, 70), groups;
        int group = rnd() % 4 ? 4 : (int)rnd_in(1, 5), ternary = (int)(rnd() % 2), cl = (int)(rnd() % 2);
        float *x;
        unsigned char *c0, *c1;
        if (!ternary && group > 5) group = 5;
        groups = (c + group - 1) / group;
        x = rnd_spikes(n * c * p, 0.55, ternary);
        c0 = calloc((size_t)(n * p * groups), 1);
        c1 = calloc((size_t)(n * p * groups), 1);
        if (!c0 || !c1) exit(2);
        {
            const struct spike_pack_params sp = {n, c, p, cl ? 1 : p, cl ? c : 1, group, ternary};
            spike_pack_f32(x, c0, &sp);
            tgt_spike_pack_f32(x, c1, &sp);
        }
        if (memcmp(c0, c1, (size_t)(n * p * groups)) != 0) {
            printf("FAIL spike_pack_f32: case %ld (n %ld c %ld p %ld group %d ternary %d channels-last %d)\n",
                   i, n, c, p, group, ternary, cl);
            failures++;
        }
        free(x), free(c0), free(c1);
    }
    report("spike_pack_f32", cases);
}
#endif

#ifdef HAVE_TGT_lif_pack_f32
static void check_lif_pack(void) {
    long i, cases = 300;
    for (i = 0; i < cases; i++) {
        long n = rnd_in(1, 3), c = rnd() % 3 == 0 ? 32 * rnd_in(1, 2) : rnd() % 2 ? 16 : rnd_in(1, 40);
        long p = rnd_in(1, 70), groups, total, xc, xq;
        int group = rnd() % 4 ? 4 : (int)rnd_in(1, 5), cl = (int)(rnd() % 2);
        int first = rnd() % 4 == 0, no_m = rnd() % 5 == 0;
        struct lif_params pr = {0};
        float *x, *mp, *m0, *m1;
        unsigned char *c0, *c1;
        pr.decay = rnd() % 2 ? 0.25f : 0.7f;
        pr.vth = rnd() % 3 ? 1.0f : 1.3f;
        pr.up = rnd() % 2 ? 0.5f : 0.25f;
        pr.down = rnd() % 6 ? -pr.up : pr.up - 0.125f; /* sometimes overlapping: +1 wins */
        pr.ternary = (int)(rnd() % 2);
        pr.up_inclusive = (int)(rnd() % 2);
        pr.down_inclusive = (int)(rnd() % 2);
        groups = (c + group - 1) / group;
        total = n * c * p;
        xc = cl ? 1 : p;
        xq = cl ? c : 1;
        pr.n = n, pr.c = c, pr.p = p, pr.xc = xc, pr.xq = xq, pr.group = group;
        x = rnd_array(total, i % 3 == 0), mp = rnd_array(total, 0);
        m0 = rnd_array(total, 0), m1 = rnd_array(total, 0);
        /* some potentials exactly on the thresholds */
        if (total > 2) x[0] = pr.up, x[1] = pr.down, x[2] = 0.0f;
        c0 = calloc((size_t)(n * p * groups), 1);
        c1 = calloc((size_t)(n * p * groups), 1);
        if (!c0 || !c1) exit(2);
        lif_pack_f32(x, first ? NULL : mp, c0, no_m ? NULL : m0, &pr);
        tgt_lif_pack_f32(x, first ? NULL : mp, c1, no_m ? NULL : m1, &pr);
        if (memcmp(c0, c1, (size_t)(n * p * groups)) != 0) {
            printf("FAIL lif_pack_f32: case %ld (n %ld c %ld p %ld group %d ternary %d channels-last %d)\n",
                   i, n, c, p, group, pr.ternary, cl);
            failures++;
        }
        if (!no_m) same_f32("lif_pack_f32", "membrane", m0, m1, total);
        free(x), free(mp), free(m0), free(m1), free(c0), free(c1);
    }
    report("lif_pack_f32", cases);
}
#endif

#ifdef HAVE_TGT_lif_pack_steps_f32
/* Half the cases in the shape of the vector path (one NCHW sample of 16 channels, pixels a
 * multiple of 8, vth 1, last membrane unused), the rest anything lif_pack_f32 takes. */
static void check_lif_pack_steps(void) {
    long i, cases = 200;
    for (i = 0; i < cases; i++) {
        int fast = i % 2 == 0, keep_m = fast ? 0 : (int)(rnd() % 2), group = fast ? 4 : (int)rnd_in(1, 5);
        long steps = rnd_in(1, 6), n = fast ? 1 : rnd_in(1, 2), c = fast ? 16 : rnd_in(1, 20);
        long p = fast ? 8 * rnd_in(1, 12) : rnd_in(1, 40), groups = (c + group - 1) / group;
        long total = n * c * p, codes = steps * n * p * groups;
        int cl = fast ? 0 : (int)(rnd() % 2);
        struct lif_params pr = {0};
        float *x = rnd_array(total, i % 3 == 0), *m0 = rnd_array(total, 0), *m1 = rnd_array(total, 0);
        unsigned char *c0 = calloc((size_t)codes, 1), *c1 = calloc((size_t)codes, 1);
        if (!c0 || !c1) exit(2);
        pr.decay = rnd() % 2 ? 0.25f : 0.7f;
        pr.vth = fast || rnd() % 3 ? 1.0f : 1.3f;
        pr.up = rnd() % 2 ? 0.5f : 0.25f;
        pr.down = rnd() % 6 ? -pr.up : pr.up - 0.125f;
        pr.ternary = (int)(rnd() % 2);
        pr.up_inclusive = (int)(rnd() % 2);
        pr.down_inclusive = (int)(rnd() % 2);
        pr.n = n, pr.c = c, pr.p = p, pr.xc = cl ? 1 : p, pr.xq = cl ? c : 1, pr.group = group;
        pr.steps = steps, pr.keep_m = keep_m;
        if (total > 2) x[0] = pr.up, x[1] = pr.down, x[2] = 0.0f;
        lif_pack_steps_f32(x, c0, m0, &pr);
        tgt_lif_pack_steps_f32(x, c1, m1, &pr);
        if (memcmp(c0, c1, (size_t)codes) != 0) {
            printf("FAIL lif_pack_steps_f32: case %ld (steps %ld n %ld c %ld p %ld group %d ternary %d)\n", i,
                   steps, n, c, p, group, pr.ternary);
            failures++;
        }
        if (keep_m) same_f32("lif_pack_steps_f32", "membrane", m0, m1, total);
        free(x), free(m0), free(m1), free(c0), free(c1);
    }
    report("lif_pack_steps_f32", cases);
}
#endif

/* A random undilated-or-dilated convolution with one group, for the spike layers. */
static void spike_conv_case(struct conv2d_params *p) {
    long pad_b, pad_r, span_h, span_w;
    p->group = 1;
    p->n = rnd_in(1, 3);
    p->c = rnd() % 2 ? 16 : rnd_in(1, 20);
    p->m = rnd() % 2 ? 8 * rnd_in(1, 9) : rnd_in(1, 20);
    p->h = rnd_in(1, 10);
    p->w = rnd_in(1, 10);
    p->kh = rnd_in(1, 4);
    p->kw = rnd_in(1, 4);
    p->stride_h = rnd_in(1, 2);
    p->stride_w = rnd_in(1, 2);
    p->dil_h = rnd() % 4 ? 1 : 2;
    p->dil_w = rnd() % 4 ? 1 : 2;
    p->pad_top = rnd_in(0, 2);
    p->pad_left = rnd_in(0, 2);
    pad_b = rnd_in(0, 2);
    pad_r = rnd_in(0, 2);
    span_h = (p->kh - 1) * p->dil_h + 1;
    span_w = (p->kw - 1) * p->dil_w + 1;
    if (p->h + p->pad_top + pad_b < span_h) pad_b = span_h - p->h - p->pad_top;
    if (p->w + p->pad_left + pad_r < span_w) pad_r = span_w - p->w - p->pad_left;
    p->oh = (p->h + p->pad_top + pad_b - span_h) / p->stride_h + 1;
    p->ow = (p->w + p->pad_left + pad_r - span_w) / p->stride_w + 1;
}

#ifdef HAVE_TGT_spike_conv2d_lut_f32
static void check_spike_lut(void) {
    long i, cases = 200;
    for (i = 0; i < cases; i++) {
        struct spike_conv2d_params sp;
        struct conv2d_params p;
        long taps, groups, entries, ny, t, *tap_table, distinct;
        int ternary = (int)(rnd() % 2), cl = (int)(rnd() % 3 != 0), bias = (int)(rnd() % 4 != 0);
        float *x, *wt, *lut, *b, *y0, *y1;
        unsigned char *codes;
        spike_conv_case(&p);
        taps = p.kh * p.kw;
        groups = (p.c + 3) / 4;
        entries = ternary ? 81 : 16;
        /* sometimes two taps share a table, as after a composed pooling */
        tap_table = malloc((size_t)taps * sizeof *tap_table);
        if (!tap_table) exit(2);
        distinct = 0;
        for (t = 0; t < taps; t++) tap_table[t] = (t > 0 && rnd() % 3 == 0) ? tap_table[t - 1] : distinct++;
        x = rnd_spikes(p.n * p.c * p.h * p.w, 0.6, ternary);
        wt = rnd_array(distinct * p.c * p.m, 0);
        lut = rnd_array(distinct * groups * entries * p.m, 0);
        b = rnd_array(p.m, 0);
        codes = calloc((size_t)(p.n * p.h * p.w * groups), 1);
        if (!codes) exit(2);
        ny = p.n * p.m * p.oh * p.ow;
        y0 = rnd_array(ny, 0);
        y1 = rnd_array(ny, 0);
        {
            const struct spike_pack_params pk = {p.n, p.c, p.h * p.w, p.h * p.w, 1, 4, ternary};
            const struct spike_lut_params lp = {distinct, p.c, p.m, 4, ternary};
            spike_pack_f32(x, codes, &pk);
            spike_lut_build_f32(wt, lut, &lp);
        }
        memset(&sp, 0, sizeof sp);
        sp.conv = p, sp.groups = groups, sp.entries = entries;
        sp.yq = cl ? p.m : 1, sp.ym = cl ? 1 : p.oh * p.ow;
        spike_conv2d_lut_f32(codes, lut, tap_table, bias ? b : NULL, y0, &sp);
        tgt_spike_conv2d_lut_f32(codes, lut, tap_table, bias ? b : NULL, y1, &sp);
        if (!same_f32("spike_conv2d_lut_f32", cl ? "channels-last" : "row-major", y0, y1, ny))
            printf("  case %ld: n %ld c %ld %ldx%ld m %ld k %ldx%ld stride %ld,%ld\n", i, p.n, p.c,
                   p.h, p.w, p.m, p.kh, p.kw, p.stride_h, p.stride_w);
        free(x), free(wt), free(lut), free(b), free(codes), free(y0), free(y1), free(tap_table);
    }
    report("spike_conv2d_lut_f32", cases);
}
#endif

#ifdef HAVE_TGT_spike_conv2d_f32
/* The events kernels add in different orders: equal within float rounding. */
static void check_spike_events(void) {
    long i, cases = 200;
    for (i = 0; i < cases; i++) {
        struct spike_conv2d_params sp;
        struct conv2d_params p;
        long nx, ny;
        int ternary = (int)(rnd() % 2), xcl = (int)(rnd() % 2), ycl = (int)(rnd() % 3 != 0);
        float *x, *wt, *b, *y0, *y1;
        spike_conv_case(&p);
        nx = p.n * p.c * p.h * p.w;
        ny = p.n * p.m * p.oh * p.ow;
        x = rnd_spikes(nx, rnd() % 2 ? 0.6 : 0.1, ternary);
        wt = rnd_array(p.c * p.kh * p.kw * p.m, 0);
        b = rnd_array(p.m, 0);
        y0 = rnd_array(ny, 0);
        y1 = rnd_array(ny, 0);
        memset(&sp, 0, sizeof sp);
        sp.conv = p, sp.xc = xcl ? 1 : p.h * p.w, sp.xq = xcl ? p.c : 1;
        sp.yq = ycl ? p.m : 1, sp.ym = ycl ? 1 : p.oh * p.ow;
        spike_conv2d_f32(x, wt, b, y0, &sp);
        tgt_spike_conv2d_f32(x, wt, b, y1, &sp);
        if (!close_f32("spike_conv2d_f32", y0, y1, ny, 1e-5))
            printf("  case %ld: n %ld c %ld %ldx%ld m %ld k %ldx%ld\n", i, p.n, p.c, p.h, p.w, p.m, p.kh, p.kw);
        free(x), free(wt), free(b), free(y0), free(y1);
    }
    report_close("spike_conv2d_f32", cases);
}
#endif

#ifdef HAVE_TGT_spike_conv2d_gather_f32
/*
 * The gather convolution (runtime/simd/spike_gather.c, one source over the target's vector
 * vocabulary) against the same source over the scalar vocabulary: the same bits, as its order
 * of additions does not depend on the vector width. The scalar build is also checked against
 * the events reference spike_conv2d_f32, an independent loop, within float rounding. Random
 * shapes (strides, dilations, padding, 1x1 kernels, up to 150 channels), weight tiles of a few
 * channels to all of them, and firing rates of 0 %, 100 % and in between.
 */
static void check_spike_gather(void) {
    long i, cases = 300;
    static const double rates[6] = {0.0, 1.0, 0.05, 0.3, 0.6, 0.2};
    for (i = 0; i < cases; i++) {
        struct spike_conv2d_params sp;
        struct conv2d_params p;
        long ny, taps, t, c, m, m0, ct, mb, tiles, nev, distinct, tap_table[64];
        int ternary = (int)(rnd() % 4 != 0), xcl = (int)(rnd() % 3 != 0), ycl = (int)(rnd() % 3 != 0);
        int bias = (int)(rnd() % 4 != 0);
        float *x, *wt, *wg, *b, *y0, *y1, *y2;
        unsigned short *ev;
        spike_conv_case(&p);
        if (i % 3 == 0) p.c = rnd_in(20, 150), p.m = rnd() % 2 ? 16 * rnd_in(1, 10) : rnd_in(1, 150);
        if (i % 5 == 0) { /* a 1x1 (downsample shortcut), strided or not */
            p.kh = p.kw = 1, p.dil_h = p.dil_w = 1, p.pad_top = p.pad_left = 0;
            p.oh = (p.h - 1) / p.stride_h + 1, p.ow = (p.w - 1) / p.stride_w + 1;
        }
        taps = p.kh * p.kw;
        ct = rnd() % 2 ? p.c : rnd_in(1, p.c);
        /* blocks of the weights' layout: the generated code's 8 vectors, or any width */
        mb = rnd() % 2 ? 8 * TSNC_VW : rnd_in(1, p.m + 8); /* TSNC_VW: the target vocabulary's, included last */
        tiles = (p.c + ct - 1) / ct;
        nev = p.n * p.h * p.w * tiles * (ct + 2) + 64;
        x = rnd_spikes(p.n * p.c * p.h * p.w, rates[i % 6], ternary);
        wt = rnd_array(p.c * taps * p.m, 0);
        wg = malloc((size_t)(taps * p.c * p.m + 1) * sizeof *wg);
        ev = malloc((size_t)nev * sizeof *ev);
        if (!wg || !ev) exit(2);
        /* a quarter of the cases share weight slices between taps, as a composed pooling does */
        distinct = i % 4 == 1 ? rnd_in(1, taps) : taps;
        for (t = 0; t < taps; t++) tap_table[t] = t % distinct;
        for (c = 0; c < p.c; c++)
            for (t = 0; t < taps; t++)
                for (m = 0; m < p.m; m++) wt[(c * taps + t) * p.m + m] = wt[(c * taps + tap_table[t]) * p.m + m];
        for (m0 = 0; m0 < p.m; m0 += mb) { /* block [m0, m0 + bw): (distinct, C, bw) at wg + m0*distinct*C */
            long bw = p.m - m0 < mb ? p.m - m0 : mb;
            for (c = 0; c < p.c; c++)
                for (t = 0; t < distinct; t++)
                    for (m = 0; m < bw; m++)
                        wg[m0 * distinct * p.c + (t * p.c + c) * bw + m] = wt[(c * taps + t) * p.m + m0 + m];
        }
        b = rnd_array(p.m, 0);
        ny = p.n * p.m * p.oh * p.ow;
        y0 = rnd_array(ny, 0);
        y1 = rnd_array(ny, 0);
        y2 = rnd_array(ny, 0);
        memset(&sp, 0, sizeof sp);
        sp.conv = p, sp.xc = xcl ? 1 : p.h * p.w, sp.xq = xcl ? p.c : 1;
        sp.yq = ycl ? p.m : 1, sp.ym = ycl ? 1 : p.oh * p.ow, sp.ct = ct, sp.mb = mb;
        spike_conv2d_f32(x, wt, bias ? b : NULL, y0, &sp);
        spike_conv2d_gather_f32(x, wg, tap_table, bias ? b : NULL, y1, ev, &sp);
        tgt_spike_conv2d_gather_f32(x, wg, tap_table, bias ? b : NULL, y2, ev, &sp);
        /* up to ~2000 terms in [-2, 2) summed in another order: 1e-4 of 1 + |sum| */
        if (!close_f32("spike_conv2d_gather_f32 (scalar, against events)", y0, y1, ny, 1e-4) ||
            !same_f32("spike_conv2d_gather_f32", ycl ? "channels-last" : "row-major", y1, y2, ny))
            printf("  case %ld: n %ld c %ld %ldx%ld m %ld k %ldx%ld stride %ld,%ld ct %ld mb %ld rate %.2f\n", i, p.n,
                   p.c, p.h, p.w, p.m, p.kh, p.kw, p.stride_h, p.stride_w, ct, mb, rates[i % 6]);
        free(x), free(wt), free(wg), free(ev), free(b), free(y0), free(y1), free(y2);
    }
    report("spike_conv2d_gather_f32", cases);
}
#endif

#ifdef HAVE_TGT_spike_gemm_dense_f32
static void check_spike_gemm_dense(void) {
    long i, cases = 200;
    for (i = 0; i < cases; i++) {
        long m = rnd_in(1, 5), k = rnd_in(1, 300), n = rnd_in(1, 12);
        int full = (int)(rnd() % 3 == 0), bias = (int)(rnd() % 4 != 0);
        float *a = rnd_spikes(m * k, 0.6, 1), *w = rnd_array(n * k, 0), *c = rnd_array(m * n, 0);
        float *y0 = rnd_array(m * n, 0), *y1 = rnd_array(m * n, 0);
        const struct spike_gemm_params gp = {m, k, n, full ? n : 0};
        spike_gemm_dense_f32(a, w, bias ? c : NULL, y0, &gp);
        tgt_spike_gemm_dense_f32(a, w, bias ? c : NULL, y1, &gp);
        close_f32("spike_gemm_dense_f32", y0, y1, m * n, 1e-5);
        free(a), free(w), free(c), free(y0), free(y1);
    }
    report_close("spike_gemm_dense_f32", cases);
}
#endif

int main(int argc, char **argv) {
    if (argc > 1) rng_state = strtoull(argv[1], NULL, 10) * 2654435761u + 1;
    printf("%s variants against runtime/generic:\n", TSNC_TARGET_NAME);
#ifdef HAVE_TGT_conv2d_f32
    check_conv();
#endif
#ifdef HAVE_TGT_gemm_acc_kn_f64
    check_gemm_acc();
#endif
#ifdef HAVE_TGT_binary_same_f32
    check_binary_same();
#endif
#ifdef HAVE_TGT_binary_scalar_f32
    check_binary_scalar();
#endif
    check_unary();
#ifdef HAVE_TGT_channel_affine_f32
    check_channel_affine();
#endif
#ifdef HAVE_TGT_avgpool2d_f32
    check_pool(0);
#endif
#ifdef HAVE_TGT_maxpool2d_f32
    check_pool(1);
#endif
#ifdef HAVE_TGT_reduce_f32
    check_reduce();
#endif
#ifdef HAVE_TGT_lif_f32
    check_lif();
#endif
#ifdef HAVE_TGT_spike_pack_f32
    check_pack();
#endif
#ifdef HAVE_TGT_lif_pack_f32
    check_lif_pack();
#endif
#ifdef HAVE_TGT_lif_pack_steps_f32
    check_lif_pack_steps();
#endif
#ifdef HAVE_TGT_spike_conv2d_lut_f32
    check_spike_lut();
#endif
#ifdef HAVE_TGT_spike_conv2d_f32
    check_spike_events();
#endif
#ifdef HAVE_TGT_spike_gemm_dense_f32
    check_spike_gemm_dense();
#endif
#ifdef HAVE_TGT_spike_conv2d_gather_f32
    check_spike_gather();
#endif
    printf(failures ? "FAIL: %d mismatches\n" : "PASS\n", failures);
    return failures ? 1 : 0;
}
