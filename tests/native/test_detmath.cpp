#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "bnlab/detmath.h"
#include "bnlab/rng.h"

using namespace bnlab;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinULP;

namespace {

// Distance in units in the last place between two finite doubles (0 when equal).
double ulp_distance(double a, double b) {
  auto ordered = [](double x) {
    std::int64_t i;
    std::memcpy(&i, &x, sizeof i);
    return i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
  };
  return std::abs(static_cast<double>(ordered(a) - ordered(b)));
}

// The worst ulp distance of f from the reference over `n` arguments drawn by `arg`.
template <typename F, typename Ref, typename Arg>
double worst_ulp(F f, Ref ref, Arg arg, int n, double& where) {
  double worst = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = arg();
    const double d = ulp_distance(f(x), ref(x));
    if (d > worst) {
      worst = d;
      where = x;
    }
  }
  return worst;
}

constexpr int kSamples = 200000;

}  // namespace

// glibc's exp/log/sin/cos/tanh are correctly rounded or within 1 ulp, so "a few ulp" against them
// bounds detmath's own error by a few ulp plus one. Measured worst cases over these ranges:
// exp 1, log 3, sin/cos 3, tanh 3, sigmoid 3 ulp; the bounds below leave one ulp of room.

TEST_CASE("detmath::exp is within 2 ulp of std::exp for |x| <= 700", "[detmath]") {
  Rng r(1);
  double where = 0.0;
  const double worst = worst_ulp([](double x) { return detmath::exp(x); }, [](double x) { return std::exp(x); },
                                 [&] { return r.uniform(-700.0, 700.0); }, kSamples, where);
  INFO("worst at x = " << where);
  CHECK(worst <= 2.0);
}

TEST_CASE("detmath::exp handles the edges", "[detmath]") {
  CHECK(detmath::exp(0.0) == 1.0);
  CHECK(detmath::exp(1000.0) == std::numeric_limits<double>::infinity());
  CHECK(detmath::exp(-1000.0) == 0.0);
  CHECK(std::isnan(detmath::exp(std::numeric_limits<double>::quiet_NaN())));
  CHECK_THAT(detmath::exp(1.0), WithinULP(2.718281828459045, 1));
}

TEST_CASE("detmath::log is within 4 ulp of std::log from 1e-300 to 1e300", "[detmath]") {
  Rng r(2);
  double where = 0.0;
  const double worst = worst_ulp([](double x) { return detmath::log(x); }, [](double x) { return std::log(x); },
                                 [&] { return std::exp(r.uniform(-690.0, 690.0)); }, kSamples, where);
  INFO("worst at x = " << where);
  CHECK(worst <= 4.0);
  SECTION("and near 1, where log x is small") {
    Rng s(3);
    const double near1 = worst_ulp([](double x) { return detmath::log(x); }, [](double x) { return std::log(x); },
                                   [&] { return 1.0 + s.uniform(-0.25, 0.25); }, kSamples, where);
    INFO("worst at x = " << where);
    CHECK(near1 <= 4.0);
  }
}

TEST_CASE("detmath::log handles the edges", "[detmath]") {
  CHECK(detmath::log(1.0) == 0.0);
  CHECK(detmath::log(0.0) == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(detmath::log(-1.0)));
  CHECK(detmath::log(std::numeric_limits<double>::infinity()) == std::numeric_limits<double>::infinity());
  CHECK_THAT(detmath::log(2.0), WithinULP(0.6931471805599453, 1));
}

TEST_CASE("detmath::sin and cos are within 4 ulp of std for |x| <= 1e5", "[detmath]") {
  Rng r(4);
  double where = 0.0;
  auto arg = [&] { return r.uniform(-1e5, 1e5); };
  const double ws = worst_ulp([](double x) { return detmath::sin(x); }, [](double x) { return std::sin(x); }, arg,
                              kSamples, where);
  INFO("sin worst at x = " << where);
  CHECK(ws <= 4.0);
  const double wc = worst_ulp([](double x) { return detmath::cos(x); }, [](double x) { return std::cos(x); }, arg,
                              kSamples, where);
  INFO("cos worst at x = " << where);
  CHECK(wc <= 4.0);
  SECTION("and for the angles the data sets use, |x| <= 4 pi") {
    Rng s(5);
    auto small = [&] { return s.uniform(-12.6, 12.6); };
    CHECK(worst_ulp([](double x) { return detmath::sin(x); }, [](double x) { return std::sin(x); }, small,
                    kSamples, where) <= 4.0);
    CHECK(worst_ulp([](double x) { return detmath::cos(x); }, [](double x) { return std::cos(x); }, small,
                    kSamples, where) <= 4.0);
  }
}

TEST_CASE("detmath::sincos is accurate in absolute terms next to the zeros of sin and cos", "[detmath]") {
  // Cody-Waite reduction with pi/2 to 99 bits: at x = k pi/2 (rounded) the result is ~1e-16 k and
  // its relative error can be large, but the absolute error stays below |q| 2^-99 ~ 1e-25
  // for |x| <= 1e5, far below one ulp of 1.
  double worst = 0.0;
  for (int k = -60000; k <= 60000; k += 7) {
    const double x = k * (detmath::pi() / 2.0);
    double s, c;
    detmath::sincos(x, s, c);
    worst = std::max({worst, std::abs(s - std::sin(x)), std::abs(c - std::cos(x))});
  }
  CHECK(worst < 1e-24);
}

