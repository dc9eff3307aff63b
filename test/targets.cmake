# Per-target kernels: included from test/CMakeLists.txt, after the
# e2e section (uses GCC_EXE, CLANG_EXE, SHIPPED_MODELS, E2E_WORK).
#
#  targets.kernels.<target>.<build>  every kernel variant of runtime/<target>/
#      against its generic reference on random shapes and values, bit for bit
#      (test/targets/kernel_check.c via check_kernels.sh).
#  targets.e2e.<model>.<target>.<build>  every shipped model compiled with
#      --target avx2 (gcc, clang, clang under ASan+UBSan), --target avx512 (gcc,
#      clang, clang under ASan+UBSan) or --target neon
#      (aarch64-linux-gnu-gcc -static, run by qemu-aarch64): against PyTorch
#      (test/e2e/run_e2e.sh thresholds) and against --target generic (every
#      sample within 1e-4, the same argmax).
#
# AVX2 cases skip (ctest "Skipped", exit 77) with a message on a CPU without
# AVX2/FMA, AVX-512 cases on a CPU without AVX-512F/BW/VL; NEON cases when the cross compiler or qemu-aarch64 is missing
# (tools/install-deps.sh installs them).
find_program(AARCH64_CC_EXE aarch64-linux-gnu-gcc)
find_program(QEMU_AARCH64_EXE qemu-aarch64)
if(NOT AARCH64_CC_EXE)
  set(AARCH64_CC_EXE aarch64-linux-gnu-gcc)
endif()
if(NOT QEMU_AARCH64_EXE)
  set(QEMU_AARCH64_EXE qemu-aarch64)
endif()

set(TARGETS_DIR ${CMAKE_CURRENT_SOURCE_DIR}/targets)
set(TARGETS_WORK ${CMAKE_BINARY_DIR}/targets)
set(AVX2_FLAGS "-mavx2 -mfma")
set(AVX512_FLAGS "-mavx512f -mavx512bw -mavx512vl -mfma")
set(SAN_FLAGS "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g")

# build name, compiler, flags, runner
set(TARGET_BUILDS
  "avx2|gcc|${GCC_EXE}|${AVX2_FLAGS}|"
  "avx2|clang|${CLANG_EXE}|${AVX2_FLAGS}|"
  "avx2|asan-clang|${CLANG_EXE}|${AVX2_FLAGS} ${SAN_FLAGS}|"
  "avx512|gcc|${GCC_EXE}|${AVX512_FLAGS}|"
  "avx512|clang|${CLANG_EXE}|${AVX512_FLAGS}|"
  "avx512|asan-clang|${CLANG_EXE}|${AVX512_FLAGS} ${SAN_FLAGS}|"
  "neon|qemu|${AARCH64_CC_EXE}|-static|${QEMU_AARCH64_EXE}")

foreach(build ${TARGET_BUILDS})
  string(REPLACE "|" ";" parts "${build}")
  list(GET parts 0 target)
  list(GET parts 1 tag)
  list(GET parts 2 cc)
  list(GET parts 3 flags)
  list(LENGTH parts n)
  set(runner "")
  if(n GREATER 4)
    list(GET parts 4 runner)
  endif()
  add_test(NAME targets.kernels.${target}.${tag}
    COMMAND sh ${TARGETS_DIR}/check_kernels.sh ${CMAKE_SOURCE_DIR}
            ${TARGETS_WORK}/kernels-${target}-${tag} ${target} ${cc} "${flags}" "${runner}")
  set_tests_properties(targets.kernels.${target}.${tag} PROPERTIES SKIP_RETURN_CODE 77)
  foreach(model_path ${SHIPPED_MODELS})
    get_filename_component(model ${model_path} NAME_WE)
    add_test(NAME targets.e2e.${model}.${target}.${tag}
      COMMAND sh ${TARGETS_DIR}/check_model_target.sh $<TARGET_FILE:tsnc> ${CMAKE_SOURCE_DIR}
              ${TARGETS_WORK} ${model} ${target} ${cc} ${tag} "${flags}" "${runner}")
    set_tests_properties(targets.e2e.${model}.${target}.${tag} PROPERTIES
      SKIP_RETURN_CODE 77 TIMEOUT 1800
      # the generated code allocates nothing; check_model.c keeps its buffers until exit
      ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0;UBSAN_OPTIONS=print_stacktrace=1")
  endforeach()
endforeach()

# The weight image (docs/generated-api.md, "Weights"): every model of models/
# and test/models compiled with --weights=inline, embed and load gives the same
# outputs bit for bit, on generic (gcc), avx2 (gcc) and neon (qemu-aarch64),
# and its NAME.bin reads back with Python's zlib (test/e2e/check_weights_modes.sh).
set(WEIGHT_BUILDS
  "generic|gcc|${GCC_EXE}||"
  "avx2|gcc|${GCC_EXE}|${AVX2_FLAGS}|"
  "neon|qemu|${AARCH64_CC_EXE}|-static|${QEMU_AARCH64_EXE}")
foreach(build ${WEIGHT_BUILDS})
  string(REPLACE "|" ";" parts "${build}")
  list(GET parts 0 target)
  list(GET parts 1 tag)
  list(GET parts 2 cc)
  list(GET parts 3 flags)
  list(GET parts 4 runner)
  foreach(model_path ${SHIPPED_MODELS} ${TEST_MODELS})
    get_filename_component(model ${model_path} NAME_WE)
    add_test(NAME weights.${model}.${target}.${tag}
      COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_weights_modes.sh $<TARGET_FILE:tsnc>
              ${CMAKE_SOURCE_DIR} ${TARGETS_WORK} ${model_path} ${target} ${cc} ${tag} "${flags}"
              "${runner}")
    set_tests_properties(weights.${model}.${target}.${tag} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1800)
  endforeach()
endforeach()
