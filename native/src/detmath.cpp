#include "bnlab/detmath.h"

#include <cmath>
#include <limits>

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

}  // namespace bnlab::detmath
