/*
 * main.c - tsnc entry point: dispatches to the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: tsnc <command> [options]\n"
    "\n"
    "tsnc compiles trained ternary- and binary-spike neural networks (ONNX files\n"
    "exported from PyTorch) into self-contained C99 whose synaptic operations are\n"
    "additions only.\n"
    "\n"
    "commands:\n"
    "  compile MODEL.onnx -o OUTDIR   write OUTDIR/NAME.c and OUTDIR/NAME.h\n"
    "  dump MODEL.onnx                print the IR (after import, or after a pass)\n"
    "  run MODEL.onnx --input X.bin   run the reference interpreter on raw samples\n"
    "  opt FILE.tir|MODEL.onnx --passes=a,b\n"
    "                                 run passes on textual IR or an imported ONNX model\n"
    "                                 and print the result\n"
    "\n"
    "Run 'tsnc <command> --help' for a command's options. 'tsnc --version' prints the version.\n";

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    /* Every command's output to stdout is checked here, once, after it is done. */
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return finish_stdout(0);
    }
    if (!strcmp(cmd, "--version")) {
        printf("tsnc %s\n", TSNC_VERSION);
        return finish_stdout(0);
    }
    if (!strcmp(cmd, "compile")) return finish_stdout(cmd_compile(argc - 1, argv + 1));
    if (!strcmp(cmd, "dump")) return finish_stdout(cmd_dump(argc - 1, argv + 1));
    if (!strcmp(cmd, "run")) return finish_stdout(cmd_run(argc - 1, argv + 1));
    if (!strcmp(cmd, "opt")) return finish_stdout(cmd_opt(argc - 1, argv + 1));
    fprintf(stderr, "tsnc: error: unknown command '%s'\n\n%s", cmd, usage);
    return 2;
}
