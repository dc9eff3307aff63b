/*
 * emit_weights.c - how NAME.c reaches its constant arrays, for each
 * --weights mode (docs/generated-api.md, "Weights"):
 *
 *   inline  every array in NAME.c, float bits written as hexadecimal
 *           integer words (parsed fast, read back bit for bit);
 *   embed   the weight image NAME.bin assembled into the program by
 *           NAME_weights.S (.incbin), NAME_run reads it at fixed offsets;
 *   load    the caller hands the image to NAME_set_weights (flash, a file,
 *           mmap), which checks it before NAME_run may read it.
 *
 * In every mode NAME_run starts with one `const T *const w_x = ...;` per
 * array, so the body reads weights through the same identifiers whatever
 * the mode, and the arrays sit at the same alignment (weights.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "codegen/emit_ctx.h"

const char *weights_mode_name(WeightsMode m) {
    switch (m) {
    case WEIGHTS_AUTO: return "auto";
    case WEIGHTS_INLINE: return "inline";
    case WEIGHTS_EMBED: return "embed";
    case WEIGHTS_LOAD: return "load";
    default: return "?";
    }
}

WeightsMode weights_mode_from_name(const char *s) {
    for (int m = 0; m < WEIGHTS_MODE_COUNT; m++)
        if (strcmp(s, weights_mode_name((WeightsMode)m)) == 0) return (WeightsMode)m;
    return WEIGHTS_MODE_COUNT;
}

bool weights_section_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > WEIGHTS_SECTION_MAX) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.'))
            return false;
    return true;
}

WeightsMode weights_resolve(WeightsMode m, int64_t payload_bytes) {
    if (m != WEIGHTS_AUTO) return m;
    return payload_bytes < WEIGHTS_AUTO_INLINE_MAX ? WEIGHTS_INLINE : WEIGHTS_EMBED;
}

/* The file-scope name of an inline array: tsnc_ + its identifier (never a value's name, w_/t_). */
static void inline_name(Buf *b, const WeightArray *w) {
    buf_printf(b, "tsnc_%s", w->name);
}

static uint64_t get_le(const unsigned char *p, size_t bytes) {
    uint64_t v = 0;
    for (size_t i = bytes; i-- > 0;) v = v << 8 | p[i];
    return v;
}

/* "0x3f800000" for a word of `digits` hex digits, fast (millions of them). */
static void hex_word(Buf *b, uint64_t v, int digits) {
    static const char hex[] = "0123456789abcdef";
    char s[20];
    s[0] = '0';
    s[1] = 'x';
    for (int i = 0; i < digits; i++) s[2 + i] = hex[(v >> (4 * (digits - 1 - i))) & 15];
    buf_append(b, s, (size_t)digits + 2);
}

/* The elements of w, 8 a line (4 for 64-bit ones), from the image's little-endian bytes. */
static void inline_values(Buf *b, const WeightPool *p, const WeightArray *w) {
    size_t es = dtype_size(w->dtype);
    const unsigned char *d = (const unsigned char *)p->image.data + w->offset;
    int per_line = es == 8 ? 4 : 8;
    char lit[C_LITERAL_MAX];
    if (w->count == 0) buf_printf(b, "    0\n");
    for (int64_t i = 0; i < w->count; i++) {
        const unsigned char *e = d + (size_t)i * es;
        if (i % per_line == 0) buf_append(b, "    ", 4);
        switch (w->dtype) {
        case DT_F32: hex_word(b, get_le(e, 4), 8); break;
        case DT_F64:
            buf_printf(b, "UINT64_C(");
            hex_word(b, get_le(e, 8), 16);
            buf_printf(b, ")");
            break;
        case DT_I64: buf_printf(b, "%s", c_i64_literal(lit, (int64_t)get_le(e, 8))); break;
        case DT_I32: buf_printf(b, "%s", c_int_literal(lit, (int32_t)(uint32_t)get_le(e, 4))); break;
        case DT_I16: buf_printf(b, "%d", (int)(int16_t)(uint16_t)get_le(e, 2)); break;
        case DT_I8: buf_printf(b, "%d", (int)(signed char)e[0]); break;
        default: buf_printf(b, "%d", (int)e[0]); break; /* u8, bool */
        }
        if (i + 1 == w->count)
            buf_append(b, "\n", 1);
        else
            buf_append(b, (i + 1) % per_line == 0 ? ",\n" : ", ", 2);
    }
}

