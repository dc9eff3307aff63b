#!/usr/bin/python3
"""Differential testing of tsnc against onnxruntime on random spiking networks.

For each seed, gen.py builds a small valid ONNX network and its input
samples; onnxruntime (ort_server.js, one long-lived Node process per worker)
computes the reference outputs and every neuron's membrane potential; then

  - tsnc's reference interpreter (`tsnc run`) after the whole pipeline, after
    the import only, and with --dense,
  - `tsnc compile` for each target (generic, avx2, avx512 where the CPU has it; neon on every
    --neon-every-th graph, cross-compiled with aarch64-linux-gnu-gcc -static
    and run under qemu-aarch64) and each --spike-impl (auto, lut, events, gather,
    dense) and --dense, built with gcc -std=c99 -Wall -Wextra -Werror
    -pedantic and run on the samples (test/targets/dump_outputs.c),
  - one of those builds (rotating) again under ASan + UBSan,

must reproduce onnxruntime's outputs within a relative + absolute tolerance.
Samples whose potential comes within gen.NEAR_EPS of a threshold in a
float-mode graph are not compared (a rounding difference may flip that
spike); they are counted apart. Identical generated C (same target) is built
and run once.

A mismatch, a crash or non-zero exit, a sanitizer report, a build failure of
the generated code, a refusal of the (valid) model or a timeout is a finding:
the model, the input, onnxruntime's outputs and a one-line repro are saved
under the findings directory, and the model is minimized (the earliest
tensor that, made the graph output, still fails the same way).

Exit status: 0 no finding, 1 findings, 2 setup error (no onnxruntime, no tsnc).
See test/difftest/README.md.
"""
import argparse
import hashlib
import json
import multiprocessing as mp
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gen  # noqa: E402

DUMP_C = os.path.join(ROOT, "test", "targets", "dump_outputs.c")
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SAN = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"]
RTOL, ATOL = 1e-4, 1e-5
# Seconds before a command counts as hung. Generous: on a loaded machine an ASan build of
# a small model has taken minutes; tsnc and the generated code take well under a second.
TSNC_TIMEOUT, BUILD_TIMEOUT, RUN_TIMEOUT = 120, 900, 300
IMPLS = ["auto", "lut", "events", "gather", "dense", "nospike"]  # nospike = --dense
def cpu_has_avx512():
    """True where /proc/cpuinfo lists AVX-512F, BW and VL (what --target avx512 needs)."""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return False
    return all(re.search(r"\b%s\b" % x, info) for x in ("avx512f", "avx512bw", "avx512vl", "fma"))


