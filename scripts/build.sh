#!/usr/bin/env bash
# Builds BN Lab, incrementally (a second run with nothing changed takes seconds), through the
# presets of CMakePresets.json (`cmake --preset NAME`, `cmake --build --preset NAME`).
#
#   bash scripts/build.sh            native and wasm
#   bash scripts/build.sh native     build/native: bnlab_core, the bnlab CLI, bnlab_tests
#   bash scripts/build.sh wasm       build/wasm:   web/generated/bnlab.mjs + bnlab.wasm, bnlab-first.mjs +
#                                                 bnlab-first.wasm (the first chapter alone), bnlab-single.js
#   bash scripts/build.sh native-fast-research
#                                    build/native-fast-research/bnlab: the fast research CLI (AVX2 + FMA,
#                                    its bits differ from the page's; README "Builds"), the CLI target only
#
# Environment: BNLAB_JOBS (default 2) parallel compile jobs; BNLAB_BUILD_TYPE (default Release);
# BNLAB_CMAKE_ARGS extra -D options for both configure steps (e.g. -DBNLAB_WERROR=ON).
# Assumes the tools are installed (scripts/setup.sh; npm start and npm test run it first).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=${BNLAB_JOBS:-2}
build_type=${BNLAB_BUILD_TYPE:-Release}
read -r -a extra_args <<<"${BNLAB_CMAKE_ARGS:-}"

targets=("$@")
((${#targets[@]})) || targets=(native wasm)

say() { printf '[build] %s\n' "$*"; }

# Configure only when there is no cache yet (or the build type changed): afterwards CMake itself
# re-runs configure when CMakeLists.txt or a globbed folder changes (CONFIGURE_DEPENDS).
needs_configure() {
  local dir=$1
  [[ ! -f $dir/CMakeCache.txt ]] && return 0
  ! grep -q "^CMAKE_BUILD_TYPE:STRING=${build_type}\$" "$dir/CMakeCache.txt"
}

# build PRESET WHAT: configure (when needed) and build one preset of CMakePresets.json in build/PRESET.
build() {
  local preset=$1 what=$2 dir=build/$1
  if needs_configure "$dir"; then
    say "configure $preset ($build_type) in $dir"
    cmake --preset "$preset" -DCMAKE_BUILD_TYPE="$build_type" "${extra_args[@]}"
  fi
  say "build $preset (-j$jobs)"
  cmake --build --preset "$preset" -j "$jobs"
  say "$preset ready: $what"
}

build_wasm() {
  if ! command -v em++ >/dev/null 2>&1; then
    echo "[build] error: em++ not found; run bash scripts/setup.sh (installs Debian's emscripten)" >&2
    exit 1
  fi
  # Debian's emcc runs its JS optimizer under node, which must find acorn in /usr/share/nodejs.
  export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
  build wasm "web/generated/bnlab.mjs, bnlab.wasm, bnlab-first.mjs, bnlab-first.wasm, bnlab-single.js"
  node scripts/minify-glue.mjs         # the glue of bnlab-first.mjs and bnlab.mjs, local names shortened (issue 19)
  node scripts/build-engine-index.mjs  # web/generated/engine-index.json: presets etc. for the first-chapter module's host
  node scripts/build-page.mjs    # the hosted page's two scripts, bundled and minified (web/generated/lab.js, worker.js)
  node scripts/build-single.mjs  # classic worker script + dist/bnlab-lab.html (the one-file lab)
  node scripts/build-data.mjs    # the images chapter's Fashion-MNIST subset (says what to install if absent)
  node scripts/precompress.mjs   # .br and .gz copies of web/generated's files, sent by web/serve.mjs
}

start=$SECONDS
for t in "${targets[@]}"; do
  case "$t" in
    native) build native "build/native/bnlab, build/native/bnlab_tests" ;;
    wasm) build_wasm ;;
    native-fast-research) build native-fast-research "build/native-fast-research/bnlab (AVX2 + FMA: research sweeps, not the page's bits)" ;;
    *) echo "[build] unknown target '$t' (native, wasm or native-fast-research)" >&2; exit 2 ;;
  esac
done
say "done in $((SECONDS - start)) s (${targets[*]})"
