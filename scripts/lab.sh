#!/usr/bin/env bash
# BN Lab's entry points (npm start / npm test / npm run build / npm run bench call these).
#
#   bash scripts/lab.sh build   every "build:*" script of package.json, in their order
#   bash scripts/lab.sh test    setup, the builds, then every "test:*" script of package.json in their
#                               order; the last line sums the tests: "N passed, N failed", plus
#                               ", N skipped" when a runner reported tests it could not run (ctest's
#                               "did not run" list, node's "skipped N") and ", N skipped (parts)"
#                               when a whole part was skipped: by this script (no chromium, a failed
#                               build) or by itself (exit 0, nothing counted, last line
#                               "[tag] skipped: REASON", as sanitize.sh and fuzz.sh print)
#   bash scripts/lab.sh start   setup, the builds (not the fast research CLI), then serve the page (web/serve.mjs)
#   bash scripts/lab.sh bench   setup, the builds (not the fast research CLI), then the throughput benchmark
#
# Adding a part: a part is a package.json script, so a new one is one line there
# ("test:NAME": "command" or "build:NAME": "command"); this script finds it by its name and runs it
# in its place in package.json's order (builds first), nothing here changes. Its counts come from
# its output (count_tests below: ctest's summary, node --test's "pass N / fail N / skipped N", or a
# line "N passed, N failed"); a test part that counts nothing and exits 0 is one passed check, a
# non-zero exit with no failure counted is one failure. A part that cannot run says so on its last
# line ("[NAME] skipped: REASON") and exits 0. "test:NAME:fast", when it exists, replaces
# "test:NAME" under BNLAB_SKIP_SLOW=1.
#
# Side by side: `test` starts scripts/instrumented.sh (the ASan/UBSan/libFuzzer tree that
# test:sanitize and test:fuzz share) in the background at the lowest CPU priority right after
# setup, so it compiles while the other parts leave a core idle; test:sanitize waits for it. Its
# output is kept in build/lab-logs/instrumented.log and shown before test:sanitize. After the
# builds the test parts run in two lanes: the second (BNLAB_LANE2, default test:browser) beside
# the first (every other part, in order), the quick bench last in whichever is free first; see
# "The second lane" below. The summary gives each part's lane, wall and CPU seconds, and the tail
# of every failed part's log.
#
# Environment:
#   BNLAB_PORT (5173) BNLAB_HOST (127.0.0.1)   where `start` serves (web/serve.mjs reads the same two)
#   BNLAB_NO_BROWSER=1    skip installing chromium and the browser tests
#   BNLAB_SKIP_SLOW=1     the fast variant of each part (native: ctest --preset native-fast)
#   BNLAB_NO_SETUP=1      do not run scripts/setup.sh first (tools already installed)
#   BNLAB_JOBS (2)        parallel build jobs
#   BNLAB_LANE2 (test:browser)        the parts run in the second lane, beside the others
#   BNLAB_LANE_EITHER (test:bench)    the parts run last, by whichever lane is free first
#   BNLAB_NO_SANITIZE=1   skip scripts/sanitize.sh (ASan/UBSan suite) and scripts/fuzz.sh (BNLAB_FUZZ_SECONDS, 60)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[lab] %s\n' "$*"; }
rule() { printf '[lab] ---- %s ----\n' "$*"; }

setup() {
  [[ "${BNLAB_NO_SETUP:-0}" == 1 ]] && return 0
  rule "setup: checking tools and packages"
  local args=()
  [[ "${BNLAB_NO_BROWSER:-0}" == 1 ]] && args+=(--no-browser)
  bash scripts/setup.sh "${args[@]}"
}

