#!/usr/bin/env bash
# The native suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build dir.
#
#   bash scripts/sanitize.sh   build build/instrumented (scripts/instrumented.sh, shared with
#                              scripts/fuzz.sh), run ctest -LE slow, the CLI robustness table and
#                              every preset through the sanitized CLI; exit 1 on any report
#
# Environment:
#   BNLAB_NO_SANITIZE=1     skip it (exit 0, last line "[sanitize] skipped: ...": scripts/lab.sh
#                           counts the part as skipped)
#   BNLAB_SANITIZE_SLOW=1   also run the tests labelled slow (CI leaves them out: time budget)
#   BNLAB_JOBS (2)          build and ctest jobs
#   BNLAB_CMAKE_ARGS        extra -D options for the instrumented tree's configure step
set -euo pipefail
if [[ "${BNLAB_NO_SANITIZE:-0}" == 1 ]]; then echo "[sanitize] skipped: BNLAB_NO_SANITIZE=1"; exit 0; fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[sanitize] %s\n' "$*"; }
dir=build/instrumented  # shared with scripts/fuzz.sh (scripts/instrumented.sh builds it)
jobs=${BNLAB_JOBS:-2}

started=$SECONDS
bash scripts/instrumented.sh
cli=$dir/core/bnlab

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0

test_start=$SECONDS
ctest_args=(--test-dir "$dir" --output-on-failure -j "$jobs")
[[ "${BNLAB_SANITIZE_SLOW:-0}" == 1 ]] || ctest_args+=(-LE slow)
ctest "${ctest_args[@]}" || status=1
say "ctest ${ctest_args[*]:3}: $((SECONDS - test_start)) s"

# The bad inputs of the CLI table and every preset (validate, and a short run) through the sanitized CLI.
cli_start=$SECONDS
BNLAB_CLI=$cli node --test tests/js/robust-cli.test.js || status=1
for chapter in $("$cli" chapters); do
  "$cli" preset "$chapter" | "$cli" validate - >/dev/null || { say "validate preset $chapter failed"; status=1; }
done
say "CLI under sanitizers: $((SECONDS - cli_start)) s"

say "total $((SECONDS - started)) s"
((status == 0)) && say "no sanitizer reports" || say "FAILED: see the output above"
exit "$status"
