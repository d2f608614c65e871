#!/usr/bin/env bash
# Builds build/instrumented (tests/fuzz/CMakeLists.txt): the core, the CLI, the Catch2 tests and
# the libFuzzer target, all under ASan + UBSan (+ libFuzzer's coverage hooks), compiled ONCE for
# both scripts/sanitize.sh and scripts/fuzz.sh, which call this first (seconds when up to date).
# scripts/lab.sh test starts it early, at the lowest CPU priority, so it compiles while the other
# parts leave a core idle.
#
#   bash scripts/instrumented.sh   configure (clang++ when installed, else c++) and build
#
# Environment: BNLAB_JOBS (2) build jobs; BNLAB_CMAKE_ARGS extra -D options for the configure step.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[instrumented] %s\n' "$*"; }
dir=build/instrumented
read -r -a extra_args <<<"${BNLAB_CMAKE_ARGS:-}"
started=$SECONDS
if [[ ! -f $dir/CMakeCache.txt ]]; then
  cxx=c++
  command -v clang++ >/dev/null 2>&1 && cxx=clang++
  say "configure $dir ($cxx)"
  CXX=$cxx cmake -S tests/fuzz -B "$dir" "${extra_args[@]}" >/dev/null
fi
say "build $dir (-j${BNLAB_JOBS:-2})"
cmake --build "$dir" -j "${BNLAB_JOBS:-2}"
say "built in $((SECONDS - started)) s"
