#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/linear.h"
#include "bnlab/stats.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::WithinAbs;

TEST_CASE("Linear forward is W x + b for every column", "[linear]") {
  Linear<double> lin(2, 3, true);
  lin.W << 1, 2, 3, 4, 5, 6;
  lin.b << 0.5, -1, 2;
  MatD x(2, 2);
  x << 1, -1, 0, 2;  // columns (1, 0) and (-1, 2)
  MatD expected(3, 2);
  expected << 1.5, 3.5, 2, 4, 7, 9;
  CHECK_THAT(lin.forward(x), AllClose(expected, 0.0));
}

TEST_CASE("Linear without bias ignores b and exposes only W", "[linear]") {
  Linear<double> lin(2, 2, false);
  lin.W << 1, 0, 0, 1;
  lin.b << 5, 5;
  MatD x = MatD::Identity(2, 2);
  CHECK_THAT(lin.forward(x), AllClose(MatD::Identity(2, 2), 0.0));
  const auto p = lin.params();
  REQUIRE(p.size() == 1);
  CHECK(std::string(p[0].name) == "W");
  CHECK_FALSE(lin.has_bias());
}

TEST_CASE("Linear gradients match central differences", "[linear][gradcheck]") {
  const int batch = GENERATE(2, 3, 8);
  const bool bias = GENERATE(true, false);
  CAPTURE(batch, bias);
  Rng rng(100 + batch);
  Linear<double> lin(4, 3, bias);
  lin.init(InitKind::He, rng);
  lin.b = random_normal(3, 1, rng);
  MatD x = random_normal(4, batch, rng);
  const MatD R = random_normal(3, batch, rng);
  auto loss = [&] { return functional(R, lin.forward(x)); };

  lin.forward(x);
  const MatD dx = lin.backward(x, R);
  const MatD dW = lin.dW, db = lin.db;
  CHECK_THAT(dx, AllClose(numeric_gradient(loss, x), kGradRtol, kGradAtol));
  CHECK_THAT(dW, AllClose(numeric_gradient(loss, lin.W), kGradRtol, kGradAtol));
  if (bias) CHECK_THAT(db, AllClose(numeric_gradient(loss, lin.b), kGradRtol, kGradAtol));
}

TEST_CASE("Linear backward sums over the batch (the loss alone divides)", "[linear]") {
  // Two identical columns give exactly twice the gradient of one.
  Rng rng(3);
  Linear<double> lin(3, 2, true);
  lin.init(InitKind::Glorot, rng);
  const MatD x1 = random_normal(3, 1, rng), dy1 = random_normal(2, 1, rng);
  MatD x2(3, 2), dy2(2, 2);
  x2 << x1, x1;
  dy2 << dy1, dy1;
  lin.backward(x1, dy1);
  const MatD dW1 = lin.dW, db1 = lin.db;
  lin.backward(x2, dy2);
  CHECK_THAT(lin.dW, AllClose(2.0 * dW1, 1e-15));
  CHECK_THAT(lin.db, AllClose(2.0 * db1, 1e-15));
}

TEST_CASE("Linear skip_dx leaves the weight gradients intact", "[linear]") {
  Rng rng(4);
  Linear<double> lin(3, 2, true);
  lin.init(InitKind::He, rng);
  const MatD x = random_normal(3, 5, rng), dy = random_normal(2, 5, rng);
  lin.backward(x, dy);
  const MatD dW = lin.dW;
  lin.backward(x, dy, /*skip_dx=*/true);
  CHECK_THAT(lin.dW, AllClose(dW, 0.0));
}

TEST_CASE("He and Glorot initialisation have the stated variance and zero bias", "[linear]") {
  // Sample variance of n = in x out weights: 5 sigma with std(var) = var sqrt(2/n).
  Rng rng(5);
  SECTION("He: 2 / in") {
    Linear<double> lin(200, 100, true);
    lin.b.setOnes();
    lin.init(InitKind::He, rng);
    std::vector<double> w(lin.W.data(), lin.W.data() + lin.W.size());
    const double var = 2.0 / 200;
    CHECK_THAT(stats::variance(w), WithinAbs(var, 5.0 * var * std::sqrt(2.0 / w.size())));
    CHECK_THAT(stats::mean(w), WithinAbs(0.0, 5.0 * std::sqrt(var / w.size())));
    CHECK(lin.b.isZero(0.0));
  }
  SECTION("Glorot: 2 / (in + out)") {
    Linear<double> lin(200, 100, true);
    lin.init(InitKind::Glorot, rng);
    std::vector<double> w(lin.W.data(), lin.W.data() + lin.W.size());
    const double var = 2.0 / 300;
    CHECK_THAT(stats::variance(w), WithinAbs(var, 5.0 * var * std::sqrt(2.0 / w.size())));
  }
}

TEST_CASE("Linear refuses zero widths and inputs of the wrong height", "[linear][errors]") {
  CHECK_THROWS_AS(Linear<double>(0, 3, true), Error);
  CHECK_THROWS_AS(Linear<double>(3, 0, true), Error);
  Linear<double> lin(3, 2, true);
  CHECK_THROWS_AS(lin.forward(MatD::Zero(2, 4)), Error);
}
