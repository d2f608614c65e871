#include <catch2/catch.hpp>

#include <cmath>

#include "bnlab/dropout.h"
#include "bnlab/error.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

TEST_CASE("Dropout at evaluation is the identity, forward and backward", "[dropout]") {
  Rng rng(1);
  Dropout<double> drop(0.5);
  const MatD x = random_normal(4, 6, rng), dy = random_normal(4, 6, rng);
  CHECK_THAT(drop.forward(x, Mode::Eval, &rng), AllClose(x, 0.0));
  CHECK_THAT(drop.forward(x, Mode::Eval, nullptr), AllClose(x, 0.0));
  CHECK_THAT(drop.backward(dy), AllClose(dy, 0.0));
}

TEST_CASE("Dropout with p = 0 is the identity in training and needs no generator", "[dropout]") {
  Rng rng(2);
  Dropout<double> drop(0.0);
  const MatD x = random_normal(3, 5, rng);
  CHECK_THAT(drop.forward(x, Mode::Train, nullptr), AllClose(x, 0.0));
}

TEST_CASE("Dropout masks are 0 or 1/(1-p) and the output is x times the mask", "[dropout]") {
  const double p = GENERATE(0.1, 0.5, 0.8);
  Rng rng(3);
  Dropout<double> drop(p);
  const MatD x = random_normal(8, 16, rng);
  const MatD y = drop.forward(x, Mode::Train, &rng);
  const MatD& mask = drop.mask();
  for (Eigen::Index j = 0; j < mask.cols(); ++j)
    for (Eigen::Index i = 0; i < mask.rows(); ++i) REQUIRE((mask(i, j) == 0.0 || mask(i, j) == 1.0 / (1.0 - p)));
  CHECK_THAT(y, AllClose(x.cwiseProduct(mask), 0.0));
}

TEST_CASE("Dropout in training preserves the mean within 5 sigma", "[dropout]") {
  // For x = 1 each output is mask/(1-p) in {0, 1/(1-p)}: mean 1, variance p/(1-p). The mean over
  // n units has standard deviation sqrt(p / ((1-p) n)); allow 5 of them.
  const double p = GENERATE(0.05, 0.3, 0.5, 0.9);
  CAPTURE(p);
  const int rows = 100, cols = 200, n = rows * cols;
  Rng rng(4);
  Dropout<double> drop(p);
  const MatD y = drop.forward(MatD::Ones(rows, cols), Mode::Train, &rng);
  CHECK_THAT(y.mean(), WithinAbs(1.0, 5.0 * std::sqrt(p / ((1.0 - p) * n))));
  SECTION("and drops a fraction p of the units within 5 sigma") {
    const double dropped = static_cast<double>((drop.mask().array() == 0.0).count()) / n;
    CHECK_THAT(dropped, WithinAbs(p, 5.0 * std::sqrt(p * (1.0 - p) / n)));
  }
}

TEST_CASE("Dropout draws the same mask from the same seed and a different one from another", "[dropout]") {
  Dropout<double> drop(0.5);
  const MatD x = MatD::Ones(10, 20);
  Rng a(42), b(42), c(43);
  drop.forward(x, Mode::Train, &a);
  const MatD ma = drop.mask();
  drop.forward(x, Mode::Train, &b);
  CHECK_THAT(drop.mask(), AllClose(ma, 0.0));
  drop.forward(x, Mode::Train, &c);
  CHECK((drop.mask().array() != ma.array()).count() > 0);
  SECTION("the next mask from the same generator is a new one") {
    drop.forward(x, Mode::Train, &a);
    CHECK((drop.mask().array() != ma.array()).count() > 0);
  }
  SECTION("the mask is drawn column by column, one uniform per unit") {
    Rng r(42);
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      for (Eigen::Index i = 0; i < x.rows(); ++i) REQUIRE((ma(i, j) == 0.0) == (r.uniform() < 0.5));
  }
}

TEST_CASE("Dropout gradient with a fixed mask matches central differences", "[dropout][gradcheck]") {
  const int batch = GENERATE(2, 5);
  CAPTURE(batch);
  Rng rng(5);
  Dropout<double> drop(0.4);
  MatD x = random_normal(6, batch, rng);
  const MatD R = random_normal(6, batch, rng);
  // Re-seeding before every forward fixes the mask.
  auto loss = [&] {
    Rng mask_rng(77);
    return functional(R, drop.forward(x, Mode::Train, &mask_rng));
  };
  loss();
  const MatD dx = drop.backward(R);
  CHECK_THAT(dx, AllClose(numeric_gradient(loss, x), kGradRtol, kGradAtol));
  CHECK_THAT(dx, AllClose(R.cwiseProduct(drop.mask()), 0.0));
}

TEST_CASE("Dropout refuses p < 0 or p >= 1, and training without a generator", "[dropout][errors]") {
  CHECK_THROWS_WITH(Dropout<double>(1.0), Contains("dropout") && Contains("[0, 1)"));
  CHECK_THROWS_AS(Dropout<double>(1.5), Error);
  CHECK_THROWS_AS(Dropout<double>(-0.1), Error);
  Dropout<double> drop(0.3);
  CHECK_THROWS_AS(drop.forward(MatD::Ones(2, 2), Mode::Train, nullptr), Error);
}
