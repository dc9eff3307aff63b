/*
 * frontend.h - getting graphs into tsnc: the ONNX importer and the textual
 * IR parser. Both return a graph whose values may not have types yet; the
 * infer-shapes pass completes them.
 */
#ifndef TSNC_FRONTEND_H
#define TSNC_FRONTEND_H

#include "ir/ir.h"

/* Values for dynamic dimensions (ONNX dim_param), given by --dim NAME=VALUE. */
typedef struct DimPin {
    const char *name;
    int64_t value;
} DimPin;

typedef struct ImportOptions {
    int n_pins;
    const DimPin *pins;
} ImportOptions;

/*
 * Reads an ONNX ModelProto (onnx.proto, ONNX IR spec docs/IR.md) from path
 * and lowers it to a Graph: initializers and Constant nodes become constant
 * values, nodes become ops of ops.def in the opset-13 operand order
 * (older forms are rewritten), graph inputs get their declared types.
 * Returns NULL with every problem found in d (missing or unreadable file,
 * not a protobuf, unsupported operators - all listed -, bad attributes,
 * unresolvable dynamic dimensions, malformed initializers).
 */
Graph *onnx_import_file(const char *path, const ImportOptions *o, Diag *d);
/* The same from bytes in memory (used by the fuzzer). */
Graph *onnx_import_buffer(const uint8_t *data, size_t len, const ImportOptions *o, Diag *d);

/*
 * Parses textual IR (docs/ir.md) into a Graph. Returns NULL with the error,
 * located by line and column, in d.
 */
Graph *ir_parse(const char *text, size_t len, Diag *d);

#endif
