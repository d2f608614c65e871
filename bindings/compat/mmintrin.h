// Used only by the WebAssembly build (CMakeLists.txt puts bindings/compat first on the include path
// when BNLAB_WASM_SSE is ON). It lets Eigen 3.4.0 use its SSE2 kernels under em++ -msse2, which
// Emscripten translates to wasm SIMD: about 1.5x the speed of -msimd128 alone (DESIGN section 5).
//
// Two header problems stand in the way, and this one file is where both can be fixed:
//
// 1. Eigen's ConfigureVectorization.h includes <mmintrin.h> (MMX) before <emmintrin.h> and
//    <xmmintrin.h>. Emscripten 3.1.6 ships the SSE headers but not this one, so the compiler would
//    fall through to clang's x86-only header, which #errors on wasm. Eigen uses no MMX type or
//    intrinsic, so the header can be empty.
//
// 2. Eigen's SSE pmin/pmax (PacketMath.h) use x86 inline asm when EIGEN_COMP_GNUC < 63, a
//    workaround for a GCC < 6.3 bug. clang claims to be GCC 4.2, so EIGEN_COMP_GNUC is 42 and the
//    asm (invalid on wasm) is chosen. Eigen's only numeric test of EIGEN_COMP_GNUC in the SSE path
//    is that one, and Eigen includes this header after Macros.h has defined EIGEN_COMP_GNUC and
//    before the SSE PacketMath.h uses it, so raising it to 63 here selects the plain intrinsics
//    (_mm_min_ps(b, a), whose NaN behaviour Emscripten reproduces exactly). __GNUC__ itself is left
//    alone: with -fgnuc-version=6.x instead, Eigen's GEBP kernel would pick *other* x86 inline asm
//    (the "+x,m" register-spill workaround guarded by EIGEN_GNUC_AT_LEAST(6,0)).
//
// No system header is edited. Nothing else includes <mmintrin.h> in this build.
#ifndef BNLAB_COMPAT_MMINTRIN_H
#define BNLAB_COMPAT_MMINTRIN_H

#if !defined(__EMSCRIPTEN__)
#error "bindings/compat is for the Emscripten build only; do not add it to the native include path"
#endif

#if defined(EIGEN_COMP_GNUC) && EIGEN_COMP_GNUC && EIGEN_COMP_GNUC < 63 && defined(__clang__)
#undef EIGEN_COMP_GNUC
#define EIGEN_COMP_GNUC 63
#endif

#endif  // BNLAB_COMPAT_MMINTRIN_H