/* The table of arrays at the top of the weights: name, type, offset in NAME.bin, origin. */
static void weight_table(const EmitCtx *cx, const char *name, WeightsMode mode, Buf *c) {
    const WeightPool *p = &cx->weights;
    int shared = 0;
    for (int i = 0; i < p->n; i++) shared += p->a[i].shared;
    buf_printf(c,
               "/*\n * Weights: %d arrays, %lld bytes (row-major ONNX element order, or as the\n"
               " * comment says); %d more uses share an array with equal bytes (%lld bytes before\n"
               " * sharing). ",
               p->n, (long long)weights_payload_bytes(p), shared, (long long)p->added_bytes);
    if (mode == WEIGHTS_INLINE)
        buf_printf(c, "Defined below (--weights=inline).\n");
    else if (mode == WEIGHTS_EMBED)
        buf_printf(c, "In %s.bin, assembled by %s_weights.S (--weights=embed).\n", name, name);
    else
        buf_printf(c, "In the image given to %s_set_weights (--weights=load).\n", name);
    buf_printf(c, " *\n *   %-32s %-14s %10s  what\n", "array", "type", "offset");
    for (int i = 0; i < p->n; i++) {
        const WeightArray *w = &p->a[i];
        char ty[64];
        snprintf(ty, sizeof ty, "%s[%lld]", dtype_name(w->dtype), (long long)w->count);
        buf_printf(c, " *   %-32s %-14s %10lld  ", w->name, ty, (long long)w->offset);
        c_comment_text(c, w->comment ? w->comment : "", false, 160);
        if (w->shared) buf_printf(c, " (+%d uses)", w->shared);
        buf_printf(c, "\n");
    }
    buf_printf(c, " */\n");
}

void weights_emit_c(const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, Buf *c) {
    const WeightPool *p = &cx->weights;
    if (p->n == 0 && mode == WEIGHTS_INLINE) return;
    weight_table(cx, o->name, mode, c);
    if (mode != WEIGHTS_INLINE)
        buf_printf(c, "#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__\n"
                      "#error \"%s.bin is little-endian: build --weights=inline for this target\"\n#endif\n",
                   o->name);
    if (mode == WEIGHTS_EMBED) {
        buf_printf(c, "/* %s.bin, put into the program by %s_weights.S (%lld bytes). */\n"
                      "extern const unsigned char %s_weights_blob[];\n\n",
                   o->name, o->name, (long long)p->image.len, o->name);
        return;
    }
    if (mode == WEIGHTS_LOAD) {
        buf_printf(c,
                   "/* The image given to %s_set_weights; NULL until a call succeeds. */\n"
                   "static const unsigned char *tsnc_weights;\n\n",
                   o->name);
        return;
    }
    /* inline: aligned like in the image; in the section asked for */
    buf_printf(c, "#if defined(__GNUC__)\n");
    if (o->weights_section)
        buf_printf(c, "#define TSNC_WEIGHTS_AT(a) __attribute__((aligned(a), section(\"%s\")))\n",
                   o->weights_section);
    else
        buf_printf(c, "#define TSNC_WEIGHTS_AT(a) __attribute__((aligned(a)))\n");
    buf_printf(c, "#else\n#define TSNC_WEIGHTS_AT(a)\n#endif\n\n");
    for (int i = 0; i < p->n; i++) {
        const WeightArray *w = &p->a[i];
        long long n = w->count ? (long long)w->count : 1;
        buf_printf(c, "/* %s: ", w->name);
        c_comment_text(c, w->comment ? w->comment : "", false, 200);
        buf_printf(c, " */\n");
        if (w->dtype == DT_F32 || w->dtype == DT_F64) {
            /* the bits as integers; the union reads them back as floats (C99 6.5.2.3) */
            bool f = w->dtype == DT_F32;
            buf_printf(c, "static const union { %s u[%lld]; %s f[%lld]; } ", f ? "uint32_t" : "uint64_t", n,
                       f ? "float" : "double", n);
            inline_name(c, w);
            buf_printf(c, " TSNC_WEIGHTS_AT(%lld) = {{\n", (long long)w->align);
            inline_values(c, p, w);
            buf_printf(c, "}};\n\n");
        } else {
            buf_printf(c, "static const %s ", c_elem_type(w->dtype));
            inline_name(c, w);
            buf_printf(c, "[%lld] TSNC_WEIGHTS_AT(%lld) = {\n", n, (long long)w->align);
            inline_values(c, p, w);
            buf_printf(c, "};\n\n");
        }
    }
}