# The names of package.json's scripts that start with PREFIX and have no further ':', in order.
scripts_named() {
  node -e '
    const prefix = process.argv[1];
    const names = Object.keys(require("./package.json").scripts || {});
    for (const n of names) if (n.startsWith(prefix) && !n.slice(prefix.length).includes(":")) console.log(n);
  ' "$1"
}
has_script() { node -e 'process.exit(require("./package.json").scripts?.[process.argv[1]] ? 0 : 1)' "$1"; }

# Counts from a part's output, summed over every runner the part ran (test:sanitize runs ctest and
# then node --test): ctest's "N% tests passed, F tests failed out of T" followed by its "The
# following tests did not run:" list ("  12 - name (Skipped)", "(Disabled)": ctest counts those
# among the passed, here they are skipped), node's "# pass N" / "# fail N" / "# skipped N" (TAP)
# or "ℹ pass N" (spec reporter), or a plain "N passed, F failed[, S skipped]".
# Prints "passed failed skipped", or nothing when the output has no count.
count_tests() {
  awk '
    /tests passed, [0-9]+ tests? failed out of [0-9]+/ {
      for (i = 1; i <= NF; i++) { if ($i == "failed") f1 = $(i - 2); if ($i == "of") t = $(i + 1) }
      p += t - f1; f += f1; found = 1; notrun = 0; next
    }
    /^The following tests did not run:/ { notrun = 1; next }
    notrun && /^[ \t]+[0-9]+ - .* \((Skipped|Disabled)\)$/ { p--; s++; next }
    notrun && !/^[ \t]+[0-9]+ - / { notrun = 0 }
    /^(# |ℹ )pass [0-9]+$/ { p += $3; found = 1; next }
    /^(# |ℹ )fail [0-9]+$/ { f += $3; found = 1; next }
    /^(# |ℹ )skipped [0-9]+$/ { s += $3; found = 1; next }
    /^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3; if ($6 == "skipped") s += $5; found = 1; next }
    END { if (found) print p + 0, f + 0, s + 0 }
  ' "$1"
}

# ------------------------------------------------------------------------------------------------
# Parts and their results. run_part NAME: `npm run -s NAME`, its output shown and kept.
part_names=() part_results=() part_counts=() part_times=() part_lanes=()
total_passed=0 total_failed=0 total_skipped=0 parts_skipped=0
log_dir=build/lab-logs
lane=1  # where the part being recorded ran: 1, 2 (the second lane), bg (the instrumented build), -

record() {  # NAME passed|failed|skipped COUNT SECONDS [CPU-SECONDS]
  part_names+=("$1"); part_results+=("$2"); part_counts+=("$3"); part_times+=("$4"); part_lanes+=("$lane")
  part_cpus+=("${5:--}")
}
part_cpus=()

# CPU seconds (user + system) used so far by this shell's finished children, in cpu_used: the
# difference around a part is the CPU its processes took, which the machine's load does not
# inflate the way it does wall seconds. (`times` writes to a file: in a pipeline or $(...) it
# would run in a subshell and see none of this shell's children.)
cpu_used=0
cpu_mark() {
  local file=$log_dir/.times-$BASHPID
  mkdir -p "$log_dir"
  times >"$file"
  cpu_used=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$file")
  rm -f "$file"
}

run_part() {
  local name=$1 started=$SECONDS log rc cpu_before
  mkdir -p "$log_dir"
  log=$log_dir/${name//:/-}.log
  rule "$name: $(script_text "$name")"
  cpu_mark; cpu_before=$cpu_used
  set +e
  npm run -s "$name" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  cpu_mark
  account_part "$name" "$log" "$rc" "$((SECONDS - started))" "$((cpu_used - cpu_before))"
}
script_text() { node -p 'require("./package.json").scripts[process.argv[1]]' "$1"; }

# Adds a part's counts (from its log) and exit status to the totals. NAME LOG STATUS SECONDS [CPU].
account_part() {
  local name=$1 log=$2 rc=$3 took=$4 cpu=${5:-}
  local counts p=0 f=0 s=0 result=passed reason
  counts=$(count_tests "$log")
  if [[ -n $counts ]]; then read -r p f s <<<"$counts"; fi
  if ((rc == 0)) && [[ -z $counts ]] && reason=$(skip_reason "$log"); then
    skip_part "$name" "$reason" "${took}s" quiet "$cpu"
    return 0
  fi
  if ((rc != 0)); then
    result=failed
    # A failing part whose output counts no failure (a build, tsc, a crash) is one failure.
    ((f > 0)) || f=1
  elif [[ -z $counts && $name == test:* ]]; then
    p=1  # a test part that passes without counting anything (tsc) is one check; a build is none
  fi
  total_passed=$((total_passed + p)); total_failed=$((total_failed + f)); total_skipped=$((total_skipped + s))
  local note="$p passed, $f failed"
  ((s == 0)) || note+=", $s skipped"
  [[ $name == test:* || $rc != 0 ]] || note="built"
  record "$name" "$result" "$note" "${took}s" "$cpu"
  return "$rc"
}

# ------------------------------------------------------------------------------------------------
# The second lane. `test` runs the parts named in BNLAB_LANE2 (default: test:browser) one after
# another in a background lane, beside the other test parts, which keep their order in the first
# lane: the browser suite, the longest part, then no longer waits for the native, sanitizer and
# fuzzing parts nor they for it, and on 2 cores each uses the CPU the other leaves. The parts
# named in BNLAB_LANE_EITHER (default: test:bench) come last, each run once by whichever lane is
# free first (a lane claims a part by creating build/lab-logs/lane2/claim-NAME; mkdir is atomic).
# A lane-2 part's output goes to its log (build/lab-logs/NAME.log) and is shown in one piece,
# under its own rule, as soon as the first lane finishes a part after it ended (or at the end);
# its counts and status join the totals exactly as a first-lane part's do.
# BNLAB_LANE2='' BNLAB_LANE_EITHER='' runs every part in the first lane, in order.
lane2_pid='' lane2_dir='' lane2_shown=()
in_list() { [[ " $1 " == *" $2 "* ]]; }  # LIST NAME
in_lane2() { in_list "${BNLAB_LANE2-test:browser}" "$1"; }
in_either() { in_list "${BNLAB_LANE_EITHER-test:bench}" "$1"; }
claim() { mkdir "$lane2_dir/claim-${1//:/-}" 2>/dev/null; }  # PART: succeeds for the first lane only

# Starts the lane with the parts (names already resolved to their :fast variants) given as
# arguments; then it takes every part of the array `either` the first lane has not claimed.
start_lane2() {
  lane2_dir=$log_dir/lane2
  rm -rf "$lane2_dir" && mkdir -p "$lane2_dir"
  (($#)) || return 0
  lane2_dir=$log_dir/lane2
  rm -rf "$lane2_dir" && mkdir -p "$lane2_dir"
  say "second lane, beside the parts below: $*$( ((${#either[@]} == 0)) || echo "; then, unless the first lane is free first: ${either[*]}")"
  (
    child=''
    trap '[[ -z $child ]] || kill "$child" 2>/dev/null; exit 143' TERM
    trap - EXIT
    for part in "$@" "${either[@]}"; do
      if in_list "${either[*]}" "$part"; then claim "$part" || continue; fi
      case "$part" in  # (moved here by BNLAB_LANE2: they too wait for the background build)
        test:sanitize*|test:fuzz*) while [[ -n $instrumented_pid && ! -f $instrumented_log.took ]]; do sleep 2; done ;;
      esac
      log=$log_dir/${part//:/-}.log
      began=$(date +%s)
      cpu_mark; cpu_before=$cpu_used
      npm run -s "$part" >"$log" 2>&1 </dev/null &
      child=$!
      wait "$child" && rc=0 || rc=$?
      child=''
      cpu_mark
      printf '%s %s %s %s\n' "$part" "$rc" "$(($(date +%s) - began))" "$((cpu_used - cpu_before))" >>"$lane2_dir/done"
    done
  ) &
  lane2_pid=$!
}

# Shows and counts every lane-2 part that has ended and is not shown yet; with "wait", first waits
# for the whole lane.
join_lane2() {
  [[ -n $lane2_dir ]] || return 0
  if [[ ${1:-} == wait && -n $lane2_pid ]]; then
    say "waiting for the second lane"
    wait "$lane2_pid" || true
    lane2_pid=''
  fi
  [[ -f $lane2_dir/done ]] || return 0
  local part rc took cpu seen
  while read -r part rc took cpu; do
    seen=0
    for shown in "${lane2_shown[@]}"; do [[ $shown == "$part" ]] && seen=1; done
    ((seen == 0)) || continue
    lane2_shown+=("$part")
    rule "$part (second lane, ended): $(script_text "$part")"
    cat "$log_dir/${part//:/-}.log"
    lane=2
    account_part "$part" "$log_dir/${part//:/-}.log" "$rc" "$took" "$cpu" || true
    lane=1
  done <"$lane2_dir/done"
}

skip_part() {  # NAME REASON [SECONDS] [quiet [CPU]]
  [[ ${4:-} == quiet ]] || say "skipping $1: $2"
  local lane=$lane
  [[ ${4:-} == quiet ]] || lane=-
  record "$1" skipped "$2" "${3:-0s}" "${5:-}"
  parts_skipped=$((parts_skipped + 1))
}

# A part that skipped itself: it exited 0, counted nothing, and its last line is
# "[tag] skipped" or "[tag] skipped: REASON" (scripts/sanitize.sh, scripts/fuzz.sh). Prints the
# reason; fails (status 1) for any other output.
skip_reason() {
  local last
  last=$(awk 'NF { line = $0 } END { print line }' "$1")
  [[ $last =~ ^\[[A-Za-z0-9_:-]+\]\ skipped(:\ (.*))?$ ]] || return 1
  printf '%s\n' "${BASH_REMATCH[2]:-skipped by the part itself}"
}

# The summary: one line per part (lane, result, wall seconds, counts), the tail of every failed
# part's log (wherever it ran, so a second-lane failure is not lost above), then the totals.
summary() {
  local i name log
  for i in "${!part_names[@]}"; do
    [[ ${part_results[$i]} == failed ]] || continue
    name=${part_names[$i]}
    log=$log_dir/${name//:/-}.log
    [[ $name == instrumented ]] && log=$instrumented_log
    rule "FAILED: $name (lane ${part_lanes[$i]}); the last 30 lines of $log"
    tail -n 30 "$log" 2>/dev/null || true
  done
  rule "summary (lane 1: in order; lane 2: beside it; bg: the instrumented build; wall and CPU seconds)"
  local cpu_total=0 width=16 n
  for n in "${part_names[@]}"; do ((${#n} <= width)) || width=${#n}; done  # the names' column
  for i in "${!part_names[@]}"; do
    printf "[lab]   %-${width}s %-4s %-8s %6s %7s  %s\n" "${part_names[$i]}" "${part_lanes[$i]}" "${part_results[$i]}" "${part_times[$i]}" \
      "$([[ ${part_cpus[$i]} == - || -z ${part_cpus[$i]} ]] && echo - || echo "${part_cpus[$i]}cpu")" "${part_counts[$i]}"
    [[ ! ${part_cpus[$i]} =~ ^[0-9]+$ ]] || cpu_total=$((cpu_total + part_cpus[$i]))
  done
  say "CPU seconds of the parts: $cpu_total (their processes' user + system time)"
  local line="$total_passed passed, $total_failed failed"
  ((total_skipped == 0)) || line+=", $total_skipped skipped"
  ((parts_skipped == 0)) || line+=", $parts_skipped skipped ($( ((parts_skipped == 1)) && echo part || echo parts))"
  echo "$line"
}

# Every build:* part but those named as arguments; remembers which failed so the tests that need
# them are skipped, not failed twice.
failed_builds=()
run_builds() {
  local name
  while read -r name; do
    [[ " $* " != *" $name "* ]] || continue
    run_part "$name" || failed_builds+=("${name#build:}")
  done < <(scripts_named build:)
}
# What the page and the benchmark do not use (start and bench leave it out; build and test build it).
research_only_builds=(build:native-fast-research)
build_failed() { [[ " ${failed_builds[*]} " == *" $1 "* ]]; }

# The instrumented tree (scripts/instrumented.sh) compiled in the background while other parts run:
# at nice 19 it takes only the CPU the foreground leaves idle (tsc, node's test files one after
# another, the browser waiting on the page, link steps). Started only when a part needs it.
instrumented_pid='' instrumented_started=0
instrumented_log=$log_dir/instrumented.log
start_instrumented() {
  [[ "${BNLAB_NO_SANITIZE:-0}" == 1 ]] && return 0
  has_script test:sanitize || has_script test:fuzz || return 0
  mkdir -p "$log_dir"
  say "building the instrumented tree in the background (scripts/instrumented.sh > $instrumented_log)"
  instrumented_started=$SECONDS
  rm -f "$instrumented_log.took"
  (
    began=$(date +%s)
    nice -n 19 bash scripts/instrumented.sh >"$instrumented_log" 2>&1 && rc=0 || rc=$?
    cpu_mark
    echo "$(($(date +%s) - began)) $cpu_used" >"$instrumented_log.took"
    exit "$rc"
  ) &
  instrumented_pid=$!
}
# Once the builds are done it is no longer filling idle time but the first lane's next need
# (test:sanitize waits for it), while both lanes keep the 2 cores busy: at nice 19 it would get
# almost nothing until the browser suite ended. So it goes back to the normal priority, sharing
# the CPU evenly with the two lanes. (Lowering a niceness needs root, which CI is; elsewhere the
# tree stays at 19, which is only slower.)
unnice_instrumented() {
  [[ -n $instrumented_pid ]] || return 0
  local pids
  pids=$(ps -eo pid=,ppid= | awk -v root="$instrumented_pid" '
    { parent[$1] = $2 }
    END { keep[root] = 1; do { more = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; more = 1 } } while (more)
          for (p in keep) print p }')
  # shellcheck disable=SC2086
  renice -n 0 -p $pids >/dev/null 2>&1 || true  # (one of them may have ended meanwhile)
  [[ $(id -u) != 0 ]] || say "the instrumented build now runs at normal priority, beside the lanes"
}
# Waits for it and shows its output; a failed build is not counted here: the part that needs the
# tree runs scripts/instrumented.sh again and fails with the compiler's message.
wait_instrumented() {
  [[ -n $instrumented_pid ]] || return 0
  local rc=0
  rule "waiting for the instrumented build (started $((SECONDS - instrumented_started)) s ago)"
  wait "$instrumented_pid" || rc=$?
  instrumented_pid=''
  cat "$instrumented_log"
  local took='?' cpu=''
  [[ ! -f $instrumented_log.took ]] || read -r took cpu <"$instrumented_log.took"
  lane='bg' record "instrumented" "$( ((rc == 0)) && echo built || echo failed)" \
    "in the background; waited for after $((SECONDS - instrumented_started)) s" "${took}s" "$cpu"
}

# ------------------------------------------------------------------------------------------------
cmd_build() {
  run_builds
  summary
  ((${#failed_builds[@]} == 0))
}

cmd_test() {
  local started=$SECONDS name part lane2=() lane1=() either=()
  setup
  start_instrumented
  run_builds
  # Which parts run, and where; a part that cannot run is recorded as skipped here.
  while read -r name; do
    part=$name
    if [[ "${BNLAB_SKIP_SLOW:-0}" == 1 ]] && has_script "$name:fast"; then part=$name:fast; fi
    case "$name" in
      test:native)
        if build_failed native; then skip_part "$name" "the native build failed"; continue; fi ;;
      test:cli)
        if build_failed native; then skip_part "$name" "the native build failed"; continue; fi ;;
      test:js)
        if build_failed wasm; then skip_part "$name" "the wasm build failed"; continue; fi ;;
      test:browser)
        if [[ "${BNLAB_NO_BROWSER:-0}" == 1 || ! -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]]; then
          skip_part "$name" "chromium not installed or BNLAB_NO_BROWSER=1"; continue
        fi
        if build_failed wasm; then skip_part "$name" "the wasm build failed"; continue; fi ;;
    esac
    if in_lane2 "$name"; then lane2+=("$part")
    elif in_either "$name" && [[ -n ${BNLAB_LANE2-test:browser} ]]; then either+=("$part")
    else lane1+=("$part"); fi
  done < <(scripts_named test:)
  trap '[[ -z $lane2_pid ]] || kill "$lane2_pid" 2>/dev/null || true' EXIT
  local lanes_started=$SECONDS lane1_took lane2_took=0
  unnice_instrumented
  start_lane2 "${lane2[@]}"
  for part in "${lane1[@]}"; do
    case "$part" in
      test:sanitize*|test:fuzz*) wait_instrumented ;;
    esac
    run_part "$part" || true
    join_lane2
  done
  for part in "${either[@]}"; do
    if claim "$part"; then
      ((${#lane2[@]} == 0)) || say "the first lane is free first: it runs $part"
      run_part "$part" || true
      join_lane2
    fi
  done
  lane1_took=$((SECONDS - lanes_started))
  wait_instrumented  # (when no part needed it after all)
  join_lane2 wait
  [[ -z $lane2_dir ]] || lane2_took=$(awk '{ s += $3 } END { print s + 0 }' "$lane2_dir/done" 2>/dev/null || echo 0)
  say "finished in $((SECONDS - started)) s: setup and builds $((lanes_started - started)) s, then lane 1 $lane1_took s$( ((${#lane2[@]} == 0)) || echo ", lane 2 $lane2_took s (beside it; ended $((lane2_took > lane1_took ? lane2_took - lane1_took : 0)) s after lane 1)")"
  summary
  ((total_failed == 0))
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
  run_builds "${research_only_builds[@]}"
  if ((${#failed_builds[@]})); then
    echo "[lab] error: the build failed (${failed_builds[*]}), so the page cannot be served" >&2
    exit 1
  fi
  local host=${BNLAB_HOST:-127.0.0.1} port=${BNLAB_PORT:-5173} tries=0
  while ! port_free "$port" "$host"; do
    say "port $port on $host is taken; trying $((port + 1))"
    port=$((port + 1)); tries=$((tries + 1))
    ((tries < 20)) || { echo "[lab] error: no free port near ${BNLAB_PORT:-5173}" >&2; exit 1; }
  done
  rule "serving web/ with web/serve.mjs"
  printf '\n[lab]   BN Lab: open  http://%s:%s/  in a browser  (Ctrl+C stops the server)\n\n' "$host" "$port"
  BNLAB_PORT=$port BNLAB_HOST=$host exec node web/serve.mjs
}

# ------------------------------------------------------------------------------------------------
cmd_bench() {
  setup
  run_builds "${research_only_builds[@]}"
  rule "benchmark (node scripts/bench.mjs; BNLAB_BENCH_QUICK=1 for the quick mode)"
  node scripts/bench.mjs
  say "figures depend on machine load; see README 'Benchmarks' for reference numbers"
}

case "${1:-}" in
  build) cmd_build ;;
  test) cmd_test ;;
  start) cmd_start ;;
  bench) cmd_bench ;;
  *) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
