#!/usr/bin/env bash
# BN Lab's entry points (npm start / npm test / npm run bench call these).
#
#   bash scripts/lab.sh start   install what is missing, build, serve the page and print its address
#   bash scripts/lab.sh test    install what is missing, build, run every test; exit 1 if any part fails
#   bash scripts/lab.sh bench   build, print training throughput (samples/s): native CLI and wasm
#
# Environment:
#   BNLAB_PORT (5173) BNLAB_HOST (127.0.0.1)   where `start` serves; the next free port is used if taken
#   BNLAB_NO_BROWSER=1    skip installing chromium and the browser tests
#   BNLAB_SKIP_SLOW=1     leave out native tests tagged [slow] (ctest -LE slow); CI runs them
#   BNLAB_NO_SETUP=1      do not run scripts/setup.sh first (tools already installed)
#   BNLAB_JOBS (2)        parallel build and ctest jobs
#   BNLAB_NO_SANITIZE=1   skip scripts/sanitize.sh (ASan/UBSan suite) and scripts/fuzz.sh (BNLAB_FUZZ_SECONDS, 60)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=${BNLAB_JOBS:-2}

say() { printf '[lab] %s\n' "$*"; }
rule() { printf '[lab] ---- %s ----\n' "$*"; }

setup() {
  [[ "${BNLAB_NO_SETUP:-0}" == 1 ]] && return 0
  rule "setup: checking tools and packages"
  local args=()
  [[ "${BNLAB_NO_BROWSER:-0}" == 1 ]] && args+=(--no-browser)
  bash scripts/setup.sh "${args[@]}"
}

# Test files of a folder for node's test runner (names *.test.js / *.test.mjs), sorted.
node_test_files() {
  [[ -d $1 ]] || return 0
  find "$1" -type f \( -name '*.test.js' -o -name '*.test.mjs' \) | LC_ALL=C sort
}

# ------------------------------------------------------------------------------------------------
cmd_test() {
  local started=$SECONDS
  setup
  local names=() results=() notes=() times=()
  local part_start=$SECONDS
  # record NAME passed|failed|skipped [NOTE]: the time since the previous record is the part's.
  record() { names+=("$1"); results+=("$2"); notes+=("${3:-}"); times+=("$((SECONDS - part_start))s"); part_start=$SECONDS; }

  rule "build native"
  local native_ok=1 wasm_ok=1
  if bash scripts/build.sh native; then record "build native" passed; else record "build native" failed; native_ok=0; fi
  rule "build wasm"
  if bash scripts/build.sh wasm; then record "build wasm" passed; else record "build wasm" failed; wasm_ok=0; fi

  rule "native tests (ctest)"
  if ((native_ok == 0)); then
    record "native tests" skipped "native build failed"
  elif [[ ! -x build/native/bnlab_tests ]] || ctest --test-dir build/native -N | grep -q "Total Tests: 0"; then
    say "no native tests registered (tests/native has no TEST_CASE yet)"
    record "native tests" skipped "none registered"
  else
    local ctest_args=(--test-dir build/native --output-on-failure -j "$jobs")
    if [[ "${BNLAB_SKIP_SLOW:-0}" == 1 ]]; then ctest_args+=(-LE slow); say "BNLAB_SKIP_SLOW=1: leaving out [slow] tests"; fi
    if ctest "${ctest_args[@]}"; then record "native tests" passed; else record "native tests" failed; fi
  fi

  local suite dir files
  for suite in js browser; do
    dir=tests/$suite
    rule "$suite tests (node --test $dir)"
    mapfile -t files < <(node_test_files "$dir")
    if ((${#files[@]} == 0)); then
      say "no *.test.js / *.test.mjs files in $dir"
      record "$suite tests" skipped "no test files"
    elif [[ $suite == browser && ( "${BNLAB_NO_BROWSER:-0}" == 1 || ! -x ${CHROMIUM_PATH:-/usr/bin/chromium} ) ]]; then
      say "skipping browser tests: chromium not installed or BNLAB_NO_BROWSER=1"
      record "$suite tests" skipped "no browser"
    elif ((wasm_ok == 0)); then
      record "$suite tests" skipped "wasm build failed"
    elif node --test "${files[@]}"; then
      record "$suite tests" passed
    else
      record "$suite tests" failed
    fi
  done

  rule "sanitizers and fuzzing (scripts/sanitize.sh, scripts/fuzz.sh)"; if [[ "${BNLAB_NO_SANITIZE:-0}" == 1 ]]; then record "sanitizers" skipped "BNLAB_NO_SANITIZE=1"; elif bash scripts/sanitize.sh && bash scripts/fuzz.sh; then record "sanitizers" passed; else record "sanitizers" failed; fi
  rule "summary"
  local i passed=0 failed=0 skipped=0
  for i in "${!names[@]}"; do
    printf '[lab]   %-14s %-8s %6s  %s\n' "${names[$i]}" "${results[$i]}" "${times[$i]}" "${notes[$i]}"
    case "${results[$i]}" in
      passed) passed=$((passed + 1)) ;;
      failed) failed=$((failed + 1)) ;;
      *) skipped=$((skipped + 1)) ;;
    esac
  done
  say "finished in $((SECONDS - started)) s"
  if ((skipped)); then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  ((failed == 0))
}

