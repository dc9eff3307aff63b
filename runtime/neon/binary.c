/*
 * binary.c - AArch64 NEON variants of the same-shape and scalar forms of
 * runtime/generic/binary.c (same signatures, the same results bit for bit).
 * The broadcast form and Pow stay generic.
 *
 * needs: <arm_neon.h>, AArch64 (vdivq_f32)
 *
 * Four lanes per instruction, the leftovers in scalar code. AArch64's
 * vector arithmetic is IEEE (no flush to zero unless FPCR asks for it), so
 * a lane rounds as scalar code does. Max and Min are selects on a compare,
 * a > b ? a : b and a < b ? a : b as in the generic kernels (vmaxq_f32
 * would return NaN for a NaN operand instead). y may be the same buffer as
 * an operand.
 */

/* @kernel binop_neon uses binop needs <arm_neon.h> */
/* a op b on four lanes, as the expressions of the generic kernels. */
static float32x4_t binop_neon(int op, float32x4_t a, float32x4_t b)
{
    switch (op) {
    case TSNC_ADD: return vaddq_f32(a, b);
    case TSNC_SUB: return vsubq_f32(a, b);
    case TSNC_MUL: return vmulq_f32(a, b);
    case TSNC_DIV: return vdivq_f32(a, b);
    case TSNC_MAX: return vbslq_f32(vcgtq_f32(a, b), a, b);
    case TSNC_MIN: return vbslq_f32(vcltq_f32(a, b), a, b);
    case TSNC_RSUB: return vsubq_f32(b, a);
    default: return vdivq_f32(b, a); /* TSNC_RDIV */
    }
}

/* The same on one float (the leftovers). */
static float binop1_neon(int op, float a, float b)
{
    switch (op) {
    case TSNC_ADD: return a + b;
    case TSNC_SUB: return a - b;
    case TSNC_MUL: return a * b;
    case TSNC_DIV: return a / b;
    case TSNC_MAX: return a > b ? a : b;
    case TSNC_MIN: return a < b ? a : b;
    case TSNC_RSUB: return b - a;
    default: return b / a; /* TSNC_RDIV */
    }
}

/* @kernel binary_same_f32 uses binop binary_params binop_neon needs <arm_neon.h> */
/* y[i] = a[i] op b[i], i < n: operands of the same shape. */
static void binary_same_f32(const float *a, const float *b, float *y, const struct binary_params *p)
{
    const int op = p->op;
    const long n = p->n;
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) vst1q_f32(y + i, binop_neon(op, vld1q_f32(a + i), vld1q_f32(b + i)));
    for (; i < n; i++) y[i] = binop1_neon(op, a[i], b[i]);
}

/* @kernel binary_scalar_f32 uses binop binary_params binop_neon needs <arm_neon.h> */
/* y[i] = a[i] op s, i < n (RSUB: s - a[i], RDIV: s / a[i]). */
static void binary_scalar_f32(const float *a, float *y, const struct binary_params *p)
{
    const int op = p->op;
    const long n = p->n;
    const float s = p->s;
    float32x4_t vs = vdupq_n_f32(s);
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) vst1q_f32(y + i, binop_neon(op, vld1q_f32(a + i), vs));
    for (; i < n; i++) y[i] = binop1_neon(op, a[i], s);
}
