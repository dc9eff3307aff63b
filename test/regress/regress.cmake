# Miscompilation regressions (test/regress, see its README.md): included from
# test/CMakeLists.txt after targets.cmake (uses GCC_EXE, CLANG_EXE, E2E_WORK,
# TARGET_BUILDS). One case per model and build:
#
#  regress.<model>.generic.<gcc|clang>   --target generic, native, plus `tsnc run`
#  regress.<model>.<target>.<build>      every build of targets.cmake (avx2 with
#      gcc, clang and both under ASan+UBSan; neon with aarch64-linux-gnu-gcc
#      -static run by qemu-aarch64)
#
# each compiling the model under every --spike-impl and --dense and comparing
# with onnxruntime's outputs (check_regress.sh). Skipped (exit 77) where the
# machine cannot run a target's code, as the targets.* cases.
file(GLOB REGRESS_MODELS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/regress/*.onnx)
set(REGRESS_WORK ${CMAKE_BINARY_DIR}/regress)
set(REGRESS_BUILDS
  "generic|gcc|${GCC_EXE}||"
  "generic|clang|${CLANG_EXE}||"
  ${TARGET_BUILDS})
foreach(model_path ${REGRESS_MODELS})
  get_filename_component(model ${model_path} NAME_WE)
  foreach(build ${REGRESS_BUILDS})
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
    if(tag STREQUAL "asan-gcc")
      # gcc 12 under -fsanitize keeps AVX2 kernels' vector loops for layers too small to
      # enter them (8 channels at a time in spike_conv2d_lut_f32, 4 columns in gemm_f32:
      # these models have 3 to 5) and reports -Warray-bounds in that dead code. Without
      # -fsanitize, and with clang, the same code builds warning-free.
      string(APPEND flags " -Wno-array-bounds")
    endif()
    add_test(NAME regress.${model}.${target}.${tag}
      COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/regress/check_regress.sh $<TARGET_FILE:tsnc>
              ${CMAKE_SOURCE_DIR} ${REGRESS_WORK} ${model} ${target} ${cc} ${tag} "${flags}" "${runner}")
    set_tests_properties(regress.${model}.${target}.${tag} PROPERTIES
      SKIP_RETURN_CODE 77
      ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0;UBSAN_OPTIONS=print_stacktrace=1")
  endforeach()
endforeach()
