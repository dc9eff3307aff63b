# shellcheck shell=sh
# Sourced by the target test scripts. probe_target TARGET CC RUNNER returns
# 1 after a "SKIP: ..." line when this machine cannot build or run TARGET's
# code: the ctest case then reports itself skipped (exit 77), not passed.

# True if the CPU (and the kernel, which lists only usable features) has AVX2 and FMA.
cpu_has_avx2() {
    if [ -r /proc/cpuinfo ]; then
        grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo
        return
    fi
    # no /proc: ask the compiler's run-time CPU detection in a tiny probe
    p=$(mktemp -d)
    printf 'int main(void) {\n    __builtin_cpu_init();\n    return !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));\n}\n' >"$p/probe.c"
    ok=1
    if "${1:-cc}" "$p/probe.c" -o "$p/probe" 2>/dev/null && "$p/probe"; then ok=0; fi
    rm -rf "$p"
    return $ok
}

# True if the CPU has AVX-512F, BW and VL (and AVX2/FMA: the avx512 target runs avx2 kernels too).
cpu_has_avx512() {
    if [ -r /proc/cpuinfo ]; then
        grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo &&
            cpu_has_avx2 "$1"
        return
    fi
    p=$(mktemp -d)
    printf 'int main(void) {\n    __builtin_cpu_init();\n    return !(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&\n             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));\n}\n' >"$p/probe.c"
    ok=1
    if "${1:-cc}" "$p/probe.c" -o "$p/probe" 2>/dev/null && "$p/probe"; then ok=0; fi
    rm -rf "$p"
    return $ok
}

probe_target() {
    target=$1 cc=$2 runner=$3
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "SKIP: compiler $cc not found (tools/install-deps.sh installs it)"
        return 1
    fi
    if [ -n "$runner" ]; then
        # shellcheck disable=SC2086 # the runner's first word is the program
        set -- $runner
        if ! command -v "$1" >/dev/null 2>&1; then
            echo "SKIP: $1 not found, cannot run $target code here (apt-get install qemu-user; tools/install-deps.sh)"
            return 1
        fi
    elif [ "$target" = avx2 ] && ! cpu_has_avx2 "$cc"; then
        echo "SKIP: this CPU lacks AVX2 or FMA (no avx2/fma flag in /proc/cpuinfo), so code"
        echo "      generated with --target avx2 cannot run here; --target generic runs anywhere"
        return 1
    elif [ "$target" = avx512 ] && ! cpu_has_avx512 "$cc"; then
        echo "SKIP: this CPU lacks AVX-512F/BW/VL (no avx512f/avx512bw/avx512vl flag in /proc/cpuinfo),"
        echo "      so code generated with --target avx512 cannot run here; use --target avx2 or generic"
        return 1
    fi
    return 0
}
