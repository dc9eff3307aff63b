/*
 * spike_cost.h - the cost model of a spike convolution's kernels, shared by
 * compose-pooling (compose an average pooling into the next layer, or split
 * it into spike planes) and choose-kernels (lut, gather or events).
 *
 * Costs are in vector additions of 8 lanes, each weighted by what the kernel
 * achieves per addition (docs/performance.md, "Cost model"; bench/crossover.py
 * measures the constants):
 *   lut     out_pixels*taps*ceil(C/4) table rows of M floats, COST_LUT each,
 *           COST_LUT_OUT_OF_CACHE times more when the table passes the L2;
 *   gather  out_pixels*taps*C*rate events of M floats, COST_GATHER each, plus
 *           the scan that builds the event lists (in_pixels*C/8 compares,
 *           COST_SCAN each), and COST_LIST per (output pixel, tap, tile of
 *           input channels, block of 64 output channels) to find and walk a
 *           list;
 *   events  the same events scattered into memory (a load, an add and a
 *           store per vector), COST_EVENTS each, plus the scan.
 * Both event kernels also write each output vector once (1 each). Weights
 * larger than the L2 (SPIKE_COST_CACHE_BYTES) come from memory on every
 * call: such a layer costs at least COST_STREAMED_BYTE per byte of them
 * (one pass over the weights serves all pixels and timesteps of a small
 * image, so for the small images of deep layers this is the bound).
 */
#ifndef TSNC_SPIKE_COST_H
#define TSNC_SPIKE_COST_H

#include <stdbool.h>
#include <stdint.h>

/* What the cost of one spike convolution depends on. */
typedef struct SpikeConvDims {
    double in_pixels;    /* N*H*W: input pixels over all samples (timesteps included) */
    double out_pixels;   /* N*OH*OW */
    double taps;         /* kernel taps each output reads (kh*kw, shared slices counted) */
    int64_t c, m;        /* input and output channels */
    double rate;         /* fraction of the input elements that are nonzero, in [0, 1] */
    double weight_bytes; /* bytes of the weights as the event kernels store them */
} SpikeConvDims;

/* The firing rate assumed for a layer without a measured one (compile --rates). */
#define SPIKE_COST_DEFAULT_RATE 0.25

/* The L2 of the machines measured: weights or tables beyond it come from memory. */
#define SPIKE_COST_CACHE_BYTES (1 << 20)

double spike_cost_gather(const SpikeConvDims *d);
/* The fraction of k-element windows of spikes firing at rate r whose average is nonzero:
 * binary spikes, any spike; ternary ones (+1 and -1 equally likely), a sum other than 0.
 * (The firing rate of the planes of tsnc.split_levels: this over the number of levels.) */
double spike_cost_pooled_nonzero(int64_t k, double r, bool ternary);
double spike_cost_events(const SpikeConvDims *d);
/* table_bytes: the layer's lookup tables (spike_lut_table_bytes_for). */
double spike_cost_lut(const SpikeConvDims *d, int64_t table_bytes);

#endif
