#include "bnlab/detmath.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bnlab::detmath {
namespace {
// ln 2 split so that k * kLn2Hi is exact for |k| < 2^20 (fdlibm's constants).
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
// pi/2 in three 33-bit pieces: q * piece is exact for |q| < 2^20 (Cody-Waite reduction).
constexpr double kPio2_1 = 1.57079632673412561417e+00;
constexpr double kPio2_2 = 6.07710050630396597660e-11;
constexpr double kPio2_3 = 2.02226624871116645580e-21;
constexpr double kTwoOverPi = 6.36619772367581382433e-01;

double nearest(double x) { return std::floor(x + 0.5); }  // floor is exact
}  // namespace

double pi() { return 3.14159265358979311600e+00; }

// log x = e ln2 + log m with m in [1/sqrt2, sqrt2); log m = 2 atanh(f), f = (m-1)/(m+1), |f| < 0.172,
// atanh f = f (1 + s/3 + s^2/5 + ...), s = f^2 < 0.0295: 11 terms reach 1e-17.
double log(double x) {
  if (!(x > 0.0)) return x == 0.0 ? -std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::quiet_NaN();
  if (x == std::numeric_limits<double>::infinity()) return x;
  int e = 0;
  double m = std::frexp(x, &e);  // x = m 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double f = (m - 1.0) / (m + 1.0);
  const double s = f * f;
  double series = 1.0 / 23.0;
  for (int k = 10; k >= 0; --k) series = 1.0 / (2 * k + 1) + s * series;
  const double log_m = 2.0 * f * series;
  return e * kLn2Hi + (log_m + e * kLn2Lo);
}

// exp x = 2^k exp r, k = round(x / ln2), |r| <= ln2/2; Taylor to r^14 / 14! (error < 1e-17).
double exp(double x) {
  if (x != x) return x;
  if (x > 709.78) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0.0;
  const double k = nearest(x * kInvLn2);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0;
  for (int n = 14; n >= 1; --n) p = 1.0 + p * r / n;
  return std::ldexp(p, static_cast<int>(k));
}

// Reduce by pi/2 into |r| <= pi/4, then Taylor series (to r^17 and r^18: error < 1e-17).
void sincos(double x, double& s, double& c) {
  const double q = nearest(x * kTwoOverPi);
  const double r = ((x - q * kPio2_1) - q * kPio2_2) - q * kPio2_3;
  const double r2 = r * r;
  double ps = 1.0, pc = 1.0;
  for (int n = 17; n >= 3; n -= 2) ps = 1.0 - ps * r2 / (n * (n - 1));
  for (int n = 18; n >= 2; n -= 2) pc = 1.0 - pc * r2 / (n * (n - 1));
  const double sr = r * ps, cr = pc;
  const long quadrant = static_cast<long>(q) & 3;
  switch (quadrant) {
    case 0: s = sr; c = cr; break;
    case 1: s = cr; c = -sr; break;
    case 2: s = -sr; c = -cr; break;
    default: s = -cr; c = sr; break;
  }
}

double sin(double x) { double s, c; sincos(x, s, c); return s; }
double cos(double x) { double s, c; sincos(x, s, c); return c; }

// tanh x = (e^2x - 1) / (e^2x + 1) = m / (m + 2) with m = e^2x - 1. For |2x| < 1/2, m is summed as
// its own Taylor series (2x)(1 + 2x/2 (1 + 2x/3 (...))) to (2x)^20 / 20!: forming e^2x - 1 there
// would cancel (relative error eps / |x|, 1e10 ulp at x = 1e-12).
double tanh(double x) {
  if (x > 20.0) return 1.0;
  if (x < -20.0) return -1.0;
  const double y = 2.0 * x;
  double m;
  if (y > -0.5 && y < 0.5) {
    double p = 1.0;
    for (int n = 20; n >= 2; --n) p = 1.0 + p * y / n;
    m = y * p;
  } else {
    m = exp(y) - 1.0;
  }
  return m / (m + 2.0);
}

double sigmoid(double x) {
  if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
  const double e = exp(x);
  return e / (1.0 + e);
}

