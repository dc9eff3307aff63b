/*
 * cli.h - the tsnc command-line driver: one file per subcommand.
 */
#ifndef TSNC_CLI_H
#define TSNC_CLI_H

#include "codegen/codegen.h"
#include "frontend/frontend.h"
#include "passes/passes.h"

/* Subcommands: argc/argv start at the subcommand name; return the exit status. */
int cmd_compile(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_opt(int argc, char **argv);

/* A model file read into memory, with its SHA-256 in hex. */
typedef struct ModelBytes {
    uint8_t *data;
    size_t len;
    char sha256[65];
} ModelBytes;

/* Reads path into m; on failure prints an error naming the file and returns -1. */
int model_read(const char *path, ModelBytes *m);
void model_bytes_free(ModelBytes *m);

/*
 * Imports an ONNX model (or, if the path ends in .tir, parses textual IR)
 * and verifies it. Prints errors and returns NULL on failure.
 */
Graph *load_graph(const char *path, const ModelBytes *m, const ImportOptions *io);

/* Parses "NAME=VALUE" for --dim into pins (grown with realloc); -1 on a bad argument. */
int parse_dim_pin(const char *arg, DimPin **pins, int *n_pins);

/* Parses --spike-impl (auto, lut, events, dense) into o; -1 with a message if unknown. */
int parse_spike_impl(const char *arg, PassOptions *o);

/* Writes len bytes to path through a temporary file and a rename (no partial output). */
int write_file_atomic(const char *path, const char *data, size_t len);
/*
 * Writes n files the same way, all or nothing: every temporary file is
 * written before any is renamed (so a full disk leaves earlier outputs
 * untouched), and if a rename fails the files already renamed are removed.
 * Prints the error and returns -1 on failure.
 */
int write_files_atomic(int n, const char *const *paths, const char *const *data,
                       const size_t *lens);

/* Prints the diag's messages to stderr and releases them. */
void report(Diag *d);

#endif
