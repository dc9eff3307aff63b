# lit configuration for tsnc's FileCheck tests (LLVM lit, llvm-14-tools).
# Run through ctest, or by hand:
#   python3 /usr/lib/llvm-14/build/utils/lit/lit.py -sv --param tsnc=build/tsnc test/lit
import os
import shutil
import sys

import lit.formats

config.name = "tsnc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".tir", ".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)

tsnc = lit_config.params.get("tsnc")
if not tsnc:
    lit_config.fatal("pass --param tsnc=PATH/TO/tsnc")
filecheck = lit_config.params.get("filecheck") or shutil.which("FileCheck-14") or shutil.which("FileCheck")
if not filecheck:
    lit_config.fatal("FileCheck not found (apt-get install llvm-14-tools)")
build = lit_config.params.get("build_dir", os.path.dirname(os.path.abspath(tsnc)))
config.test_exec_root = os.path.join(build, "lit")

src = os.path.abspath(os.path.join(config.test_source_root, "..", ".."))
config.substitutions.append(("%tsnc", os.path.abspath(tsnc)))
config.substitutions.append(("%models", os.path.join(src, "models")))
config.substitutions.append(("%data", os.path.join(src, "test", "data")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("FileCheck", filecheck))
config.substitutions.append(("%cc", lit_config.params.get("cc", "cc")))
# The Python that runs lit (standard library only: json.tool checks --json output).
config.substitutions.append(("%python", sys.executable))
config.environment["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "detect_leaks=1")
config.environment["UBSAN_OPTIONS"] = os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1")
