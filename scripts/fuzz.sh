#!/usr/bin/env bash
# Fuzzes the spec path (validate, start, a few units of advance) with libFuzzer under ASan/UBSan.
#
#   bash scripts/fuzz.sh      build build/instrumented (scripts/instrumented.sh, shared with
#                             scripts/sanitize.sh; clang++), seed a fresh corpus, fuzz for a bounded time
#
# The seed corpus is made at run time: every chapter's `bnlab preset` and a few tiny valid specs.
# Exit 1 on any finding (crash, sanitizer report, leak, timeout, a message breaking the rules in
# tests/fuzz/fuzz_spec.cpp); the input is kept in build/instrumented/findings/. Without clang++ the run
# is skipped (exit 0, last line "[fuzz] skipped: REASON") unless BNLAB_FUZZ_REQUIRE=1.
# Environment:
#   BNLAB_FUZZ_SECONDS (60)   how long to fuzz
#   BNLAB_FUZZ_TIMEOUT (30)   seconds one input may take before it counts as a finding
#   BNLAB_JOBS (2)            build jobs
#   BNLAB_CMAKE_ARGS          extra -D options for the instrumented tree's configure step
set -euo pipefail
if [[ "${BNLAB_NO_SANITIZE:-0}" == 1 ]]; then echo "[fuzz] skipped: BNLAB_NO_SANITIZE=1"; exit 0; fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[fuzz] %s\n' "$*"; }
seconds=${BNLAB_FUZZ_SECONDS:-60}
dir=build/instrumented

if ! command -v clang++ >/dev/null 2>&1; then
  why="clang++ not found (scripts/setup.sh installs clang and libclang-rt-dev)"
  [[ "${BNLAB_FUZZ_REQUIRE:-0}" == 1 ]] && { say "error: $why"; exit 1; }
  say "skipped: $why"  # the last line: scripts/lab.sh counts the part as skipped
  exit 0
fi

started=$SECONDS
bash scripts/instrumented.sh
if [[ ! -x $dir/fuzz_spec ]]; then
  why="$dir has no fuzz_spec: it was configured without clang++ (remove $dir and run again)"
  [[ "${BNLAB_FUZZ_REQUIRE:-0}" == 1 ]] && { say "error: $why"; exit 1; }
  say "skipped: $why"
  exit 0
fi

corpus=$dir/corpus findings=$dir/findings
rm -rf "$corpus" && mkdir -p "$corpus" "$findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
n=0
for chapter in $("$dir/core/bnlab" chapters); do
  "$dir/core/bnlab" preset "$chapter" >"$corpus/preset-$chapter.json"
  printf '{"chapter":"%s"}' "$chapter" >"$corpus/bare-$chapter.json"
  n=$((n + 2))
done
printf '%s' '{"chapter":"speed","steps":3,"eval_every":1,"grid":4,"model":{"hidden":[4]},"train":{"batch_size":8}}' >"$corpus/tiny-speed.json"
printf '%s' '{"chapter":"shift","shifts":[{"name":"a","tx":1}]}' >"$corpus/tiny-shift.json"
printf '%s' '{"chapter":"speed","data":{"kind":"xor","n_train":16,"n_test":4},"seeds":2}' >"$corpus/tiny-data.json"
printf '%s' '{"chapter":"speed","train":{"lr":1e-400}}' >"$corpus/tiny-underflow.json"
n=$((n + 4))
say "seed corpus: $n specs ($corpus); fuzzing for $seconds s"

fuzz_start=$SECONDS
if "$dir/fuzz_spec" -max_total_time="$seconds" -timeout="${BNLAB_FUZZ_TIMEOUT:-30}" -rss_limit_mb=2560 \
    -max_len=4096 -dict=tests/fuzz/spec.dict -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" \
    >"$dir/fuzz.log" 2>&1; then
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$dir/fuzz.log" | sed 's/^/[fuzz]   /' || true
  say "no findings in $((SECONDS - fuzz_start)) s of fuzzing (total $((SECONDS - started)) s)"
else
  tail -n 60 "$dir/fuzz.log" >&2
  say "FINDING: see $dir/fuzz.log and the input in $findings/"
  exit 1
fi
