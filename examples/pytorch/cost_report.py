#!/usr/bin/python3
"""Synaptic-operation counts of an exported network before and after tsnc,
with PyTorch's measurements as the independent reference.

    /usr/bin/python3 examples/pytorch/cost_report.py [--tsnc build/tsnc] [--measure N] [--json] MODEL.onnx...

Before compilation every Conv/Gemm is dense: one multiply-accumulate (MAC)
per weight use, at every timestep. These counts come from PyTorch (the
"layers" list that make_models.py stores in MODEL.json: per image, summed
over the T steps, zero padding included).

After compilation the layer list comes from tsnc itself
(`tsnc dump MODEL.onnx --stats --json`, after the whole pipeline): a layer
that stayed dense costs MACs; a tsnc.spike_* layer costs accumulates (AC)
only, for nonzero input spikes only (event-driven). tsnc gives the worst case
(every input spike nonzero, padding excluded); the expected count is that
times the firing rate, measured in PyTorch on the stored samples, of the
neuron layer whose spikes reach the layer (directly or through a pooling
that tsnc composed into it). With --measure N, tsnc's own measurement on the first N stored
samples (reference interpreter, `--input`) is shown next to it.

Energy uses the 45 nm figures common in SNN papers: 4.6 pJ per 32-bit float
MAC, 0.9 pJ per AC.
"""
import argparse
import json
import os
import re
import subprocess
import sys

E_MAC, E_AC = 4.6e-12, 0.9e-12


def module_name(loc):
    """ONNX node name -> PyTorch module name: "/block1/conv1_1/Conv" -> "block1.conv1"
    (torch.onnx names nodes by module scope, with _N for the N-th repeated call)."""
    parts = [p for p in loc.split("/") if p][:-1]
    return ".".join(re.sub(r"_\d+$", "", p) for p in parts)


def tsnc_stats(tsnc, model, info, measure):
    cmd = [tsnc, "dump", model, "--stats", "--json", *info.get("tsnc_args", [])]
    if measure:
        cmd += ["--input", os.path.splitext(model)[0] + ".input.bin", "--count", str(measure)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip())
    return json.loads(run.stdout)["stats"]


def report(model, tsnc, measure):
    with open(os.path.splitext(model)[0] + ".json") as f:
        info = json.load(f)
    if not info.get("layers"):
        # models/*.json (the shipped models) carry no PyTorch per-layer counts
        return dict(name=info.get("name", model),
                    error=f"{os.path.splitext(model)[0]}.json has no \"layers\" list (the PyTorch counts that "
                          "examples/pytorch/make_models.py stores); for tsnc's own counts run "
                          f"`tsnc dump {model} --stats --input SAMPLES.bin`")
    try:
        stats = tsnc_stats(tsnc, model, info, measure)
    except RuntimeError as e:
        return dict(name=info["name"], error=str(e))
    torch_layers = {s["name"]: s for s in info.get("layers", [])}
    rows = []
    for layer in stats["layers"]:
        name = module_name(layer["loc"])
        tl = torch_layers.get(name, {})
        rate = tl.get("spike_rate", tl.get("input_nonzero"))
        spike = layer["spike"]
        rows.append(dict(loc=layer["loc"], module=name, op=layer["op"], kernel=layer.get("impl", "-"),
                         macs=layer["macs"], acs_worst=layer["acs_worst"] if spike else 0,
                         rate_pytorch=rate if spike else None,
                         acs_expected=round(layer["acs_worst"] * (rate if rate is not None else 1.0)) if spike else 0,
                         acs_tsnc=layer.get("acs") if spike and measure else None))
    before = sum(s["macs_per_image"] for s in torch_layers.values())
    macs = sum(r["macs"] for r in rows)
    acs = sum(r["acs_expected"] for r in rows)
    return dict(name=info["name"], rows=rows, before_macs=before, after_macs=macs,
                after_acs_worst=sum(r["acs_worst"] for r in rows), after_acs=acs,
                energy_before_uj=before * E_MAC * 1e6, energy_after_uj=(macs * E_MAC + acs * E_AC) * 1e6)


def print_report(r):
    print(f"== {r['name']}")
    if "error" in r:
        print(f"  no report: {r['error']}")
        return
    print(f"  {'ONNX node':<22} {'op':<16} {'kernel':<7} {'MACs':>9} {'ACs worst':>10} {'rate':>6} "
          f"{'ACs expected':>12} {'tsnc measured':>13}")
    for row in r["rows"]:
        rate = "-" if row["rate_pytorch"] is None else f"{100 * row['rate_pytorch']:.1f}%"
        measured = "-" if row["acs_tsnc"] is None else f"{round(row['acs_tsnc']):,}"
        print(f"  {row['loc']:<22} {row['op']:<16} {row['kernel']:<7} {row['macs']:>9,} {row['acs_worst']:>10,} "
              f"{rate:>6} {row['acs_expected']:>12,} {measured:>13}")
    print(f"  before: {r['before_macs']:,} MACs per image ({r['energy_before_uj']:.2f} uJ)")
    print(f"  after:  {r['after_macs']:,} MACs + {r['after_acs']:,} ACs per image "
          f"({r['after_acs_worst']:,} ACs if every spike were nonzero) ({r['energy_after_uj']:.2f} uJ)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--tsnc", default="build/tsnc")
    ap.add_argument("--measure", type=int, default=0, metavar="N",
                    help="also let tsnc measure ACs on the first N stored samples")
    ap.add_argument("--json", action="store_true", help="print one JSON object per model")
    args = ap.parse_args()
    failed = 0
    for model in args.models:
        r = report(model, args.tsnc, args.measure)
        failed += "error" in r
        if args.json:
            print(json.dumps(r))
        else:
            print_report(r)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