#if defined(__SSE2__)
namespace {
// exp of two lanes with exactly exp's operations, for |x| <= 708: then k = round(x / ln2) is in
// [-1021, 1021], so 2^k and p 2^k (p in [1/sqrt2, sqrt2]) are normal and ldexp(p, k) is the exact
// product p * 2^k.
__m128d exp2(__m128d a) {
  // k = floor(a / ln2 + 0.5), exactly: truncate (|value| < 2^31) and step down where that rounded up.
  const __m128d y = _mm_add_pd(_mm_mul_pd(a, _mm_set1_pd(kInvLn2)), _mm_set1_pd(0.5));
  const __m128d t = _mm_cvtepi32_pd(_mm_cvttpd_epi32(y));
  const __m128d k = _mm_sub_pd(t, _mm_and_pd(_mm_cmpgt_pd(t, y), _mm_set1_pd(1.0)));
  const __m128d r = _mm_sub_pd(_mm_sub_pd(a, _mm_mul_pd(k, _mm_set1_pd(kLn2Hi))), _mm_mul_pd(k, _mm_set1_pd(kLn2Lo)));
  __m128d p = _mm_set1_pd(1.0);
  const __m128d one = _mm_set1_pd(1.0);
  for (int n = 14; n >= 1; --n) p = _mm_add_pd(one, _mm_div_pd(_mm_mul_pd(p, r), _mm_set1_pd(static_cast<double>(n))));
  // 2^k from its bits: exponent field k + 1023 (in [2, 2044] here), in each 64-bit lane.
  const __m128i biased = _mm_add_epi32(_mm_cvttpd_epi32(k), _mm_set1_epi32(1023));
  const __m128i wide = _mm_unpacklo_epi32(biased, _mm_setzero_si128());
  return _mm_mul_pd(p, _mm_castsi128_pd(_mm_slli_epi64(wide, 52)));
}

// sigmoid of two lanes with exactly sigmoid's operations, for |x| <= 708. e = exp(-|x|) is the
// exp both branches of sigmoid take (exp(-x) for x >= 0, exp(x) for x < 0; the same bits).
__m128d sigmoid2(__m128d x) {
  const __m128d sign = _mm_set1_pd(-0.0);
  const __m128d e = exp2(_mm_or_pd(x, sign));  // exp(-|x|)
  const __m128d one = _mm_set1_pd(1.0);
  const __m128d d = _mm_add_pd(one, e);
  const __m128d pos = _mm_div_pd(one, d);  // x >= 0: 1 / (1 + exp(-x))
  const __m128d neg = _mm_div_pd(e, d);    // x < 0: exp(x) / (1 + exp(x))
  const __m128d ge = _mm_cmpge_pd(x, _mm_setzero_pd());
  return _mm_or_pd(_mm_and_pd(ge, pos), _mm_andnot_pd(ge, neg));
}
}  // namespace
#endif

namespace {
// y[i] = scalar(x[i]) for every i: two lanes at a time through `pair` (the same operations, so the
// same bits) where both lanes are in its fast range |x| <= 708; a pair with a lane outside it (NaN,
// or where exp saturates, overflows or goes subnormal) takes the scalar code, both lanes.
#if defined(__SSE2__)
using Pair = __m128d (*)(__m128d);
#define BNLAB_PAIR(f) (f)
#else
using Pair = std::nullptr_t;
#define BNLAB_PAIR(f) nullptr
#endif
template <class Scalar>
void by_pairs(const double* x, double* y, long n, Scalar scalar, [[maybe_unused]] Pair pair) {
  long i = 0;
#if defined(__SSE2__)
  for (; i + 1 < n; i += 2) {
    if (!(std::fabs(x[i]) <= 708.0 && std::fabs(x[i + 1]) <= 708.0)) {
      y[i] = scalar(x[i]);
      y[i + 1] = scalar(x[i + 1]);
      continue;
    }
    _mm_storeu_pd(y + i, pair(_mm_loadu_pd(x + i)));
  }
#endif
  for (; i < n; ++i) y[i] = scalar(x[i]);
}
}  // namespace

void exp_n(const double* x, double* y, long n) { by_pairs(x, y, n, [](double v) { return exp(v); }, BNLAB_PAIR(exp2)); }

void sigmoid_n(const double* x, double* y, long n) {
  by_pairs(x, y, n, [](double v) { return sigmoid(v); }, BNLAB_PAIR(sigmoid2));
}
#undef BNLAB_PAIR

}  // namespace bnlab::detmath
