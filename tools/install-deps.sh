#!/bin/sh
# Installs what building and testing tsnc needs on Debian 12 (idempotent).
# Runs apt-get through sudo when not root.
set -eu
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
PACKAGES="build-essential cmake pkg-config clang llvm-14-tools
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev nettle-dev zlib1g-dev libcmocka-dev
  dataset-fashion-mnist gzip python3 libclang-rt-14-dev valgrind
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user python3-onnx python3-numpy"
# Node.js runs onnxruntime (npm onnxruntime-node) for bench/ and test/difftest:
# Debian's nodejs and npm, unless a node is already installed (any version with
# N-API 6, i.e. Node >= 10.20, runs onnxruntime-node 1.30).
if ! command -v node >/dev/null 2>&1; then
  PACKAGES="$PACKAGES nodejs"
fi
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES="$PACKAGES npm"
fi
# Skip apt entirely when everything is already there (fast re-runs).
missing=$(dpkg-query -W -f='${Status} ${Package}\n' $PACKAGES 2>/dev/null |
          grep -v '^install ok installed' || true)
count=$(dpkg-query -W -f='${Package}\n' $PACKAGES 2>/dev/null | wc -l)
if [ -n "$missing" ] || [ "$count" -lt "$(echo $PACKAGES | wc -w)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  # shellcheck disable=SC2086
  $SUDO apt-get install -y --no-install-recommends $PACKAGES
fi

# onnxruntime-node into bench/ort/node_modules (its package.json pins the
# version; --ignore-scripts: the CPU library ships inside the package). Without
# network this only warns: the tests that need onnxruntime (difftest.smoke)
# then fail and say why.
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/bench/ort/node_modules/onnxruntime-node" ]; then
  if ! (cd "$root/bench/ort" && npm install --ignore-scripts --no-audit --no-fund --no-package-lock); then
    echo "install-deps.sh: warning: npm install of onnxruntime-node failed (no network?);" \
         "test/difftest cannot run" >&2
  fi
fi
if ! node -e "require('$root/bench/ort/node_modules/onnxruntime-node')" >/dev/null 2>&1; then
  echo "install-deps.sh: warning: onnxruntime-node does not load with node $(node --version 2>/dev/null)" >&2
fi
