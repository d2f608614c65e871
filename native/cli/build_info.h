// Which build of the CLI this is (README "Builds"): the default build, whose results are
// bit-identical with the page's, or the fast research build (CMake BNLAB_FAST_RESEARCH, preset
// native-fast-research: AVX2 + FMA), whose results differ in the bits and agree statistically.
#pragma once

namespace bnlab_cli {

// "default" or "fast-research": the value of the "build" field the fast build adds to its results.
const char* build_kind();

// One line for `bnlab --version`.
const char* build_description();

}  // namespace bnlab_cli