void weights_emit_set(const CodegenOptions *o, WeightsMode mode, Buf *c) {
    if (mode != WEIGHTS_LOAD) return;
    buf_printf(c,
               "int %s_set_weights(const void *blob, size_t bytes)\n{\n"
               "    int rc;\n"
               "    tsnc_weights = 0; /* a refused image leaves no weights at all */\n"
               "    rc = weights_check((const unsigned char *)blob, bytes, &(const struct weights_check_params){\n"
               "        .want_bytes = %s_WEIGHTS_BYTES, .want_crc = %s_WEIGHTS_CRC32, .full = 1});\n"
               "    if (rc == 0) tsnc_weights = (const unsigned char *)blob;\n"
               "    return rc;\n}\n\n",
               o->name, o->name, o->name);
}

/* True if identifier id occurs in text as a whole identifier. */
static bool ident_in(const char *text, const char *id) {
    size_t n = strlen(id);
    for (const char *at = strstr(text, id); at; at = strstr(at + 1, id)) {
        bool left = at == text || !(isalnum((unsigned char)at[-1]) || at[-1] == '_');
        bool right = !(isalnum((unsigned char)at[n]) || at[n] == '_');
        if (left && right) return true;
    }
    return false;
}

void weights_emit_run_prologue(const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, const char *code,
                               Buf *run) {
    const WeightPool *p = &cx->weights;
    /* only the arrays this function's code names: every function of the API has its own prologue */
    int n_used = 0;
    for (int i = 0; i < p->n; i++) n_used += ident_in(code, p->a[i].name);
    if (mode == WEIGHTS_LOAD && !n_used) {
        buf_printf(run, "    if (!tsnc_weights) return %s_ERR_WEIGHTS; /* no %s_set_weights yet, or it failed */\n\n",
                   o->name, o->name);
        return;
    }
    if (mode == WEIGHTS_EMBED) {
        buf_printf(run,
                   "    const unsigned char *const tsnc_w = %s_weights_blob;\n"
                   "    if (weights_check(tsnc_w, %s_WEIGHTS_BYTES, &(const struct weights_check_params){\n"
                   "            .want_bytes = %s_WEIGHTS_BYTES, .want_crc = %s_WEIGHTS_CRC32, .full = 0}))\n"
                   "        return %s_ERR_WEIGHTS; /* a NAME.bin of another build */\n",
                   o->name, o->name, o->name, o->name, o->name);
    } else if (mode == WEIGHTS_LOAD) {
        buf_printf(run,
                   "    const unsigned char *const tsnc_w = tsnc_weights;\n"
                   "    if (!tsnc_w) return %s_ERR_WEIGHTS; /* no %s_set_weights yet, or it failed */\n",
                   o->name, o->name);
    }
    for (int i = 0; i < p->n; i++) {
        const WeightArray *w = &p->a[i];
        if (!ident_in(code, w->name)) continue;
        const char *ty = c_elem_type(w->dtype);
        buf_printf(run, "    const %s *const %s = ", ty, w->name);
        if (mode == WEIGHTS_INLINE) {
            inline_name(run, w);
            buf_printf(run, "%s;\n", w->dtype == DT_F32 || w->dtype == DT_F64 ? ".f" : "");
        } else {
            buf_printf(run, "(const %s *)(const void *)(tsnc_w + %lld);\n", ty, (long long)w->offset);
        }
    }
    if (n_used || mode != WEIGHTS_INLINE) buf_printf(run, "\n");
}