# ------------------------------------------------------------------------------------------------
port_free() {
  node -e '
    const s = require("net").createServer();
    s.once("error", () => process.exit(1));
    s.listen(Number(process.argv[1]), process.argv[2], () => s.close(() => process.exit(0)));
  ' "$1" "$2" 2>/dev/null
}

cmd_start() {
  setup
  rule "build"
  local wasm_ok=1
  bash scripts/build.sh native
  bash scripts/build.sh wasm || wasm_ok=0

  local host=${BNLAB_HOST:-127.0.0.1} port=${BNLAB_PORT:-5173} tries=0
  while ! port_free "$port" "$host"; do
    say "port $port on $host is taken; trying $((port + 1))"
    port=$((port + 1)); tries=$((tries + 1))
    ((tries < 20)) || { echo "[lab] error: no free port near ${BNLAB_PORT:-5173}" >&2; exit 1; }
  done
  local url="http://$host:$port/"

  if [[ -f web/index.html && $wasm_ok == 1 ]]; then
    # The page's own server first (strict CSP, application/wasm, CORS headers), then Vite.
    if [[ -f web/serve.mjs ]]; then
      rule "serving web/ with web/serve.mjs"
      printf '\n[lab]   BN Lab: open  %s  in a browser  (Ctrl+C stops the server)\n\n' "$url"
      exec node web/serve.mjs --port "$port" --host "$host"
    elif [[ -x node_modules/.bin/vite ]]; then
      rule "serving web/ with vite"
      printf '\n[lab]   BN Lab: open  %s  in a browser  (Ctrl+C stops the server)\n\n' "$url"
      exec node_modules/.bin/vite web --port "$port" --strictPort --host "$host"
    fi
  fi

  # No page (or no wasm) yet: show the lab working on the command line instead.
  if [[ $wasm_ok == 0 ]]; then say "the wasm build failed, so the page cannot be served"; fi
  rule "no page to serve yet: running the default experiment with the CLI"
  local spec=build/native/default-spec.json
  build/native/bnlab preset speed >"$spec"
  say "spec: $spec (bnlab preset speed); result: build/native/default-result.json"
  build/native/bnlab run "$spec" --out build/native/default-result.json
  say "result written to build/native/default-result.json"
}

# ------------------------------------------------------------------------------------------------
cmd_bench() {
  setup
  rule "build"
  bash scripts/build.sh native
  local wasm_ok=1
  bash scripts/build.sh wasm || wasm_ok=0

  rule "native throughput (build/native/bnlab bench)"
  if build/native/bnlab --help 2>/dev/null | grep -qE '^ +bench '; then
    build/native/bnlab bench
  else
    say "skipped: the CLI has no 'bench' subcommand yet (hook: build/native/bnlab bench)"
  fi

  rule "wasm throughput (node, web/generated/bnlab.mjs)"
  if ((wasm_ok)); then
    node scripts/bench-wasm.mjs
  else
    say "skipped: the wasm build failed"
  fi
  say "figures depend on machine load; see README 'Benchmarks' for reference numbers"
}

case "${1:-}" in
  start) cmd_start ;;
  test) cmd_test ;;
  bench) cmd_bench ;;
  *) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
