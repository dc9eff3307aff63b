/*
 * weights.c - checking a weight image (NAME.bin) before the network reads
 * it, for the --weights=embed and --weights=load builds
 * (docs/generated-api.md, "The weight image", gives the layout).
 *
 * needs: <stddef.h> <stdint.h> <string.h>
 *
 * The image starts with a 64-byte header, little-endian: the magic
 * "TSNCWGT\0", the version (u32 at 8), the header size (u32 at 12), the
 * image size (u64 at 16) and the CRC-32 of every byte after the header
 * (u32 at 24). The generated file knows the size and the CRC-32 of the
 * image tsnc wrote with it, so an image of another model, a truncated or a
 * corrupted one is refused.
 */

/* @kernel weights_check needs <stddef.h> <stdint.h> <string.h> */
/* What weights_check expects of an image: this build's. */
struct weights_check_params {
    size_t want_bytes; /* the image's size in bytes (NAME_WEIGHTS_BYTES) */
    uint32_t want_crc; /* the CRC-32 of its bytes after the header (NAME_WEIGHTS_CRC32) */
    int full;          /* 1: recompute the payload's CRC-32 (O(size)); 0: read the header only */
};

/* Little-endian u32 / u64 at p (the image is little-endian on every host). */
static uint32_t weights_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t weights_u64(const unsigned char *p)
{
    return (uint64_t)weights_u32(p) | (uint64_t)weights_u32(p + 4) << 32;
}

/*
 * CRC-32 of n bytes (the ISO-HDLC CRC of zlib's crc32() and of PNG:
 * reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF),
 * four bits per step from a 16-entry table: small for microcontrollers.
 */
static uint32_t weights_crc32(const unsigned char *p, size_t n)
{
    static const uint32_t nibble[16] = {
        0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
        0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
        0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu};
    uint32_t c = 0xffffffffu;
    size_t i;
    for (i = 0; i < n; i++) {
        c ^= p[i];
        c = (c >> 4) ^ nibble[c & 15];
        c = (c >> 4) ^ nibble[c & 15];
    }
    return c ^ 0xffffffffu;
}

/*
 * 0 if the bytes at b are the image of this build (want_bytes long, header
 * CRC-32 want_crc); with full set, the CRC-32 of the whole payload is
 * recomputed too (otherwise only the header is read: O(1)). Errors:
 * 1 b is NULL or bytes != want_bytes; 2 b is not aligned to 8 bytes;
 * 3 bad magic, version, header size or image size field; 4 the header's
 * CRC-32 is not this build's, or the payload's CRC-32 does not match it.
 */
static int weights_check(const unsigned char *b, size_t bytes, const struct weights_check_params *p)
{
    const size_t want_bytes = p->want_bytes;
    const uint32_t want_crc = p->want_crc;
    const int full = p->full;
    if (!b || bytes != want_bytes || bytes < 64) return 1;
    if ((uintptr_t)b % 8 != 0) return 2;
    if (memcmp(b, "TSNCWGT", 8) != 0 || weights_u32(b + 8) != 1 || weights_u32(b + 12) != 64 ||
        weights_u64(b + 16) != (uint64_t)want_bytes)
        return 3;
    if (weights_u32(b + 24) != want_crc) return 4;
    if (full && weights_crc32(b + 64, bytes - 64) != want_crc) return 4;
    return 0;
}