TEST_CASE("detmath::sincos agrees with detmath::sin and detmath::cos and with sin^2 + cos^2 = 1", "[detmath]") {
  Rng r(6);
  for (int i = 0; i < 1000; ++i) {
    const double x = r.uniform(-100.0, 100.0);
    double s, c;
    detmath::sincos(x, s, c);
    REQUIRE(s == detmath::sin(x));
    REQUIRE(c == detmath::cos(x));
    // s and c are each within 4 ulp: |s^2 + c^2 - 1| <= 2 (4 + 1) eps/2 + rounding < 2e-15.
    REQUIRE_THAT(s * s + c * c, WithinAbs(1.0, 2e-15));
  }
}

TEST_CASE("detmath::tanh is within 4 ulp of std::tanh from 1e-12 to 25 in magnitude", "[detmath]") {
  // Log-uniform magnitudes so the small arguments (where e^2x - 1 cancels) are well covered.
  Rng r(7);
  double where = 0.0;
  const double worst = worst_ulp([](double x) { return detmath::tanh(x); }, [](double x) { return std::tanh(x); },
                                 [&] { return r.uniform(-25.0, 25.0) * std::pow(10.0, r.uniform(-12.0, 0.0)); },
                                 kSamples, where);
  INFO("worst at x = " << where);
  CHECK(worst <= 4.0);
  CHECK(detmath::tanh(0.0) == 0.0);
  CHECK(detmath::tanh(30.0) == 1.0);
  CHECK(detmath::tanh(-30.0) == -1.0);
  CHECK(detmath::tanh(-0.3) == -detmath::tanh(0.3));
}

TEST_CASE("detmath::sigmoid is within 4 ulp of 1 / (1 + exp(-x)) and stable for large |x|", "[detmath]") {
  Rng r(8);
  double where = 0.0;
  const double worst = worst_ulp([](double x) { return detmath::sigmoid(x); },
                                 [](double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); },
                                 [&] { return r.uniform(-70.0, 70.0); }, kSamples, where);
  INFO("worst at x = " << where);
  CHECK(worst <= 4.0);
  CHECK(detmath::sigmoid(0.0) == 0.5);
  CHECK(detmath::sigmoid(800.0) == 1.0);
  CHECK(detmath::sigmoid(-800.0) == 0.0);
  CHECK(std::isfinite(detmath::sigmoid(-1e308)));
}

TEST_CASE("detmath::sigmoid_n gives detmath::sigmoid's bits for every value, SIMD pairs and edges included", "[detmath]") {
  Rng r(11);
  std::vector<double> x;
  for (int i = 0; i < kSamples; ++i) {
    x.push_back(r.uniform(-30.0, 30.0));
    x.push_back(r.uniform(-800.0, 800.0));  // past the SIMD path's +-708 on both sides
    x.push_back(static_cast<double>(static_cast<float>(r.uniform(-8.0, 8.0))));  // the float inputs a net gives
  }
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, -0.0, 708.0, -708.0, 708.0000001, -708.0000001, 745.2, -745.3, 1e-300, -1e-300, 5e-324, inf, -inf,
                   std::numeric_limits<double>::quiet_NaN(), 0.5, -0.5})
    x.push_back(v);
  x.push_back(1.0);  // an odd count: the last value alone
  std::vector<double> y(x.size());
  detmath::sigmoid_n(x.data(), y.data(), static_cast<long>(x.size()));
  long differ = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double s = detmath::sigmoid(x[i]);
    if (std::memcmp(&s, &y[i], sizeof s) != 0) {
      if (differ == 0) UNSCOPED_INFO("first difference at x = " << x[i]);
      ++differ;
    }
  }
  CHECK(differ == 0);
}

TEST_CASE("detmath::exp_n gives detmath::exp's bits for every value, SIMD pairs and edges included", "[detmath]") {
  Rng r(12);
  std::vector<double> x;
  for (int i = 0; i < kSamples; ++i) {
    x.push_back(r.uniform(-30.0, 0.0));      // softmax's z - zmax
    x.push_back(r.uniform(-800.0, 800.0));  // past the SIMD path's +-708 on both sides
    x.push_back(static_cast<double>(static_cast<float>(r.uniform(-8.0, 8.0))) - 4.0);
  }
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, -0.0, 708.0, -708.0, 708.0000001, -708.0000001, 709.7, 709.79, -745.1, -745.3, 1e-300, -1e-300,
                   5e-324, inf, -inf, std::numeric_limits<double>::quiet_NaN(), 0.5, -0.5, 0.34657359027997264,
                   -0.34657359027997264})
    x.push_back(v);
  x.push_back(-1.0);  // an odd count: the last value alone
  std::vector<double> y(x.size());
  detmath::exp_n(x.data(), y.data(), static_cast<long>(x.size()));
  long differ = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double e = detmath::exp(x[i]);
    if (std::memcmp(&e, &y[i], sizeof e) != 0) {
      if (differ == 0) UNSCOPED_INFO("first difference at x = " << x[i]);
      ++differ;
    }
  }
  CHECK(differ == 0);
}

TEST_CASE("detmath::pi is the double nearest pi", "[detmath]") {
  CHECK(detmath::pi() == 3.141592653589793);
}
