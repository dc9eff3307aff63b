#!/usr/bin/env python3
"""bench/layers.py - per spike layer: firing rate, kernel, time against tsnc's
dense build, synaptic additions performed and the achieved addition rate
against the core's peak. A benchmark (it checks nothing), for docs/performance.md and
bench/README.md.

For each model it
  - runs `tsnc dump --stats --json --input` on the shipped samples: each spike
    layer's kernel (impl), input firing rate (+1 and -1), measured ACs (the
    nonzero spikes times their fan-out) and "kernel adds" (the float
    additions the chosen kernel performs: a lookup-table layer adds one table
    row per (pixel, tap, group of 4 channels) whatever the spikes, a dense
    spike layer visits every spike, an event layer only the nonzero ones);
  - builds the model twice with -DTSNC_PROFILE (--target avx2, and --target
    avx2 --dense: no spike lowering) and times every node with
    bench/profile_model.c (the lowest of PASSES passes' means over the samples);
  - measures the core's peak float-add rate with bench/peak_add.c (twelve
    independent vaddps chains: 8 lanes x add ports x clock, all measured) and
    its clock with bench/clock.c.

usage: bench/layers.py [-m "MODEL ..."] [-p PASSES] [-c CPU]
Environment: TSNC (default build/tsnc), CC (default gcc), WORK (default /tmp/tsnc-bench).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CC = os.environ.get("CC", "gcc")
WORK = os.environ.get("WORK", "/tmp/tsnc-bench")
TSNC = os.environ.get("TSNC", os.path.join(ROOT, "build", "tsnc"))
FLAGS = ["-std=c99", "-O2", "-mavx2", "-mfma"]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, **kw).stdout


def pin(cpu):
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") else []


def build_tool(name, cpu, extra=()):
    exe = os.path.join(WORK, name)
    run([CC, "-O2", "-std=c99", *extra, os.path.join(ROOT, "bench", name + ".c"), "-o", exe])
    return run(pin(cpu) + [exe]).strip().split("=")[1]


def profile(model, tsnc_args, cpu, passes):
    """{onnx node name: microseconds per call} of a -DTSNC_PROFILE build."""
    tag = "dense" if "--dense" in tsnc_args else "avx2"
    out = os.path.join(WORK, model, "profile-" + tag)
    os.makedirs(out, exist_ok=True)
    run([TSNC, "compile", os.path.join(ROOT, "models", model + ".onnx"), "-o", out, *tsnc_args])
    exe = os.path.join(out, "profile")
    run([CC, *FLAGS, "-DTSNC_PROFILE", "-I" + out, "-DMODEL=" + model, os.path.join(out, model + ".c"),
         os.path.join(ROOT, "bench", "profile_model.c"), "-o", exe, "-lm"])
    times = {}
    samples = os.path.join(ROOT, "models", model + ".input.bin")
    for line in run(pin(cpu) + [exe, samples, str(passes)]).splitlines():
        us, name = line.split("\t", 1)
        times[name.rsplit(" (", 1)[0]] = times.get(name.rsplit(" (", 1)[0], 0.0) + float(us)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-m", "--models", default="fmnist_cnn_t4 fmnist_cnn_binary_t4 fmnist_paper_t2 digits_mlp_t4 digits_mlp_binary_t4")
    ap.add_argument("-p", "--passes", type=int, default=20)
    ap.add_argument("-c", "--cpu", type=int, default=os.cpu_count() - 1)
    a = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    peak = float(build_tool("peak_add", a.cpu, ["-mavx2"]))
    clock = float(build_tool("clock", a.cpu))
    print(f"peak float additions: {peak:.1f} G/s measured (bench/peak_add.c: 12 independent vaddps chains)")
    print(f"  = {peak / clock:.1f} adds per cycle at the measured {clock:.2f} GHz (bench/clock.c)"
          f" = 8 lanes x {peak / clock / 8:.1f} add ports")
    for model in a.models.split():
        stats = json.loads(run([TSNC, "dump", os.path.join(ROOT, "models", model + ".onnx"), "--stats", "--json",
                                "--input", os.path.join(ROOT, "models", model + ".input.bin"), "--count", "200"]))
        spike = profile(model, ["--target", "avx2"], a.cpu, a.passes)
        dense = profile(model, ["--target", "avx2", "--dense"], a.cpu, a.passes)
        print(f"\n{model}: per layer, batch 1, one thread; times: lowest of {a.passes} passes' mean over the samples")
        head = ("layer", "kernel", "rate +1", "rate -1", "ACs", "kernel adds", "avx2 us", "dense us",
                "dense/avx2", "G adds/s", "of peak")
        fmt = "{:<16} {:>7} {:>8} {:>8} {:>10} {:>12} {:>9} {:>9} {:>10} {:>9} {:>8}"
        print(fmt.format(*head))
        tot = {"adds": 0.0, "us": 0.0, "dense": 0.0}
        for layer in stats["stats"]["layers"]:
            name = layer["loc"]
            t, d = spike.get(name), dense.get(name)
            if not layer["spike"]:
                print(fmt.format(name, "MAC", "-", "-", "-", "-", f"{t:.2f}" if t else "-",
                                 f"{d:.2f}" if d else "-", f"{d / t:.2f}x" if t and d else "-", "-", "-"))
                continue
            adds = layer["kernel_adds"]
            rate = adds / (t * 1e3) if t else 0
            tot["adds"] += adds
            tot["us"] += t or 0
            tot["dense"] += d or 0
            print(fmt.format(name, layer.get("impl", "-"), f"{100 * layer['input_pos_rate']:.1f}%",
                             f"{100 * layer['input_neg_rate']:.1f}%", f"{layer['acs']:.0f}", f"{adds:.0f}",
                             f"{t:.2f}", f"{d:.2f}", f"{d / t:.2f}x", f"{rate:.1f}", f"{100 * rate / peak:.0f}%"))
        if tot["us"]:
            rate = tot["adds"] / (tot["us"] * 1e3)
            print(fmt.format("spike layers", "", "", "", "", f"{tot['adds']:.0f}", f"{tot['us']:.2f}",
                             f"{tot['dense']:.2f}", f"{tot['dense'] / tot['us']:.2f}x", f"{rate:.1f}",
                             f"{100 * rate / peak:.0f}%"))
        print(f"whole model: avx2 {sum(spike.values()):.1f} us, dense {sum(dense.values()):.1f} us (sums of the node times)")


if __name__ == "__main__":
    sys.exit(main())