# compiler flags of the x86-64 targets
TARGET_FLAGS = {"avx2": ["-mavx2", "-mfma"],
                "avx512": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mfma"]}


class Setup(Exception):
    pass


# ---------------------------------------------------------------------------
# onnxruntime, one Node process per worker

class Ort:
    def __init__(self, node):
        script = os.path.join(HERE, "ort_server.js")
        self.p = subprocess.Popen([node, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        line = self.p.stdout.readline()
        try:
            hello = json.loads(line)
        except ValueError:
            err = self.p.stderr.read() if self.p.poll() is not None else ""
            raise Setup("ort_server.js did not start: %s %s" % (line.strip(), err.strip()[:500]))
        if not hello.get("ready"):
            raise Setup("onnxruntime-node is not available: %s (npm install --ignore-scripts in "
                        "bench/ort, or set ORT_NODE_DIR)" % hello.get("error"))
        self.version = hello.get("version")

    def run(self, model, inp, dims, count, out):
        req = dict(model=model, input=inp, dims=list(dims), count=count, output=out)
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise Setup("ort_server.js died: " + self.p.stderr.read()[:1000])
        return json.loads(line)


def ort_outputs(ort, model_path, inp_path, dims, count, out_path):
    """{name: array[count, *dims]} in the model's output order, or an error string."""
    ans = ort.run(model_path, inp_path, dims, count, out_path)
    if not ans.get("ok"):
        return ans.get("error", "?")
    raw = np.fromfile(out_path, dtype=np.float32)
    res, off = {}, 0
    for o in ans["outputs"]:
        n = int(np.prod(o["dims"])) * count
        res[o["name"]] = raw[off:off + n].reshape([count] + o["dims"])
        off += n
    return res


# ---------------------------------------------------------------------------
# running things

CPU = {}  # CPU seconds of child processes per tool, for the summary


def sh(cmd, timeout, env=None):
    """(status, output) of a command; status 'timeout' when it ran too long."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    tool = os.path.basename(cmd[0])
    if tool.startswith("prog") or tool.startswith("qemu"):
        tool = "generated code" if tool.startswith("prog") else tool
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                           env=env, text=True, errors="replace")
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU[tool] = CPU.get(tool, 0.0) + (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode(errors="replace")
        return "timeout", out


def quote(args):
    return " ".join(a if re.match(r"^[\w@%+=:,./-]+$", a) else "'" + a.replace("'", "'\\''") + "'"
                    for a in args)


def close(a, b):
    """Elementwise agreement within RTOL relative + ATOL absolute (scaled by the sample's
    largest output); inf/NaN must match exactly."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    scale = 1.0 + np.max(np.abs(np.where(np.isfinite(b), b, 0)))
    fin = np.isfinite(a) & np.isfinite(b)
    ok = np.where(fin, np.abs(a - b) <= RTOL * np.abs(b) + ATOL * scale,
                  (np.isnan(a) & np.isnan(b)) | (a == b))
    return ok


def config_names(targets, impls):
    names = ["run", "run-import", "run-dense"]
    for t in targets:
        for i in impls:
            names.append("%s:%s" % (t, i))
    return names


class Context:
    """What a worker needs (picklable)."""

    def __init__(self, args):
        self.tsnc = args.tsnc
        self.work = args.work
        self.findings = args.findings
        self.avoid = args.avoid_set
        self.targets = args.targets
        self.impls = args.impls
        self.neon_every = args.neon_every
        self.native_every = args.native_every
        self.san_every = args.sanitize_every
        self.cc = args.cc
        self.cross_cc = args.cross_cc
        self.qemu = args.qemu
        self.opt = args.opt
        self.minimize = args.minimize
        self.node = args.node
        self.keep = args.keep
        self.avoid_arg = args.avoid
        self.require = args.require_set


_ORT = None
_DUMP_OBJ = {}


def ort_for_worker(ctx):
    global _ORT
    if _ORT is None:
        _ORT = Ort(ctx.node)
    return _ORT


def tsnc_compile(ctx, model, gendir, target, impl, name="m"):
    """(status, log, command): ok, refused (exit 1), crash, timeout."""
    a = tsnc_compile_args(ctx, model, gendir, target, impl, name)
    st, log = sh(a, TSNC_TIMEOUT)
    if st == "timeout":
        return "timeout", quote(a) + "\n" + log, a
    if st == 1:
        return "refused", quote(a) + "\n" + log, a
    if st != 0:
        return "crash", quote(a) + "\n" + log, a
    return "ok", log, a


def tsnc_compile_args(ctx, model, outdir, target, impl, name="m"):
    a = [ctx.tsnc, "compile", model, "-o", outdir, "--name", name, "--target", target]
    if impl == "nospike":
        a.append("--dense")
    else:
        a += ["--spike-impl", impl]
    return a


def weights_asm(gendir, name):
    """NAME_weights.S when tsnc embedded the weights as an image (--weights auto, 1 MiB or more)."""
    path = os.path.join(gendir, name + "_weights.S")
    return [path] if os.path.exists(path) else []


def build_and_run(ctx, gendir, target, inp, out, sanitize=False):
    """Builds gendir/m.c with dump_outputs.c for target and runs it: (stage, status, log)."""
    exe = os.path.join(gendir, "prog" + ("-san" if sanitize else ""))
    if target == "neon":
        cc = [ctx.cross_cc] + STRICT + [ctx.cur_opt, "-static"]
        runner = [ctx.qemu]
    else:
        cc = [ctx.cc] + STRICT + [ctx.cur_opt]
        cc += TARGET_FLAGS.get(target, [])
        runner = []
    if sanitize:
        cc += SAN
    cmd = cc + ["-I", gendir, "-DMODEL=m", os.path.join(gendir, "m.c")] + weights_asm(gendir, "m") + \
        [DUMP_C, "-o", exe, "-lm"]
    st, log = sh(cmd, BUILD_TIMEOUT)
    if st != 0:
        return "build", st, quote(cmd) + "\n" + log
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="print_stacktrace=1")
    st, log2 = sh(runner + [exe, inp, out], RUN_TIMEOUT, env=env)
    if st != 0 or "runtime error" in log2 or "Sanitizer" in log2:
        return "run", st, quote(runner + [exe, inp, out]) + "\n" + log2
    return "ok", 0, log2


def c_hash(path, name=b"m"):
    """Hash of generated C without its banner comment (it holds the command line), with the
    model's name replaced by m (configurations of one graph are compiled under distinct names)."""
    with open(path, "rb") as f:
        text = f.read()
    if text.startswith(b"/*"):
        end = text.find(b"*/")
        text = text[end + 2:] if end >= 0 else text
    if name != b"m":
        text = text.replace(name, b"m")
    return hashlib.sha256(text).hexdigest()


DRIVER = r"""/* difftest driver: runs several generated models on the same samples. */
#include <stdio.h>
#include <stdlib.h>
%(includes)s
typedef int (*run_fn)(const float *, float *);
static const run_fn runs[] = {%(runs)s};
static const long in_sizes[] = {%(ins)s};
static const long out_sizes[] = {%(outs)s};

int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb");
    long n, k, s, len;
    float *x, *y;
    if (argc != %(argc)d || !f) return 2;
    fseek(f, 0, SEEK_END);
    len = ftell(f) / 4;
    fseek(f, 0, SEEK_SET);
    x = malloc((size_t)len * 4 + 4);
    if (!x || fread(x, 4, (size_t)len, f) != (size_t)len) return 2;
    fclose(f);
    for (k = 0; k < %(n)d; k++) {
        FILE *o = fopen(argv[2 + k], "wb");
        n = len / in_sizes[k];
        y = malloc((size_t)out_sizes[k] * 4);
        if (!o || !y) return 2;
        for (s = 0; s < n; s++) {
            if (runs[k](x + s * in_sizes[k], y) != 0) {
                printf("config %%ld: run returned non-zero on sample %%ld\n", k, s);
                break;
            }
            fwrite(y, 4, (size_t)out_sizes[k], o);
        }
        fclose(o);
        free(y);
    }
    free(x);
    return 0;
}
"""


_PCH = {}


def precompiled_header(ctx, cc):
    """Flags that make cc use a precompiled immintrin.h, which every file generated for an
    x86 SIMD target includes and which is most of an -O0 build of a small graph (0.35 ->
    0.16 s); [] for other targets or when it cannot be built. Only that header, so that a
    generated file that forgets another include still fails to build. One per compiler
    command line and worker process."""
    key = tuple(cc)
    if "-mavx2" not in cc and "-mavx512f" not in cc:
        return []
    if key not in _PCH:
        d = os.path.join(ctx.work, "pch", "%d-%s" % (os.getpid(), hashlib.sha1(" ".join(cc).encode()).hexdigest()[:12]))
        os.makedirs(d, exist_ok=True)
        h = os.path.join(d, "sys.h")
        with open(h, "w") as f:
            f.write("#include <immintrin.h>\n")
        st, _ = sh(cc + ["-x", "c-header", h, "-o", h + ".gch"], BUILD_TIMEOUT)
        _PCH[key] = ["-include", h] if st == 0 else []
    return _PCH[key]


def build_and_run_many(ctx, wdir, target, items, inp):
    """One program for several generated models of one native target: items are
    (gendir, name, out path). Returns {name: (stage, status, log)} or None when the joint
    build or run failed (the caller then builds each alone, to say which one)."""
    if not items:
        return {}
    drv = os.path.join(wdir, "driver_%s.c" % target)
    with open(drv, "w") as f:
        f.write(DRIVER % dict(
            includes="".join('#include "%s.h"\n' % n for _, n, _ in items),
            runs=", ".join("%s_run" % n for _, n, _ in items),
            ins=", ".join("%s_INPUT_SIZE" % n for _, n, _ in items),
            outs=", ".join("%s_OUTPUT_SIZE" % n for _, n, _ in items),
            argc=2 + len(items), n=len(items)))
    exe = os.path.join(wdir, "prog_%s" % target)
    cc = [ctx.cc] + STRICT + [ctx.cur_opt] + TARGET_FLAGS.get(target, [])
    cc += precompiled_header(ctx, cc)
    incs = []
    for d, _, _ in items:
        incs += ["-I", d]
    srcs = []
    for d, n, _ in items:
        srcs += [os.path.join(d, n + ".c")] + weights_asm(d, n)
    cmd = cc + incs + srcs + [drv, "-o", exe, "-lm"]
    st, log = sh(cmd, BUILD_TIMEOUT)
    if st != 0:
        return None
    st, log = sh([exe, inp] + [o for _, _, o in items], RUN_TIMEOUT)
    if st != 0 or "non-zero" in log:
        return None
    return {n: ("ok", 0, "") for _, n, _ in items}


def run_config(ctx, cfg, model, inp, count, wdir, cache, sanitize=False):
    """Runs one configuration: (status, outputs or None, log). status: ok, refused, crash,
    build, run, timeout, sanitizer. cache: C hash -> result, per target."""
    out = os.path.join(wdir, cfg.replace(":", "_") + ("-san" if sanitize else "") + ".bin")
    if cfg.startswith("run"):
        a = [ctx.tsnc, "run", model, "--input", inp, "-o", out]
        if cfg == "run-import":
            a += ["--after", "import"]
        elif cfg == "run-dense":
            a += ["--dense"]
        st, log = sh(a, TSNC_TIMEOUT)
        if st == "timeout":
            return "timeout", None, quote(a) + "\n" + log
        if st == 1:
            return "refused", None, quote(a) + "\n" + log
        if st != 0:
            return "crash", None, quote(a) + "\n" + log
        return "ok", np.fromfile(out, dtype=np.float32), quote(a)
    target, impl = cfg.split(":")
    gendir = os.path.join(wdir, cfg.replace(":", "_"))
    st, log, a = tsnc_compile(ctx, model, gendir, target, impl)
    if st != "ok":
        return st, None, log
    key = (target, c_hash(os.path.join(gendir, "m.c")), sanitize)
    if key in cache:
        return cache[key]
    stage, st, log2 = build_and_run(ctx, gendir, target, inp, out, sanitize)
    if stage == "ok":
        res = ("ok", np.fromfile(out, dtype=np.float32), quote(a))
    elif st == "timeout":
        res = ("timeout", None, quote(a) + "\n" + log2)
    elif stage == "build":
        res = ("build", None, quote(a) + "\n" + log2)
    elif sanitize and ("runtime error" in log2 or "Sanitizer" in log2):
        res = ("sanitizer", None, quote(a) + "\n" + log2)
    else:
        res = ("run", None, quote(a) + "\n" + log2)
    cache[key] = res
    return res


def batch_native(ctx, cfgs, model, inp, wdir):
    """Compiles every native configuration under its own name, builds the distinct ones of
    each target into one program and runs it: {cfg: (status, outputs, log)} for the
    configurations settled that way (the others go through run_config)."""
    done = {}
    by_target = {}
    for cfg in cfgs:
        target, impl = cfg.split(":")
        name = "m_" + impl
        gendir = os.path.join(wdir, "b_" + cfg.replace(":", "_"))
        st, log, a = tsnc_compile(ctx, model, gendir, target, impl, name)
        if st != "ok":
            done[cfg] = (st, None, log)
            continue
        key = c_hash(os.path.join(gendir, name + ".c"), name.encode())
        by_target.setdefault(target, {}).setdefault(key, []).append((cfg, gendir, name, quote(a)))
    for target, groups in by_target.items():
        items = []
        for key, members in groups.items():
            cfg, gendir, name, cmd = members[0]
            items.append((gendir, name, os.path.join(gendir, "out.bin")))
        res = build_and_run_many(ctx, wdir, target, items, inp)
        if res is None:
            continue  # run_config builds each alone and says which failed
        for (gendir, name, out), members in zip(items, groups.values()):
            y = np.fromfile(out, dtype=np.float32)
            for cfg, _, _, cmd in members:
                done[cfg] = ("ok", y, cmd)
    return done


def near_mask(case, outs, count):
    """Per sample: True if a potential is within NEAR_EPS of a threshold (float mode only)."""
    near = np.zeros(count, dtype=bool)
    for name, ths in case["probes"]:
        v = outs.get(name)
        if v is None:
            continue
        v = v.reshape(count, -1).astype(np.float64)
        for th in ths:
            d = np.abs(v - th)
            near |= np.nanmin(np.where(np.isfinite(d), d, np.inf), axis=1) < gen.NEAR_EPS * max(1.0, abs(th))
    return near


# ---------------------------------------------------------------------------

def check_case(ctx, seed):
    """Everything for one seed; returns a dict of results for the summary."""
    CPU.clear()
    ctx.cur_opt = ctx.opt if ctx.opt != "rotate" else ("-O2" if seed % 3 == 0 else "-O0")
    res = dict(seed=seed, configs={}, findings=[], near=0, samples=0, status="ok", tags=[], cpu=CPU)
    try:
        case = gen.generate(seed, ctx.avoid)
    except gen.Avoided as e:
        res["status"] = "avoided"
        res["error"] = str(e)
        return res
    res["tags"] = case["tags"]
    if not ctx.require <= set(case["tags"]):
        res["status"] = "unwanted"
        res["tags"] = []
        return res
    wdir = os.path.join(ctx.work, "cases", str(seed))
    shutil.rmtree(wdir, ignore_errors=True)
    os.makedirs(wdir)
    model = os.path.join(wdir, "model.onnx")
    probe = os.path.join(wdir, "probe.onnx")
    inp = os.path.join(wdir, "input.bin")
    onnx.save(case["model"], model)
    onnx.save(case["probe_model"], probe)
    case["samples"].tofile(inp)
    count = case["samples"].shape[0]
    ort = ort_for_worker(ctx)
    outs = ort_outputs(ort, probe, inp, case["input_shape"], count, os.path.join(wdir, "ort.bin"))
    if isinstance(outs, str):
        res["status"] = "invalid"
        res["error"] = outs
        if not ctx.keep:
            shutil.rmtree(wdir, ignore_errors=True)
        return res
    ref = outs[case["output"]]
    if tuple(ref.shape[1:]) != tuple(case["output_shape"]):
        res["status"] = "invalid"
        res["error"] = "generator shape %s, onnxruntime %s" % (case["output_shape"], ref.shape[1:])
        return res
    ref.astype(np.float32).tofile(os.path.join(wdir, "expected.bin"))
    near = near_mask(case, outs, count)
    res["near"] = int(near.sum())
    res["samples"] = count
    use = ~near
    ref2 = ref.reshape(count, -1)

    # the generated code of the native targets on every native_every-th graph; the
    # interpreter configurations (about 40x cheaper: no C compiler) on every graph
    native = ctx.native_every and seed % ctx.native_every == 0
    targets = [t for t in ctx.targets if t != "neon"] if native else []
    cfgs = config_names(targets, ctx.impls)
    if "neon" in ctx.targets and ctx.neon_every and seed % ctx.neon_every == 0:
        # emulated: one spike implementation per graph, rotating
        cfgs.append("neon:" + ctx.impls[(seed // ctx.neon_every) % len(ctx.impls)])
    cache = {}
    failures = []
    pre = batch_native(ctx, [c for c in cfgs if c.split(":")[0] in ("generic", "avx2", "avx512")],
                       model, inp, wdir)
    for cfg in cfgs:
        if cfg in pre:
            st, got, log = pre[cfg]
        else:
            st, got, log = run_config(ctx, cfg, model, inp, count, wdir, cache)
        if st == "ok":
            got = got.reshape(count, -1) if got.size == ref2.size else None
            if got is None:
                st, log = "mismatch", log + "\noutput size differs from onnxruntime's"
            else:
                ok = close(got, ref2)
                bad = ~ok.all(axis=1)
                if (bad & use).any():
                    st = "mismatch"
                    s = int(np.argmax(bad & use))
                    i = int(np.argmax(~ok[s]))
                    log += "\nsample %d element %d: tsnc %r, onnxruntime %r (%d/%d samples differ)" % (
                        s, i, float(got[s, i]), float(ref2[s, i]), int((bad & use).sum()), int(use.sum()))
                elif (bad & near).any():
                    st = "near"
        res["configs"][cfg] = st
        if st not in ("ok", "near"):
            failures.append((cfg, st, log))
    # one build again under ASan + UBSan (rotating through targets x impls)
    if ctx.san_every and seed % ctx.san_every == 0:
        native = [t for t in targets if t != "neon"]
        if native:
            combos = [(t, i) for t in native for i in ctx.impls]
            t, i = combos[(seed // max(ctx.san_every, 1)) % len(combos)]
            cfg = "%s:%s" % (t, i)
            st, got, log = run_config(ctx, cfg, model, inp, count, wdir, {}, sanitize=True)
            if st in ("ok",):
                pass
            elif st == "refused":
                st = "ok"  # reported by the plain build already
            res["configs"][cfg + "+san"] = st
            if st != "ok":
                failures.append((cfg + "+san", st, log))
    if failures:
        res["status"] = "finding"
        res["findings"] = save_finding(ctx, seed, case, wdir, failures, use)
    elif not ctx.keep:
        shutil.rmtree(wdir, ignore_errors=True)
    return res


def save_finding(ctx, seed, case, wdir, failures, use):
    kinds = sorted(set(st for _, st, _ in failures))
    fdir = os.path.join(ctx.findings, "seed%d-%s" % (seed, "+".join(kinds)))
    shutil.rmtree(fdir, ignore_errors=True)
    os.makedirs(fdir)
    for f in ("model.onnx", "input.bin", "expected.bin"):
        shutil.copy(os.path.join(wdir, f), fdir)
    np.array(use, dtype=np.uint8).tofile(os.path.join(fdir, "compared.bin"))
    first = failures[0][0]
    avoid = ctx.avoid_arg or ""
    with open(os.path.join(fdir, "repro.sh"), "w") as f:
        f.write("# regenerate and check this seed (same generator version):\n")
        f.write("test/difftest/run.py --seed %d --count 1%s\n" % (seed, " --avoid " + avoid if avoid else ""))
        f.write("# or replay the saved model on the failing configuration:\n")
        f.write("test/difftest/run.py --replay %s --config %s\n" % (fdir, first))
    with open(os.path.join(fdir, "log.txt"), "w") as f:
        f.write("seed %d opset %d exact %s tags %s\n" % (seed, case["opset"], case["exact"],
                                                        ",".join(case["tags"])))
        for cfg, st, log in failures:
            f.write("\n== %s: %s\n%s\n" % (cfg, st, log[-4000:]))
    summary = ["%s:%s" % (cfg, st) for cfg, st, _ in failures]
    if ctx.minimize and any(st != "timeout" for _, st, _ in failures):
        failures_m = [f for f in failures if f[1] != "timeout"]
        cfg, st, _ = next(((c, s, l) for c, s, l in failures_m if not c.endswith("+san")), failures_m[0])
        small = minimize(ctx, fdir, cfg.replace("+san", ""), st, case["input_shape"], use,
                         sanitize=cfg.endswith("+san"))
        if small:
            summary.append("minimized:%s" % small)
    return dict(dir=fdir, failures=summary, first=first)


# ---------------------------------------------------------------------------
# minimization: cut the graph at the earliest float tensor that still fails

def prune(model, out_name):
    g = model.graph
    need = {out_name}
    keep = []
    for node in reversed(g.node):
        if any(o in need for o in node.output):
            keep.append(node)
            need.update(i for i in node.input if i)
    keep.reverse()
    m = onnx.ModelProto()
    m.CopyFrom(model)
    del m.graph.node[:]
    m.graph.node.extend(keep)
    inits = [t for t in model.graph.initializer if t.name in need]
    del m.graph.initializer[:]
    m.graph.initializer.extend(inits)
    del m.graph.output[:]
    m.graph.output.extend([helper.make_tensor_value_info(out_name, onnx.TensorProto.FLOAT, None)])
    del m.graph.value_info[:]
    return m, len(keep)


def float_tensors(model):
    try:
        inf = onnx.shape_inference.infer_shapes(model)
    except Exception:
        return []
    types = {v.name: v.type.tensor_type.elem_type for v in inf.graph.value_info}
    names = []
    for node in model.graph.node:
        for o in node.output:
            if types.get(o) == onnx.TensorProto.FLOAT and node.op_type != "Constant":
                names.append(o)
    return names


def minimize(ctx, fdir, cfg, kind, in_shape, use, sanitize=False, budget=90.0):
    model = onnx.load(os.path.join(fdir, "model.onnx"))
    inp = os.path.join(fdir, "input.bin")
    count = len(use)
    ort = ort_for_worker(ctx)
    t0 = time.time()
    mdir = os.path.join(fdir, "min-work")
    best = None
    for name in float_tensors(model):
        if time.time() - t0 > budget:
            break
        m, n = prune(model, name)
        if "input" not in [i for node in m.graph.node for i in node.input]:
            continue
        shutil.rmtree(mdir, ignore_errors=True)
        os.makedirs(mdir)
        path = os.path.join(mdir, "model.onnx")
        onnx.save(m, path)
        outs = ort_outputs(ort, path, inp, in_shape, count, os.path.join(mdir, "ort.bin"))
        if isinstance(outs, str):
            continue
        ref = list(outs.values())[0].reshape(count, -1)
        st, got, log = run_config(ctx, cfg, path, inp, count, mdir, {}, sanitize)
        fails = False
        if kind == "mismatch" and st == "ok" and got.size == ref.size:
            ok = close(got.reshape(count, -1), ref)
            fails = bool((~ok.all(axis=1) & use).any())
        elif kind != "mismatch" and st == kind:
            fails = True
        if fails:
            best = (name, n)
            onnx.save(m, os.path.join(fdir, "min.onnx"))
            ref.astype(np.float32).tofile(os.path.join(fdir, "min.expected.bin"))
            with open(os.path.join(fdir, "repro.sh"), "a") as f:
                f.write("# the smallest failing cut (%d nodes, output %s):\n" % (n, name))
                f.write("test/difftest/run.py --replay %s --model min.onnx --config %s\n" % (fdir, cfg))
            break
    shutil.rmtree(mdir, ignore_errors=True)
    return "%d nodes" % best[1] if best else None


# ---------------------------------------------------------------------------

def replay(ctx, fdir, model_file, cfgs):
    """Runs a saved finding again and prints what each configuration gives."""
    model = os.path.join(fdir, model_file)
    inp = os.path.join(fdir, "input.bin")
    m = onnx.load(model)
    dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    x = np.fromfile(inp, dtype=np.float32)
    count = x.size // int(np.prod(dims))
    use = np.ones(count, dtype=bool)
    if os.path.exists(os.path.join(fdir, "compared.bin")):
        use = np.fromfile(os.path.join(fdir, "compared.bin"), dtype=np.uint8).astype(bool)
    wdir = os.path.join(ctx.work, "replay")
    shutil.rmtree(wdir, ignore_errors=True)
    os.makedirs(wdir)
    ort = ort_for_worker(ctx)
    ctx.cur_opt = "-O2" if ctx.opt == "rotate" else ctx.opt
    outs = ort_outputs(ort, model, inp, dims, count, os.path.join(wdir, "ort.bin"))
    if isinstance(outs, str):
        print("onnxruntime refuses the model: " + outs)
        return 1
    ref = list(outs.values())[0].reshape(count, -1)
    bad_any = False
    for cfg in cfgs:
        san = cfg.endswith("+san")
        st, got, log = run_config(ctx, cfg.replace("+san", ""), model, inp, count, wdir, {}, san)
        line = "%-16s %s" % (cfg, st)
        if st == "ok":
            ok = close(got.reshape(count, -1), ref)
            bad = ~ok.all(axis=1) & use
            if bad.any():
                s = int(np.argmax(bad))
                idx = np.nonzero(~ok[s])[0]
                line = "%-16s MISMATCH in %d of %d compared samples; sample %d, %d elements, first %d: " \
                       "tsnc %r onnxruntime %r" % (cfg, int(bad.sum()), int(use.sum()), s, idx.size, idx[0],
                                                   float(got.reshape(count, -1)[s, idx[0]]), float(ref[s, idx[0]]))
                bad_any = True
            else:
                line += " (matches onnxruntime)"
        else:
            bad_any = True
            line += "\n" + log[-2000:]
        print(line)
    return 1 if bad_any else 0


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tsnc", default=os.path.join(ROOT, "build", "tsnc"))
    ap.add_argument("--work", default=None, help="scratch directory (default: TSNC's dir/difftest)")
    ap.add_argument("--findings", default=None, help="where findings go (default: WORK/findings)")
    ap.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--count", type=int, default=100, help="number of graphs (seeds SEED..SEED+COUNT-1)")
    ap.add_argument("--time-limit", type=float, default=0, help="stop starting graphs after this many seconds")
    ap.add_argument("--min-graphs", type=int, default=0,
                    help="with --time-limit: fail unless at least this many graphs were checked")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--avoid", default="",
                    help="comma-separated tags the generator must not produce; 'known' = gen.KNOWN_ISSUES "
                         "(%s)" % ",".join(sorted(gen.KNOWN_ISSUES)))
    ap.add_argument("--require", default="",
                    help="comma-separated tags: check only the graphs that have all of them "
                         "(the others are generated and dropped, which is cheap)")
    ap.add_argument("--targets", default=None,
                    help="comma-separated: generic, avx2, avx512, neon (default: generic,avx2,neon, "
                         "and avx512 where the CPU has AVX-512F/BW/VL)")
    ap.add_argument("--impls", default=",".join(IMPLS),
                    help="spike implementations (nospike = tsnc --dense); default all")
    ap.add_argument("--neon-every", type=int, default=2,
                    help="build for neon and run under qemu on every N-th seed, one --spike-impl "
                         "(rotating) per graph (0: never)")
    ap.add_argument("--native-every", type=int, default=1,
                    help="build and run the generated code of the native targets on every N-th seed "
                         "(default 1: every graph; 0: never; the tsnc run configurations run on every graph)")
    ap.add_argument("--sanitize-every", type=int, default=3, help="one ASan+UBSan build every N-th seed (0: never)")
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--cross-cc", default="aarch64-linux-gnu-gcc")
    ap.add_argument("--qemu", default="qemu-aarch64")
    ap.add_argument("--opt", default="rotate",
                    help="optimization level of the generated code's builds; 'rotate' (default): "
                         "-O2 on every third seed, -O0 (a third of gcc's time) on the others")
    ap.add_argument("--node", default=os.environ.get("NODE", "node"))
    ap.add_argument("--no-minimize", dest="minimize", action="store_false")
    ap.add_argument("--keep", action="store_true", help="keep every case's directory")
    ap.add_argument("--replay", help="a findings directory: run its model again")
    ap.add_argument("--model", default="model.onnx", help="with --replay: which model file (min.onnx)")
    ap.add_argument("--config", default=None, help="with --replay: comma-separated configurations "
                    "(run, run-import, run-dense, TARGET:IMPL[+san]); default all")
    ap.add_argument("--list-tags", action="store_true")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.list_tags:
        for t in gen.ALL_TAGS:
            print("%-18s %s%s" % (t, "KNOWN ISSUE: " if t in gen.KNOWN_ISSUES else "", gen.TAGS[t]))
        sys.exit(0)
    avoid = set()
    for t in filter(None, args.avoid.split(",")):
        if t == "known":
            avoid |= set(gen.KNOWN_ISSUES)
        elif t in gen.ALL_TAGS:
            avoid.add(t)
        else:
            ap.error("unknown tag %r (--list-tags)" % t)
    args.avoid_set = avoid
    args.require_set = set(filter(None, args.require.split(",")))
    for t in args.require_set:
        if t not in gen.ALL_TAGS:
            ap.error("unknown tag %r (--list-tags)" % t)
    args.tsnc = os.path.abspath(args.tsnc)
    if args.work is None:
        args.work = os.path.join(os.path.dirname(args.tsnc), "difftest")
    args.work = os.path.abspath(args.work)
    args.findings = os.path.abspath(args.findings or os.path.join(args.work, "findings"))
    if args.targets is None:
        args.targets = "generic,avx2,neon" + (",avx512" if cpu_has_avx512() else "")
    args.targets = [t for t in args.targets.split(",") if t]
    args.impls = [i for i in args.impls.split(",") if i]
    return args


def check_setup(args):
    if not os.access(args.tsnc, os.X_OK):
        raise Setup("tsnc not found at %s (build it, or pass --tsnc)" % args.tsnc)
    if shutil.which(args.node) is None:
        raise Setup("node not found (tools/install-deps.sh installs nodejs)")
    for t in args.targets:
        if t == "neon" and (shutil.which(args.cross_cc) is None or shutil.which(args.qemu) is None):
            raise Setup("--targets has neon but %s or %s is missing (tools/install-deps.sh)"
                        % (args.cross_cc, args.qemu))
        if t == "avx2":
            with open("/proc/cpuinfo") as f:
                info = f.read()
            if not (re.search(r"\bavx2\b", info) and re.search(r"\bfma\b", info)):
                raise Setup("--targets has avx2 but this CPU lacks AVX2/FMA; pass --targets generic,neon")
        if t == "avx512":
            if not cpu_has_avx512():
                raise Setup("--targets has avx512 but this CPU lacks AVX-512F/BW/VL; leave it out")
    ort = Ort(args.node)  # fails loudly without onnxruntime
    ver = ort.version
    ort.p.stdin.close()
    ort.p.wait()
    return ver


class Interrupted(Exception):
    pass


def _interrupt(*_):
    raise Interrupted()


def _worker_check(a):
    ctx, seed = a
    try:
        return check_case(ctx, seed)
    except Setup as e:
        return dict(seed=seed, status="setup", error=str(e), configs={}, findings=[], tags=[])


def main(argv):
    args = parse_args(argv)
    try:
        ver = check_setup(args)
    except Setup as e:
        print("difftest: error: %s" % e, file=sys.stderr)
        return 2
    ctx = Context(args)
    os.makedirs(args.work, exist_ok=True)
    if args.replay:
        cfgs = args.config.split(",") if args.config else config_names(args.targets, args.impls)
        return replay(ctx, os.path.abspath(args.replay), args.model, cfgs)
    os.makedirs(args.findings, exist_ok=True)
    print("difftest: onnxruntime %s, tsnc %s, seeds %d..%d, jobs %d, avoid %s" % (
        ver, args.tsnc, args.seed, args.seed + args.count - 1, args.jobs,
        ",".join(sorted(args.avoid_set)) or "-"), flush=True)
    t0 = time.time()
    seeds = iter(range(args.seed, args.seed + args.count))
    results = []
    stats = {}
    status = {}
    near = samples = 0
    tags = {}
    cpu = {}
    pool = mp.get_context("fork").Pool(args.jobs)
    # SIGTERM (ctest's timeout, kill PID) must still stop the workers and their Node servers
    signal.signal(signal.SIGTERM, _interrupt)
    interrupted = False
    pending = []
    done = False
    setup_error = None
    try:
        while True:
            while not done and len(pending) < 2 * args.jobs:
                if args.time_limit and time.time() - t0 > args.time_limit:
                    done = True
                    break
                s = next(seeds, None)
                if s is None:
                    done = True
                    break
                pending.append(pool.apply_async(_worker_check, ((ctx, s),)))
            if not pending:
                break
            ready = [p for p in pending if p.ready()]
            if not ready:
                time.sleep(0.02)
                continue
            for p in ready:
                pending.remove(p)
                r = p.get()
                if r["status"] == "unwanted":
                    continue
                results.append(r)
                status[r["status"]] = status.get(r["status"], 0) + 1
                if r["status"] == "setup":
                    setup_error = r["error"]
                    done = True
                for k, v in r.get("cpu", {}).items():
                    cpu[k] = cpu.get(k, 0.0) + v
                near += r.get("near", 0)
                samples += r.get("samples", 0)
                for t in r.get("tags", []):
                    tags[t] = tags.get(t, 0) + 1
                for cfg, st in r["configs"].items():
                    stats.setdefault(cfg, {})
                    stats[cfg][st] = stats[cfg].get(st, 0) + 1
                if r["status"] == "finding":
                    f = r["findings"]
                    print("FINDING seed %d: %s -> %s" % (r["seed"], " ".join(f["failures"]), f["dir"]),
                          flush=True)
                elif r["status"] == "invalid":
                    print("note: seed %d: onnxruntime rejects the generated graph: %s" % (
                        r["seed"], r.get("error", "")[:300]), flush=True)
                if not args.quiet and len(results) % 25 == 0:
                    print("  %d graphs, %.0f s, %d findings" % (
                        len(results), time.time() - t0, status.get("finding", 0)), flush=True)
    except (Interrupted, KeyboardInterrupt):
        interrupted = True
        print("difftest: interrupted; the summary covers the graphs finished so far", flush=True)
    finally:
        pool.terminate()
        pool.join()
    el = time.time() - t0
    checked = sum(v for k, v in status.items() if k in ("ok", "finding"))
    print("\ndifftest: %d graphs in %.0f s (%.2f/s): %s" % (
        len(results), el, len(results) / max(el, 1e-9),
        ", ".join("%s %d" % kv for kv in sorted(status.items()))))
    print("samples: %d compared of %d (%d near a threshold, not compared)" % (samples - near, samples, near))
    print("%-18s %s" % ("configuration", "results"))
    for cfg in sorted(stats):
        print("%-18s %s" % (cfg, " ".join("%s=%d" % kv for kv in sorted(stats[cfg].items()))))
    print("tags: " + " ".join("%s=%d" % kv for kv in sorted(tags.items())))
    print("CPU seconds: " + " ".join("%s=%.1f" % kv for kv in sorted(cpu.items(), key=lambda kv: -kv[1])))
    with open(os.path.join(args.work, "summary.json"), "w") as f:
        json.dump(dict(graphs=len(results), seconds=el, status=status, configs=stats, tags=tags,
                       findings=[r["findings"] for r in results if r["status"] == "finding"],
                       invalid=[(r["seed"], r.get("error")) for r in results if r["status"] == "invalid"]),
                  f, indent=1)
    if setup_error:
        print("difftest: error: %s" % setup_error, file=sys.stderr)
        return 2
    if interrupted:
        return 130
    if args.min_graphs and checked < args.min_graphs:
        print("difftest: error: only %d graphs checked, fewer than --min-graphs %d" % (
            checked, args.min_graphs), file=sys.stderr)
        return 1
    if status.get("finding"):
        print("difftest: %d graphs with findings in %s" % (status["finding"], args.findings))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
