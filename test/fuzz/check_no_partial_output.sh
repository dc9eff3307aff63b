#!/bin/sh
# No partial output: when `tsnc compile` fails — in the model, in
# code generation, or while writing — it exits with status 1 and leaves no
# NAME.c, NAME.h or temporary file behind. (Permission bits do not stop root,
# so the write failures are made with paths that cannot be written by anyone.)
#
# usage: check_no_partial_output.sh TSNC SRCDIR WORKDIR
set -eu
tsnc=$1 src=$2 work=$3/no-partial-output
rm -rf "$work"
mkdir -p "$work"
fails=0

# expect_fail NAME EXPECTED_STDERR_SUBSTRING DIR CMD...: exit 1, message, DIR listing afterwards.
expect_fail() {
  name=$1 want=$2
  shift 2
  status=0
  "$@" >"$work/$name.out" 2>"$work/$name.err" || status=$?
  if [ "$status" -ne 1 ]; then
    echo "FAIL: $name: exit status $status, expected 1"; cat "$work/$name.err"; fails=$((fails + 1))
  elif ! grep -qF -- "$want" "$work/$name.err"; then
    echo "FAIL: $name: no error containing: $want"; cat "$work/$name.err"; fails=$((fails + 1))
  else
    echo "ok: $name: $(head -n 1 "$work/$name.err")"
  fi
}

# expect_listing NAME DIR EXPECTED: the exact contents of DIR (sorted, one line).
expect_listing() {
  got=$(cd "$2" && ls -A | tr '\n' ' ')
  if [ "$got" != "$3" ]; then
    echo "FAIL: $1: $2 holds '$got', expected '$3'"; fails=$((fails + 1))
  fi
}

# 1. An error in the model: nothing is written, the directory stays empty.
mkdir "$work/model_error"
expect_fail model_error "raw_data has 4 bytes" \
  "$tsnc" compile "$src/test/data/onnx/err_raw_data_length.onnx" -o "$work/model_error"
expect_listing model_error "$work/model_error" ""

# 2. An error in code generation (an output without elements: the generated API has no
#    array for it): import and every pass succeed, then codegen fails. The directory
#    is not created.
expect_fail codegen_error "has no elements; the generated C API needs at least one" \
  "$tsnc" compile "$src/test/data/onnx/err_output_empty.onnx" -o "$work/codegen_error/out"
if [ -e "$work/codegen_error/out" ]; then
  echo "FAIL: codegen_error: the output directory was created"; fails=$((fails + 1))
fi

# 3. The output directory cannot be created (its parent is a regular file).
: >"$work/a_file"
expect_fail parent_is_file "cannot create directory: Not a directory" \
  "$tsnc" compile "$src/models/digits_mlp_t4.onnx" -o "$work/a_file/out"
expect_listing parent_is_file "$work" "a_file codegen_error.err codegen_error.out model_error model_error.err model_error.out parent_is_file.err parent_is_file.out "


# 4. Writing NAME.c fails after NAME.h was written (NAME.c is a directory, so the
#    rename of the finished temporary file onto it fails): NAME.h is removed
#    again and no temporary file is left.
mkdir -p "$work/write_error/m.c"
expect_fail write_error "cannot write" \
  "$tsnc" compile "$src/models/digits_mlp_t4.onnx" -n m -o "$work/write_error"
expect_listing write_error "$work/write_error" "m.c "
expect_listing write_error/m.c "$work/write_error/m.c" ""

# 5. The disk fills up while NAME.c is written (a file size limit with SIGXFSZ
#    ignored makes the write fail with EFBIG after NAME.h, which is small, was
#    written): the NAME.c and NAME.h of an earlier compile stay as they were.
mkdir "$work/disk_full"
"$tsnc" compile "$src/models/digits_mlp_t4.onnx" -n m -o "$work/disk_full"
before=$(cd "$work/disk_full" && cksum m.c m.h)
# shellcheck disable=SC2016
expect_fail disk_full "m.c: cannot write: File too large" \
  sh -c 'trap "" XFSZ; ulimit -f 64; exec "$0" compile "$1" -n m -o "$2"' \
  "$tsnc" "$src/models/fmnist_cnn_t4.onnx" "$work/disk_full"
expect_listing disk_full "$work/disk_full" "m.c m.h "
if [ "$(cd "$work/disk_full" && cksum m.c m.h)" != "$before" ]; then
  echo "FAIL: disk_full: the earlier m.c / m.h were changed"; fails=$((fails + 1))
fi

# 6. Success leaves exactly NAME.c and NAME.h (no temporary files).
mkdir "$work/success"
"$tsnc" compile "$src/models/digits_mlp_t4.onnx" -n m -o "$work/success"
expect_listing success "$work/success" "m.c m.h "

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "no partial output: all checks passed"
