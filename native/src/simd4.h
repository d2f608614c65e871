// vf4: four floats in one 128-bit vector, the only SIMD the core's own kernels use. One source
// for both builds: SSE2 natively (x86-64 g++), wasm SIMD in the browser (em++ -msimd128, checked
// first because the wasm build also defines __SSE2__ for Eigen's translated path), plain scalar
// code elsewhere. Only lane-wise IEEE operations (add, mul, sub, loads, stores, splat): no FMA, no
// horizontal sums, no approximations, so every lane rounds exactly as the scalar expression
// would, and a kernel written over vf4 gives the same bits in every build and in its scalar tail.
// vd2: two doubles, the same rules (lane-wise add, sub, mul, div, sqrt: all correctly rounded),
// with exact widening of a vf4's halves to double and narrowing back (rounded to nearest, as
// static_cast<float> does), for kernels that keep their sums in double.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define BNLAB_VF4_WASM 1
#elif defined(__SSE2__)
#include <emmintrin.h>
#define BNLAB_VF4_SSE2 1
#else
#include <cmath>
#endif

namespace bnlab::simd {

#if defined(BNLAB_VF4_WASM)
struct vf4 {
  v128_t v;
};
inline vf4 zero() { return {wasm_f32x4_splat(0.0f)}; }
inline vf4 load(const float* p) { return {wasm_v128_load(p)}; }  // unaligned
inline vf4 splat(const float* p) { return {wasm_v128_load32_splat(p)}; }
inline vf4 splat(float x) { return {wasm_f32x4_splat(x)}; }
inline vf4 set(float a, float b, float c, float d) { return {wasm_f32x4_make(a, b, c, d)}; }
inline void store(float* p, vf4 a) { wasm_v128_store(p, a.v); }
inline vf4 add(vf4 a, vf4 b) { return {wasm_f32x4_add(a.v, b.v)}; }
inline vf4 sub(vf4 a, vf4 b) { return {wasm_f32x4_sub(a.v, b.v)}; }
inline vf4 mul(vf4 a, vf4 b) { return {wasm_f32x4_mul(a.v, b.v)}; }
struct vd2 {
  v128_t v;
};
inline vd2 zero2() { return {wasm_f64x2_splat(0.0)}; }
inline vd2 load2(const double* p) { return {wasm_v128_load(p)}; }
inline vd2 splat2(double x) { return {wasm_f64x2_splat(x)}; }
inline void store2(double* p, vd2 a) { wasm_v128_store(p, a.v); }
inline vd2 add(vd2 a, vd2 b) { return {wasm_f64x2_add(a.v, b.v)}; }
inline vd2 sub(vd2 a, vd2 b) { return {wasm_f64x2_sub(a.v, b.v)}; }
inline vd2 mul(vd2 a, vd2 b) { return {wasm_f64x2_mul(a.v, b.v)}; }
inline vd2 div(vd2 a, vd2 b) { return {wasm_f64x2_div(a.v, b.v)}; }
inline vd2 sqrt(vd2 a) { return {wasm_f64x2_sqrt(a.v)}; }
inline vd2 widen_lo(vf4 a) { return {wasm_f64x2_promote_low_f32x4(a.v)}; }
inline vd2 widen_hi(vf4 a) { return {wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a.v, a.v, 2, 3, 2, 3))}; }
inline vf4 narrow(vd2 lo, vd2 hi) {
  return {wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo.v), wasm_f32x4_demote_f64x2_zero(hi.v), 0, 1, 4, 5)};
}
#elif defined(BNLAB_VF4_SSE2)
struct vf4 {
  __m128 v;
};
inline vf4 zero() { return {_mm_setzero_ps()}; }
inline vf4 load(const float* p) { return {_mm_loadu_ps(p)}; }
inline vf4 splat(const float* p) { return {_mm_load1_ps(p)}; }
inline vf4 splat(float x) { return {_mm_set1_ps(x)}; }
inline vf4 set(float a, float b, float c, float d) { return {_mm_setr_ps(a, b, c, d)}; }
inline void store(float* p, vf4 a) { _mm_storeu_ps(p, a.v); }
inline vf4 add(vf4 a, vf4 b) { return {_mm_add_ps(a.v, b.v)}; }
inline vf4 sub(vf4 a, vf4 b) { return {_mm_sub_ps(a.v, b.v)}; }
inline vf4 mul(vf4 a, vf4 b) { return {_mm_mul_ps(a.v, b.v)}; }
struct vd2 {
  __m128d v;
};
inline vd2 zero2() { return {_mm_setzero_pd()}; }
inline vd2 load2(const double* p) { return {_mm_loadu_pd(p)}; }
inline vd2 splat2(double x) { return {_mm_set1_pd(x)}; }
inline void store2(double* p, vd2 a) { _mm_storeu_pd(p, a.v); }
inline vd2 add(vd2 a, vd2 b) { return {_mm_add_pd(a.v, b.v)}; }
inline vd2 sub(vd2 a, vd2 b) { return {_mm_sub_pd(a.v, b.v)}; }
inline vd2 mul(vd2 a, vd2 b) { return {_mm_mul_pd(a.v, b.v)}; }
inline vd2 div(vd2 a, vd2 b) { return {_mm_div_pd(a.v, b.v)}; }
inline vd2 sqrt(vd2 a) { return {_mm_sqrt_pd(a.v)}; }
inline vd2 widen_lo(vf4 a) { return {_mm_cvtps_pd(a.v)}; }
inline vd2 widen_hi(vf4 a) { return {_mm_cvtps_pd(_mm_movehl_ps(a.v, a.v))}; }
inline vf4 narrow(vd2 lo, vd2 hi) { return {_mm_movelh_ps(_mm_cvtpd_ps(lo.v), _mm_cvtpd_ps(hi.v))}; }
#else
struct vf4 {
  float v[4];
};
inline vf4 zero() { return {{0.0f, 0.0f, 0.0f, 0.0f}}; }
inline vf4 load(const float* p) { return {{p[0], p[1], p[2], p[3]}}; }
inline vf4 splat(float x) { return {{x, x, x, x}}; }
inline vf4 splat(const float* p) { return splat(*p); }
inline vf4 set(float a, float b, float c, float d) { return {{a, b, c, d}}; }
inline void store(float* p, vf4 a) {
  for (int i = 0; i < 4; ++i) p[i] = a.v[i];
}
inline vf4 add(vf4 a, vf4 b) { return {{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3]}}; }
inline vf4 sub(vf4 a, vf4 b) { return {{a.v[0] - b.v[0], a.v[1] - b.v[1], a.v[2] - b.v[2], a.v[3] - b.v[3]}}; }
inline vf4 mul(vf4 a, vf4 b) { return {{a.v[0] * b.v[0], a.v[1] * b.v[1], a.v[2] * b.v[2], a.v[3] * b.v[3]}}; }
struct vd2 {
  double v[2];
};
inline vd2 zero2() { return {{0.0, 0.0}}; }
inline vd2 load2(const double* p) { return {{p[0], p[1]}}; }
inline vd2 splat2(double x) { return {{x, x}}; }
inline void store2(double* p, vd2 a) { p[0] = a.v[0]; p[1] = a.v[1]; }
inline vd2 add(vd2 a, vd2 b) { return {{a.v[0] + b.v[0], a.v[1] + b.v[1]}}; }
inline vd2 sub(vd2 a, vd2 b) { return {{a.v[0] - b.v[0], a.v[1] - b.v[1]}}; }
inline vd2 mul(vd2 a, vd2 b) { return {{a.v[0] * b.v[0], a.v[1] * b.v[1]}}; }
inline vd2 div(vd2 a, vd2 b) { return {{a.v[0] / b.v[0], a.v[1] / b.v[1]}}; }
inline vd2 sqrt(vd2 a) { return {{std::sqrt(a.v[0]), std::sqrt(a.v[1])}}; }
inline vd2 widen_lo(vf4 a) { return {{a.v[0], a.v[1]}}; }
inline vd2 widen_hi(vf4 a) { return {{a.v[2], a.v[3]}}; }
inline vf4 narrow(vd2 lo, vd2 hi) {
  return {{static_cast<float>(lo.v[0]), static_cast<float>(lo.v[1]), static_cast<float>(hi.v[0]), static_cast<float>(hi.v[1])}};
}
#endif

}  // namespace bnlab::simd
