// Shared test helpers: an AllClose matcher for matrices that names the worst entry, random
// matrices from the owned generator, and a central-difference gradient checker.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>

#include "bnlab/rng.h"
#include "bnlab/types.h"

namespace bnlab::test {

// |actual - expected| <= atol + rtol |expected|, entry by entry (numpy's allclose); shapes must match.
class AllCloseMatcher : public Catch::MatcherBase<MatD> {
 public:
  AllCloseMatcher(MatD expected, double rtol, double atol)
      : expected_(std::move(expected)), rtol_(rtol), atol_(atol) {}

  bool match(const MatD& actual) const override {
    std::ostringstream os;
    if (actual.rows() != expected_.rows() || actual.cols() != expected_.cols()) {
      os << "has the shape of the expected " << expected_.rows() << " x " << expected_.cols();
      note_ = os.str();
      return false;
    }
    double worst = -1.0;
    Eigen::Index wi = 0, wj = 0;
    bool ok = true;
    for (Eigen::Index j = 0; j < actual.cols(); ++j)
      for (Eigen::Index i = 0; i < actual.rows(); ++i) {
        const double e = expected_(i, j), a = actual(i, j);
        const double excess = std::abs(a - e) - (atol_ + rtol_ * std::abs(e));
        if (!(excess <= 0.0)) ok = false;  // NaN fails too
        if (!(excess <= worst)) {
          worst = excess;
          wi = i;
          wj = j;
        }
      }
    const double a = actual.size() ? actual(wi, wj) : 0.0, e = actual.size() ? expected_(wi, wj) : 0.0;
    os << "is close to the expected matrix (rtol " << rtol_ << ", atol " << atol_ << "); worst entry (" << wi
       << ", " << wj << "): ";
    os.precision(17);
    os << a << " vs " << e;
    os.precision(3);
    os << " (difference " << std::abs(a - e) << ")";
    note_ = os.str();
    return ok;
  }
  std::string describe() const override { return note_; }

 private:
  MatD expected_;
  double rtol_, atol_;
  mutable std::string note_;
};

inline AllCloseMatcher AllClose(const MatD& expected, double rtol, double atol = 0.0) {
  return AllCloseMatcher(expected, rtol, atol);
}

// rows x cols with entries N(mean, stddev^2).
inline MatD random_normal(Eigen::Index rows, Eigen::Index cols, Rng& rng, double stddev = 1.0,
                          double mean = 0.0) {
  MatD m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = rng.normal(mean, stddev);
  return m;
}

// Central differences of f with respect to every entry of x (f reads x through the reference):
//   g_i = (f(x + h e_i) - f(x - h e_i)) / (2h)
// Error: truncation h^2 f''' / 6 plus rounding ~ eps sum|terms of f| / (2h): see kGradRtol below.
inline MatD numeric_gradient(const std::function<double()>& f, MatD& x, double h = 1e-6) {
  MatD g(x.rows(), x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const double keep = x(i, j);
      x(i, j) = keep + h;
      const double up = f();
      x(i, j) = keep - h;
      const double down = f();
      x(i, j) = keep;
      g(i, j) = (up - down) / (2.0 * h);
    }
  return g;
}

// The scalar loss used to check a single layer: a fixed random linear functional of its output,
// L(y) = sum_ij R_ij y_ij, so dL/dy = R.
inline double functional(const MatD& R, const MatD& y) { return (R.array() * y.array()).sum(); }

// Gradient tolerance. With h = 1e-6 in double the central difference carries a truncation error
// h^2 |L'''| / 6 ~ 1e-12 and a rounding error eps sum|terms of L| / (2h) ~ 1e-10 .. 1e-8 for the
// losses here (up to ~100 terms of size ~1). Measured over every gradient check in this suite:
// worst absolute difference 5e-9, worst relative 8e-8 on entries above 1e-2. A real mistake in a
// backward formula (a missing term, a factor m or 1/m, a wrong sign) is O(1e-2) or more.
// So: 1e-6 relative plus 1e-7 absolute (for entries that are zero or nearly so).
constexpr double kGradRtol = 1e-6;
constexpr double kGradAtol = 1e-7;

}  // namespace bnlab::test