void weights_emit_asm(const EmitCtx *cx, const CodegenOptions *o, Buf *s) {
    const char *name = o->name;
    c_block_comment(s, o->banner);
    buf_printf(s,
               "/*\n"
               " * %s_weights.S - puts the weight image %s.bin (%lld bytes) into the program\n"
               " * as %s_weights_blob, %d-byte aligned, for %s.c (--weights=embed).\n"
               " *\n"
               " * Assemble it with the C compiler (it goes through the preprocessor), the\n"
               " * directory of %s.bin on the include path: .incbin looks in the assembler's\n"
               " * working directory, then in every -I directory:\n"
               " *     cc -I OUTDIR -c OUTDIR/%s_weights.S\n"
               " * or name the file: -D%s_WEIGHTS_FILE='\"path/to/%s.bin\"'. ELF targets (GNU as,\n"
               " * clang): x86-64, AArch64, Arm Cortex-M (arm-none-eabi-gcc).\n"
               " */\n",
               name, name, (long long)cx->weights.image.len, name, WEIGHTS_ALIGN, name, name, name, name,
               name);
    buf_printf(s,
               "#ifndef %s_WEIGHTS_FILE\n#define %s_WEIGHTS_FILE \"%s.bin\"\n#endif\n"
               "#if !defined(__ELF__)\n"
               "#error \"%s_weights.S is for ELF targets; use tsnc compile --weights=load or inline\"\n"
               "#endif\n",
               name, name, name, name);
    if (o->weights_section)
        buf_printf(s, "    .section %s,\"a\",%%progbits\n", o->weights_section);
    else
        buf_printf(s, "    .section .rodata.%s_weights,\"a\",%%progbits\n", name);
    buf_printf(s,
               "    .balign %d\n"
               "    .globl %s_weights_blob\n"
               "    .type %s_weights_blob, %%object\n"
               "%s_weights_blob:\n"
               "    .incbin %s_WEIGHTS_FILE\n"
               "%s_weights_end:\n"
               "    .size %s_weights_blob, %s_weights_end - %s_weights_blob\n"
               "#if defined(__linux__)\n"
               "    .section .note.GNU-stack,\"\",%%progbits /* no executable stack */\n"
               "#endif\n",
               WEIGHTS_ALIGN, name, name, name, name, name, name, name, name);
}

void weights_emit_h(const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, bool has_step, Buf *h) {
    const char *name = o->name;
    const WeightPool *p = &cx->weights;
    int64_t bytes = mode == WEIGHTS_INLINE ? 0 : (int64_t)p->image.len;
    buf_printf(h,
               "/* How the weights reach the program (tsnc compile --weights): one of these is 1. */\n"
               "#define %s_WEIGHTS_INLINE %d /* in %s.c */\n"
               "#define %s_WEIGHTS_EMBED %d  /* %s.bin, assembled by %s_weights.S */\n"
               "#define %s_WEIGHTS_LOAD %d   /* %s.bin, given to %s_set_weights at run time */\n",
               name, mode == WEIGHTS_INLINE, name, name, mode == WEIGHTS_EMBED, name, name, name,
               mode == WEIGHTS_LOAD, name, name);
    buf_printf(h, "#define %s_WEIGHTS_BYTES %lld /* size of %s.bin (0: none) */\n", name, (long long)bytes,
               name);
    buf_printf(h, "#define %s_WEIGHTS_CRC32 0x%08lxu /* its CRC-32 after the 64-byte header */\n", name,
               mode == WEIGHTS_INLINE ? 0ul : (unsigned long)p->crc32);
    const char *fns = has_step ? "_infer, _step" : "_infer"; /* the functions NAME.h declares */
    buf_printf(h, "#define %s_ERR_WEIGHTS 2 /* %s_init, %s, _run: ", name, name, fns);
    if (mode == WEIGHTS_LOAD)
        buf_printf(h, "no weights (no successful %s_set_weights yet) */\n\n", name);
    else if (mode == WEIGHTS_EMBED)
        buf_printf(h, "the linked %s.bin is not this build's */\n\n", name);
    else
        buf_printf(h, "never, with inline weights */\n\n");
    if (mode != WEIGHTS_LOAD) return;
    buf_printf(h,
               "/*\n"
               " * Gives the program its weights: the %s_WEIGHTS_BYTES bytes of %s.bin at blob\n"
               " * (8-byte aligned; 64 lets vector loads run at full speed), which must stay\n"
               " * valid and unchanged while %s_init/%s/_run are used: it is read in\n"
               " * place, not copied. Checks the size, the header and the CRC-32 of the whole\n"
               " * image first. Returns 0, or one of the %s_WEIGHTS_ERR_ codes; after an error\n"
               " * %s_init, %s and _run return %s_ERR_WEIGHTS until a call succeeds.\n"
               " */\n"
               "int %s_set_weights(const void *blob, size_t bytes);\n"
               "#define %s_WEIGHTS_ERR_SIZE 1     /* blob is NULL, or bytes != %s_WEIGHTS_BYTES */\n"
               "#define %s_WEIGHTS_ERR_ALIGN 2    /* blob is not 8-byte aligned */\n"
               "#define %s_WEIGHTS_ERR_HEADER 3   /* not a tsnc weight image of this size and version */\n"
               "#define %s_WEIGHTS_ERR_CHECKSUM 4 /* another model's image, or corrupted */\n\n",
               name, name, name, has_step ? "_infer/_step" : "_infer", name, name, fns, name, name, name, name,
               name, name, name);
}
