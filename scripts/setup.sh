#!/usr/bin/env bash
# Installs what BN Lab needs to build and test, and only what is missing. Safe to run repeatedly:
# a second run checks, prints "ok" lines and changes nothing.
#
#   bash scripts/setup.sh               everything (default)
#   bash scripts/setup.sh --no-browser  skip chromium (browser tests are then skipped)
#   bash scripts/setup.sh --check       report what is missing, install nothing (exit 1 if anything is)
#
# Debian packages (apt): cmake g++ make pkg-config    the native toolchain
#                        libeigen3-dev                 Eigen 3.4, the core's linear algebra
#                        catch2                        Catch2 2.13, the native tests
#                        nlohmann-json3-dev            JSON specs and results
#                        libcli11-dev                  the bnlab command line
#                        zlib1g-dev                    the CLI gunzips the Fashion-MNIST files
#                        dataset-fashion-mnist         the images chapter's data (30 MB)
#                        parallel                      GNU parallel: the test that runs a sweep as cells
#                        emscripten                    em++ for the WebAssembly build
#                        clang libclang-rt-dev         clang++ with libFuzzer and the sanitizer runtimes
#                                                      (scripts/fuzz.sh, scripts/sanitize.sh)
#                        ccache                        compiler cache: a rebuild (a fresh CI clone too)
#                                                      reuses the objects of the last build (CMakeLists.txt)
#                        chromium fonts-liberation     headless browser for the page's tests
#                        nodejs npm                    only if `node` is absent
# npm packages (package.json): `npm ci` when node_modules is missing or older than package-lock.json.
# Environment: BNLAB_NO_BROWSER=1 is the same as --no-browser.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_browser=1
check_only=0
for arg in "$@"; do
  case "$arg" in
    --no-browser) want_browser=0 ;;
    --check) check_only=1 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
[[ "${BNLAB_NO_BROWSER:-0}" == 1 ]] && want_browser=0

say() { printf '[setup] %s\n' "$*"; }

# package:check, where check is "cmd:NAME" (a command on PATH will do, however installed) or
# "pkg" (dpkg must know the package as installed: header-only libraries have no command).
requirements=(
  "cmake:cmd:cmake"
  "g++:cmd:g++"
  "make:cmd:make"
  "pkg-config:cmd:pkg-config"
  "libeigen3-dev:pkg"
  "catch2:pkg"
  "nlohmann-json3-dev:pkg"
  "libcli11-dev:pkg"
  "zlib1g-dev:pkg"
  "dataset-fashion-mnist:pkg"
  "parallel:pkg"  # by package: moreutils has another command named parallel
  "emscripten:cmd:em++"
  "clang:cmd:clang++"
  "libclang-rt-dev:pkg"
  "ccache:cmd:ccache"
)
if [[ $want_browser == 1 ]]; then
  requirements+=("chromium:cmd:chromium" "fonts-liberation:pkg")  # fonts: text in screenshots and contrast checks
fi
if ! command -v node >/dev/null 2>&1; then
  # Only when there is no node at all: an existing Node (>= 20 on the project's machines) is kept.
  requirements+=("nodejs:cmd:node" "npm:cmd:npm")
fi

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for req in "${requirements[@]}"; do
  pkg=${req%%:*}
  rest=${req#*:}
  if [[ $rest == cmd:* ]]; then
    cmd=${rest#cmd:}
    if command -v "$cmd" >/dev/null 2>&1; then say "ok       $pkg ($cmd found)"; continue; fi
  elif pkg_installed "$pkg"; then
    say "ok       $pkg"
    continue
  fi
  say "missing  $pkg"
  missing+=("$pkg")
done

if ((${#missing[@]})); then
  if [[ $check_only == 1 ]]; then
    say "missing: ${missing[*]} (run bash scripts/setup.sh to install)"
    exit 1
  fi
  if [[ $(id -u) == 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
    say "not root: using sudo for apt-get"
  else
    echo "[setup] error: these Debian packages are missing and I am neither root nor able to sudo:" >&2
    echo "[setup]   ${missing[*]}" >&2
    echo "[setup] install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  say "apt-get update (once, to see the current package lists)"
  "${sudo[@]}" apt-get update -q
  say "apt-get install -y ${missing[*]}"
  "${sudo[@]}" apt-get install -y -q "${missing[@]}"
fi

# Node itself: package.json asks for >= 20 (the project's machines have it). Debian bookworm's own
# nodejs is 18: warn and carry on with 18 or 19, stop below that.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 18)); then
  echo "[setup] error: Node >= 20 is needed, found $(node --version 2>/dev/null || echo none)." >&2
  exit 1
elif ((node_major < 20)); then
  say "warning: Node >= 20 is expected, found $(node --version); continuing (some tools may refuse to run)"
fi
say "ok       node $(node --version)"

# Debian's emcc runs its JS optimizer under node and needs acorn from Debian's node-acorn package
# (a dependency of emscripten); scripts/build.sh sets NODE_PATH=/usr/share/nodejs for it.
if [[ ! -d /usr/share/nodejs/acorn ]]; then
  say "warning: /usr/share/nodejs/acorn not found; the wasm link step may fail (apt-get install node-acorn)"
fi

# npm packages: only when node_modules is absent or older than the lockfile (or package.json).
# The stamp is written after a successful install, so a run that failed halfway is retried.
if [[ -f package.json ]]; then
  stamp=node_modules/.bnlab-setup-stamp
  if [[ -f package-lock.json ]]; then lock=package-lock.json; npm_cmd=(npm ci); else lock=package.json; npm_cmd=(npm install); fi
  if [[ ! -f $stamp || $lock -nt $stamp || package.json -nt $stamp ]]; then
    if [[ $check_only == 1 ]]; then say "npm packages are not installed or out of date (${npm_cmd[*]})"; exit 1; fi
    say "${npm_cmd[*]} (node_modules missing or older than $lock)"
    # --prefer-offline: packages already in npm's cache (~/.npm, kept on the machine across fresh
    # clones) are taken from it without asking the registry again; the lockfile's hashes still apply.
    "${npm_cmd[@]}" --no-audit --no-fund --prefer-offline
    mkdir -p node_modules && touch "$stamp"
  else
    say "ok       node_modules (up to date with $lock)"
  fi
fi

say "done: everything needed is installed"
