/*
 * run_net.c - runs a generated network on the numbers given as arguments,
 * for the codegen lit tests (test/lit/codegen): compile with the generated
 * NAME.c, -DMODEL=NAME and -I its directory. Takes NAME_INPUT_SIZE floats
 * (one graph input of f32), calls NAME_run and prints "rc N", then each of
 * the NAME_OUTPUT_SIZE outputs with %.9g, one per line (enough digits to
 * tell any two floats apart). Exits 2 on a wrong argument count.
 */
#include <stdio.h>
#include <stdlib.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(a) #a
#define STR(a) STR2(a)
#include STR(MODEL.h)

#define RUN CAT(MODEL, _run)
#define IN_SIZE CAT(MODEL, _INPUT_SIZE)
#define OUT_SIZE CAT(MODEL, _OUTPUT_SIZE)

int main(int argc, char **argv)
{
    static float in[IN_SIZE + 1], out[OUT_SIZE + 1];
    int i, rc;
    if (argc - 1 != IN_SIZE) {
        fprintf(stderr, "run_net: %d numbers given, the network takes %d\n", argc - 1, IN_SIZE);
        return 2;
    }
    for (i = 0; i < IN_SIZE; i++) in[i] = strtof(argv[i + 1], NULL);
    rc = RUN(in, out);
    printf("rc %d\n", rc);
    for (i = 0; i < OUT_SIZE && rc == 0; i++) printf("%.9g\n", (double)out[i]);
    return 0;
}
