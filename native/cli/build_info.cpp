#include "build_info.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bnlab_cli {

#ifdef BNLAB_FAST_RESEARCH
const char* build_kind() { return "fast-research"; }
const char* build_description() {
  return "bnlab 0.1.0, fast research build (x86-64-v3: AVX2 + FMA; float product: " BNLAB_FAST_RESEARCH_PRODUCT
         "). Its results differ in the last bits from the page's and the default build's, and agree "
         "statistically (tests/cli/fast-research.test.js)";
}
#else
const char* build_kind() { return "default"; }
const char* build_description() {
  return "bnlab 0.1.0, default build (SSE2, no FMA): results bit-identical with the page's (wasm)";
}
#endif

}  // namespace bnlab_cli

#ifdef BNLAB_FAST_RESEARCH
namespace {

// Runs before any other initializer of the program (priority 101, the first one allowed), and this
// file is compiled for plain x86-64 (CMakeLists.txt), so no AVX instruction executes before the
// check: on a CPU without AVX2/FMA the binary stops with one line instead of an illegal
// instruction. BNLAB_TEST_NO_AVX2=1 makes it act as on such a CPU (tests/cli/fast-research.test.js).
__attribute__((constructor(101))) void refuse_without_avx2_fma() {
  __builtin_cpu_init();
  const char* pretend = std::getenv("BNLAB_TEST_NO_AVX2");
  const bool lacks = (pretend && std::strcmp(pretend, "1") == 0) || !__builtin_cpu_supports("avx2") ||
                     !__builtin_cpu_supports("fma");
  if (!lacks) return;
  std::fputs("bnlab: this is the fast research build (AVX2 + FMA) and this CPU lacks AVX2 or FMA; "
             "use the default build (build/native/bnlab)\n",
             stderr);
  std::exit(2);
}

}  // namespace
#endif
