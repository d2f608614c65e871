#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/optimizer.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {
// One scalar parameter as a 1 x 1 matrix.
struct Scalar {
  MatD w, g;
  Scalar(double w0, double g0) : w(MatD::Constant(1, 1, w0)), g(MatD::Constant(1, 1, g0)) {}
  std::vector<Param<double>> params() { return {{&w, &g, "w"}}; }
};

OptimizerConfig config(const char* kind, double lr, double momentum, double weight_decay = 0.0) {
  OptimizerConfig c;
  c.kind = kind;
  c.lr = lr;
  c.momentum = momentum;
  c.weight_decay = weight_decay;
  return c;
}
}  // namespace

TEST_CASE("SGD with momentum: two steps by hand", "[optimizer]") {
  // lr 0.1, mu 0.9, w0 = 1:
  //   g1 = 0.5:  v1 = 0.5,               w1 = 1 - 0.1 * 0.5   = 0.95
  //   g2 = -0.2: v2 = 0.9 * 0.5 - 0.2 = 0.25, w2 = 0.95 - 0.1 * 0.25 = 0.925
  Optimizer<double> opt(config("sgd", 0.1, 0.9));
  Scalar s(1.0, 0.5);
  opt.step(s.params());
  CHECK_THAT(s.w(0, 0), WithinRel(0.95, 1e-15));
  s.g(0, 0) = -0.2;
  opt.step(s.params());
  CHECK_THAT(s.w(0, 0), WithinRel(0.925, 1e-15));
  CHECK(opt.steps() == 2);
}

TEST_CASE("SGD without momentum is w -= lr g", "[optimizer]") {
  Optimizer<double> opt(config("sgd", 0.25, 0.0));
  Scalar s(2.0, 4.0);
  opt.step(s.params());
  opt.step(s.params());
  CHECK(s.w(0, 0) == 0.0);  // 2 - 0.25*4 - 0.25*4
}

TEST_CASE("SGD weight decay adds wd w to the gradient before momentum", "[optimizer]") {
  // lr 0.1, mu 0.9, wd 0.01, w0 = 2, g = 0.5 both steps:
  //   v1 = 0.5 + 0.01*2 = 0.52,                   w1 = 2 - 0.052 = 1.948
  //   v2 = 0.9*0.52 + 0.5 + 0.01*1.948 = 0.98748,  w2 = 1.948 - 0.098748 = 1.849252
  Optimizer<double> opt(config("sgd", 0.1, 0.9, 0.01));
  Scalar s(2.0, 0.5);
  opt.step(s.params());
  CHECK_THAT(s.w(0, 0), WithinRel(1.948, 1e-15));
  opt.step(s.params());
  CHECK_THAT(s.w(0, 0), WithinRel(1.849252, 1e-14));
}

TEST_CASE("Adam's first step is lr g / (|g| + eps), about lr sign(g)", "[optimizer]") {
  // t = 1: m = (1-b1) g, v = (1-b2) g^2; the bias corrections give mhat = g, vhat = g^2.
  const double g = GENERATE(3.0, -0.02, 1e-9);
  CAPTURE(g);
  Optimizer<double> opt(config("adam", 0.01, 0.9));
  Scalar s(1.0, g);
  opt.step(s.params());
  // Rounding: (1-b2) g^2 / (1-b2) is g^2 to a few ulp, sqrt halves the error: 1e-14 relative.
  CHECK_THAT(1.0 - s.w(0, 0), WithinRel(0.01 * g / (std::abs(g) + 1e-8), 1e-12));
  if (std::abs(g) > 1e-3) CHECK_THAT(1.0 - s.w(0, 0), WithinRel(0.01 * (g > 0 ? 1.0 : -1.0), 1e-6));
}

TEST_CASE("Adam's second step follows the bias-corrected formula", "[optimizer]") {
  // b1 0.9, b2 0.999, eps 1e-8, lr 0.01; g1 = 0.5, g2 = -0.1:
  //   m1 = 0.05, v1 = 0.00025
  //   m2 = 0.9*0.05 - 0.01 = 0.035, v2 = 0.999*0.00025 + 0.001*0.01 = 0.00025975
  //   mhat = 0.035 / (1 - 0.81), vhat = 0.00025975 / (1 - 0.998001)
  Optimizer<double> opt(config("adam", 0.01, 0.9));
  Scalar s(1.0, 0.5);
  opt.step(s.params());
  const double w1 = s.w(0, 0);
  s.g(0, 0) = -0.1;
  opt.step(s.params());
  const double mhat = 0.035 / 0.19, vhat = 0.00025975 / 0.001999;
  CHECK_THAT(w1 - s.w(0, 0), WithinRel(0.01 * mhat / (std::sqrt(vhat) + 1e-8), 1e-12));
  CHECK_THAT(w1 - s.w(0, 0), WithinRel(0.01 * 0.5110, 1e-3));  // 0.18421 / 0.36047
}

TEST_CASE("Adam weight decay is added to the gradient (L2, not decoupled)", "[optimizer]") {
  // g + wd w = -0.1 + 0.1 * 2 = 0.1, so the first step is -lr * 0.1 / (0.1 + eps).
  Optimizer<double> opt(config("adam", 0.01, 0.9, 0.1));
  Scalar s(2.0, -0.1);  // the decay term wins: the step goes against g's own sign
  opt.step(s.params());
  CHECK_THAT(2.0 - s.w(0, 0), WithinRel(0.01 * 0.1 / (0.1 + 1e-8), 1e-12));
}

TEST_CASE("Optimizer state is kept per parameter in order", "[optimizer]") {
  OptimizerConfig c;
  c.lr = 1.0;
  c.momentum = 0.5;
  Optimizer<double> opt(c);
  MatD a = MatD::Zero(2, 1), ga(2, 1), b = MatD::Zero(1, 3), gb(1, 3);
  ga << 1, 2;
  gb << -1, 0, 4;
  std::vector<Param<double>> params{{&a, &ga, "a"}, {&b, &gb, "b"}};
  opt.step(params);
  opt.step(params);
  // Each entry: v1 = g, v2 = 1.5 g; w = -(g + 1.5 g) = -2.5 g.
  CHECK_THAT(a, AllClose(-2.5 * ga, 1e-15));
  CHECK_THAT(b, AllClose(-2.5 * gb, 1e-15));
}

TEST_CASE("Optimizer settings out of range are refused with the field's name", "[optimizer][errors]") {
  OptimizerConfig c;
  c.kind = "rmsprop";
  CHECK_THROWS_WITH(Optimizer<double>(c), Contains("train.optimizer"));
  c = OptimizerConfig{};
  c.lr = 0.0;
  CHECK_THROWS_WITH(Optimizer<double>(c), Contains("train.lr"));
  c = OptimizerConfig{};
  c.momentum = 1.0;
  CHECK_THROWS_WITH(Optimizer<double>(c), Contains("train.momentum"));
  c = OptimizerConfig{};
  c.weight_decay = -0.1;
  CHECK_THROWS_WITH(Optimizer<double>(c), Contains("train.weight_decay"));
}
