/*
 * cli.h - the tsnc command-line driver: one file per subcommand.
 */
#ifndef TSNC_CLI_H
#define TSNC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "codegen/codegen.h"
#include "frontend/frontend.h"
#include "passes/passes.h"

struct GraphStats;

/*
 * The firing-rates file (cli/rates.c; docs/performance.md): rates_read fills
 * o->rates from "LAYER-NAME RATE" lines, -1 with "FILE:LINE: reason" on a bad
 * line or an unreadable file; rates_free releases them. rates_write writes
 * the measured input rate of every spike layer of st (measured stats), -1 with
 * a message if the file cannot be written.
 */
int rates_read(const char *path, PassOptions *o);
void rates_free(PassOptions *o);
/*
 * After the pipeline ran choose-kernels on g: prints "tsnc: warning:
 * PATH:LINE: no spike layer is named 'X'; its rate is not used" for every
 * rate of o (read from path) that names no spike layer of g. Nothing with
 * --dense (check_dense_rates warns once instead).
 */
void rates_check_used(const char *path, const PassOptions *o, const Graph *g);
/* Warns that --rates path (NULL: none given) is unused when --dense is set. */
void check_dense_rates(const char *path, const PassOptions *o);
int rates_write(const char *path, const struct GraphStats *st);

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

/* Whether path names textual IR (ends in .tir) rather than an ONNX model. */
bool path_is_tir(const char *path);

/*
 * Imports an ONNX model (or, if the path ends in .tir, parses textual IR)
 * and verifies it. Prints errors and returns NULL on failure.
 */
Graph *load_graph(const char *path, const ModelBytes *m, const ImportOptions *io);

/*
 * Parses "NAME=VALUE" for --dim into pins (grown with realloc); -1 with a
 * message on a bad argument, a value out of range or a NAME given twice.
 */
int parse_dim_pin(const char *arg, DimPin **pins, int *n_pins);

/* Parses --spike-impl (auto, lut, events, gather, dense) into o; -1 with a message if unknown. */
int parse_spike_impl(const char *arg, PassOptions *o);

/* Appends path to *list (grown with realloc): the values of a repeatable option. */
void push_path(const char ***list, int *n, const char *path);

/*
 * -1 with "MODEL: the model has 2 inputs ('a', 'b'); give FLAG once per graph
 * input, in graph order (got 1)" unless given == n (kind: "input"/"output").
 */
int check_io_count(const char *model, const char *kind, const char *flag, Value *const *v, int n,
                   int given);

/*
 * Reads raw samples for every graph input of g (model: its file, for
 * messages): paths[i] holds input i's samples back to back, each of its
 * element type and size. x[i] receives file i; *n the number of samples,
 * the same in every file (at most count when count >= 0). -1 with a message
 * if n_paths is not g->n_inputs, or a file is empty, not whole samples, or
 * holds another number of samples than the first.
 */
int samples_read(const char *model, const Graph *g, const char *const *paths, int n_paths,
                 long long count, ModelBytes *x, int64_t *n);

/*
 * *n: the number of samples of sample_bytes each that x (read from path)
 * holds; -1 with "PATH: the file is empty" or "... is not a whole number of
 * samples" printed otherwise.
 */
int samples_count(const char *path, const ModelBytes *x, size_t sample_bytes, int64_t *n);

/*
 * Reports the option error getopt_long returned for subcommand cmd (c is '?'
 * or ':'; the option string must start with ':' and opterr be 0):
 *   tsnc: error: CMD: unrecognized option '--bogus'   (or '-x')
 *   tsnc: error: CMD: option '--output' needs a value (or '-o')
 *   tsnc: error: CMD: option '--dense' takes no value
 *   tsnc: error: CMD: option '--print' is ambiguous (--print-after, ...)
 *   run 'tsnc CMD --help' for usage
 * Returns 2, the exit status of a usage error.
 */
struct option;
int option_error(const char *cmd, int c, char *const *argv, const struct option *longopts);

/* -1 with a message if --dense is combined with an explicit --spike-impl. */
int check_dense_impl(const PassOptions *o);

/*
 * An output file written through a temporary file in the same directory,
 * renamed onto its path only once every byte is written: a failed run
 * (full disk, bad directory) leaves no partial file behind.
 */
typedef struct OutFile {
    const char *path;
    char *tmp;
    FILE *f;
    int err; /* errno of the first failed write, or 0 */
} OutFile;

/* Creates the temporary file; -1 with the error printed. */
int outfile_open(OutFile *o, const char *path);
/* Appends bytes; a failure is remembered and reported by outfile_commit. */
void outfile_write(OutFile *o, const void *data, size_t len);
/* Closes and renames onto the path; -1 with "PATH: cannot write: reason" printed, nothing left. */
int outfile_commit(OutFile *o);
/* Removes the temporary file (after an error elsewhere). */
void outfile_discard(OutFile *o);
/*
 * Commits n open OutFiles all or nothing: every one is closed (all bytes
 * checked) before any is renamed, and if one fails, those already renamed
 * are removed and the rest discarded. -1 with the error printed.
 */
int outfiles_commit(int n, OutFile *out);

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

/*
 * Flushes stdout and returns status, or 1 (when status is 0) after printing
 * "cannot write to standard output: reason" if any write to it failed.
 */
int finish_stdout(int status);

/* Prints the diag's messages to stderr and releases them. */
void report(Diag *d);

/* The lines of --help that explain --spike-impl's values, each line starting with PAD (the
 * command's description column): one text for compile, dump and run. */
#define CLI_SPIKE_IMPL_HELP(PAD)                                   \
    PAD "auto    chosen per layer (default)\n"                     \
    PAD "lut     convolutions from lookup tables\n"                \
    PAD "        (grouped ones: events; matrix products: dense)\n" \
    PAD "events  every spike layer event-driven\n"                 \
    PAD "gather  convolutions output-stationary, event-driven\n"    \
    PAD "        (grouped ones: events; matrix products: dense)\n" \
    PAD "dense   matrix products with bit masks\n"                 \
    PAD "        (convolutions: events)\n"

#endif
