#!/bin/sh
# Installs what building and testing tsnc needs on Debian 12 (idempotent).
# Runs apt-get through sudo when not root.
set -eu
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
PACKAGES="build-essential cmake pkg-config clang llvm-14-tools
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev nettle-dev zlib1g-dev libcmocka-dev
  dataset-fashion-mnist gzip python3 libclang-rt-14-dev valgrind
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"
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
