#include <catch2/catch.hpp>

#include <cmath>

#include "bnlab/activation.h"
#include "bnlab/error.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;

TEST_CASE("Activations compute relu, tanh, sigmoid and identity", "[activation]") {
  MatD z(1, 5);
  z << -2.0, -0.5, 0.0, 0.5, 3.0;
  MatD relu(1, 5), tanh(1, 5), sigmoid(1, 5);
  relu << 0, 0, 0, 0.5, 3.0;
  for (int j = 0; j < 5; ++j) {
    tanh(0, j) = std::tanh(z(0, j));
    sigmoid(0, j) = 1.0 / (1.0 + std::exp(-z(0, j)));
  }
  Activation<double> r(ActivationKind::Relu), t(ActivationKind::Tanh), s(ActivationKind::Sigmoid),
      id(ActivationKind::Identity);
  CHECK_THAT(r.forward(z), AllClose(relu, 0.0));
  CHECK_THAT(t.forward(z), AllClose(tanh, 1e-15));
  CHECK_THAT(s.forward(z), AllClose(sigmoid, 1e-15));
  CHECK_THAT(id.forward(z), AllClose(z, 0.0));
}

TEST_CASE("Activation gradients match central differences", "[activation][gradcheck]") {
  const ActivationKind kind =
      GENERATE(ActivationKind::Relu, ActivationKind::Tanh, ActivationKind::Sigmoid, ActivationKind::Identity);
  const int batch = GENERATE(2, 7);
  CAPTURE(activation_name(kind), batch);
  Rng rng(10 + batch);
  Activation<double> act(kind);
  MatD z = random_normal(5, batch, rng, 2.0);
  // Keep relu's inputs away from its kink (central differences straddling 0 would see half a step).
  for (Eigen::Index k = 0; k < z.size(); ++k)
    if (std::abs(z(k)) < 1e-3) z(k) = 0.5;
  const MatD R = random_normal(5, batch, rng);
  auto loss = [&] { return functional(R, act.forward(z)); };
  loss();
  const MatD dz = act.backward(R);
  CHECK_THAT(dz, AllClose(numeric_gradient(loss, z), kGradRtol, kGradAtol));
}

TEST_CASE("Relu passes no gradient where its input was negative", "[activation]") {
  MatD z(2, 2), dy(2, 2), expected(2, 2);
  z << -1, 2, 3, -4;
  dy << 10, 20, 30, 40;
  expected << 0, 20, 30, 0;
  Activation<double> r(ActivationKind::Relu);
  r.forward(z);
  CHECK_THAT(r.backward(dy), AllClose(expected, 0.0));
}

TEST_CASE("Saturated tanh and sigmoid stay finite", "[activation]") {
  MatD z(1, 4);
  z << -1e4, -800, 800, 1e4;
  Activation<double> t(ActivationKind::Tanh), s(ActivationKind::Sigmoid);
  CHECK(t.forward(z).allFinite());
  CHECK(s.forward(z).allFinite());
  CHECK(t.backward(MatD::Ones(1, 4)).allFinite());
  CHECK(s.backward(MatD::Ones(1, 4)).allFinite());
  CHECK(s.output()(0, 0) == 0.0);
  CHECK(s.output()(0, 3) == 1.0);
}

TEST_CASE("Activation names round-trip and unknown names are refused", "[activation][errors]") {
  for (ActivationKind k :
       {ActivationKind::Relu, ActivationKind::Tanh, ActivationKind::Sigmoid, ActivationKind::Identity})
    CHECK(activation_from_name(activation_name(k)) == k);
  CHECK_THROWS_WITH(activation_from_name("gelu"), Contains("activation") && Contains("gelu"));
}

TEST_CASE("Float activations agree with double ones to float precision", "[activation]") {
  Rng rng(20);
  const MatD z = random_normal(4, 9, rng, 3.0);
  for (ActivationKind k : {ActivationKind::Relu, ActivationKind::Tanh, ActivationKind::Sigmoid}) {
    Activation<double> d(k);
    Activation<float> f(k);
    const Mat<float> zf = z.cast<float>();
    CHECK_THAT(MatD(f.forward(zf).cast<double>()), AllClose(d.forward(zf.cast<double>()), 1e-6, 1e-7));
  }
}
