/*
 * spike_cost.c - the cost model of spike convolutions (spike_cost.h).
 */
#include <math.h>
#include <string.h>

#include "ir/ir.h"
#include "passes/passes.h"
#include "passes/spike_cost.h"

#define COST_LUT 1.8
#define COST_GATHER 1.3
#define COST_EVENTS 7.0
#define COST_SCAN 1.0
#define COST_LIST 130.0
#define COST_LUT_OUT_OF_CACHE 1.6
/* 8-lane additions per byte of weights streamed from memory: ~20 GB/s against ~7 G
 * vector additions per second (VGG-11's 2x2 layer reading 38 MB in 2 ms) */
#define COST_STREAMED_BYTE 0.4

static double vectors(const SpikeConvDims *d) {
    return (double)((d->m + 7) / 8);
}

static double scan(const SpikeConvDims *d) {
    return d->in_pixels * ((double)d->c / 8) * COST_SCAN;
}

/* The bound of reading weights that do not stay in cache between calls. */
static double streamed(const SpikeConvDims *d, double compute) {
    double mem = d->weight_bytes > SPIKE_COST_CACHE_BYTES ? d->weight_bytes * COST_STREAMED_BYTE : 0;
    return fmax(compute, mem);
}

double spike_cost_gather(const SpikeConvDims *d) {
    /* the tile of AVX2's block (8-lane vectors, the model's unit) */
    int64_t ct = spike_gather_tile_for(d->c, SPIKE_GATHER_BLOCK_VECTORS * 8);
    double tiles = (double)((d->c + ct - 1) / ct), events = d->out_pixels * d->taps * (double)d->c * d->rate;
    double walks = d->out_pixels * d->taps * tiles * (double)((d->m + 63) / 64);
    return streamed(d, events * vectors(d) * COST_GATHER + scan(d) + d->out_pixels * vectors(d) + walks * COST_LIST);
}

double spike_cost_events(const SpikeConvDims *d) {
    double events = d->out_pixels * d->taps * (double)d->c * d->rate;
    return streamed(d, events * vectors(d) * COST_EVENTS + scan(d) + d->out_pixels * vectors(d));
}

double spike_cost_lut(const SpikeConvDims *d, int64_t table_bytes) {
    double rows = d->out_pixels * d->taps * (double)((d->c + SPIKE_LUT_GROUP - 1) / SPIKE_LUT_GROUP);
    double cost = rows * vectors(d) * COST_LUT;
    return table_bytes > SPIKE_COST_CACHE_BYTES ? cost * COST_LUT_OUT_OF_CACHE : cost;
}

double spike_cost_pooled_nonzero(int64_t k, double r, bool ternary) {
    if (!ternary || k > 64) return 1.0 - pow(1.0 - r, (double)k);
    double sum[129] = {0}, next[129]; /* sum[s + k]: the probability of the sum s so far */
    sum[k] = 1.0;
    for (int64_t i = 0; i < k; i++) {
        for (int64_t s = 0; s <= 2 * k; s++)
            next[s] = sum[s] * (1.0 - r) + (s > 0 ? sum[s - 1] : 0.0) * r / 2 + (s < 2 * k ? sum[s + 1] : 0.0) * r / 2;
        memcpy(sum, next, sizeof sum);
    }
    return 1.0 - sum[k];
}
