#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/loss.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("Cross-entropy equals a hand computation", "[loss]") {
  // Column 0: logits (1, 2, 3), label 2: -log(e^3 / (e + e^2 + e^3)) = log(1 + e^-1 + e^-2)
  //           = log(1.503214724408055) = 0.40760596444438030
  // Column 1: logits (0, 0, 0), label 0: log 3 = 1.0986122886681098
  // Mean over the batch of 2: 0.75310912655624505
  MatD z(3, 2);
  z << 1, 0, 2, 0, 3, 0;
  MatD dz;
  CHECK_THAT(softmax_cross_entropy(z, {2, 0}, &dz), WithinRel(0.75310912655624505, 1e-14));
  // dz = (p - onehot) / B: column 1 is (1/3 - 1, 1/3, 1/3) / 2.
  CHECK_THAT(dz(0, 1), WithinRel(-1.0 / 3.0, 1e-14));
  CHECK_THAT(dz(1, 1), WithinRel(1.0 / 6.0, 1e-14));
  // Column 0: p = e^c / (e + e^2 + e^3): p_0 = 0.09003057317038046.
  CHECK_THAT(dz(0, 0), WithinRel(0.09003057317038046 / 2.0, 1e-13));
  CHECK_THAT(softmax_cross_entropy(z, {2, 0}, static_cast<MatD*>(nullptr)), WithinRel(0.75310912655624505, 1e-14));
}

TEST_CASE("Cross-entropy gradient matches central differences", "[loss][gradcheck]") {
  const int batch = GENERATE(1, 2, 9);
  const int classes = GENERATE(2, 5);
  CAPTURE(batch, classes);
  Rng rng(30 + batch * 7 + classes);
  MatD z = random_normal(classes, batch, rng, 2.0);
  std::vector<int> y(static_cast<std::size_t>(batch));
  for (int& c : y) c = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
  auto loss = [&] { return softmax_cross_entropy(z, y, static_cast<MatD*>(nullptr)); };
  MatD dz;
  softmax_cross_entropy(z, y, &dz);
  CHECK_THAT(dz, AllClose(numeric_gradient(loss, z), kGradRtol, kGradAtol));
}

TEST_CASE("Cross-entropy stays finite for logits of +-1000", "[loss]") {
  MatD z(2, 3);
  z << 1000, -1000, 1000, -1000, 1000, 1000;
  MatD dz;
  // Column 0: label 1 sits 2000 below the max: loss 2000 + log(1 + e^-2000) = 2000.
  // Column 1: label 1 is the max: loss log(1 + e^-2000) = 0.  Column 2: a tie: log 2.
  const double loss = softmax_cross_entropy(z, {1, 1, 0}, &dz);
  CHECK(std::isfinite(loss));
  CHECK_THAT(loss, WithinRel((2000.0 + 0.0 + std::log(2.0)) / 3.0, 1e-14));
  CHECK(dz.allFinite());
  CHECK_THAT(MatD(dz.colwise().sum()), AllClose(MatD::Zero(1, 3), 0.0, 1e-16));
  CHECK_THAT(dz(1, 0), WithinAbs(-1.0 / 3.0, 1e-16));  // (0 - 1) / 3
  CHECK_THAT(dz(0, 2), WithinAbs(-1.0 / 6.0, 1e-16));  // (1/2 - 1) / 3
  SECTION("in float too") {
    Mat<float> zf = z.cast<float>();
    Mat<float> dzf;
    CHECK(std::isfinite(softmax_cross_entropy(zf, {1, 1, 0}, &dzf)));
    CHECK(dzf.allFinite());
  }
}

TEST_CASE("Cross-entropy gradient columns sum to zero", "[loss]") {
  Rng rng(40);
  const MatD z = random_normal(6, 10, rng, 5.0);
  std::vector<int> y(10);
  for (int& c : y) c = static_cast<int>(rng.below(6));
  MatD dz;
  softmax_cross_entropy(z, y, &dz);
  CHECK_THAT(MatD(dz.colwise().sum()), AllClose(MatD::Zero(1, 10), 0.0, 1e-16));
}

TEST_CASE("Accuracy counts the largest logit, the lowest index on ties", "[loss]") {
  MatD z(3, 4);
  z << 1, 5, 2, 0,  //
      1, 1, 2, 0,   //
      0, 1, 2, 0;
  // Column 0: tie between 0 and 1 -> 0. Column 1: 0. Column 2: three-way tie -> 0. Column 3: tie -> 0.
  CHECK(accuracy(z, {0, 0, 0, 0}) == 1.0);
  CHECK(accuracy(z, {1, 0, 2, 1}) == 0.25);
  CHECK(accuracy(z, {1, 1, 1, 1}) == 0.0);
  CHECK(accuracy(MatD(3, 0), {}) == 0.0);
}

TEST_CASE("Softmax columns are probabilities", "[loss]") {
  Rng rng(41);
  MatD z = random_normal(4, 6, rng, 3.0);
  z(0, 0) = 1000.0;
  const MatD p = softmax(z);
  CHECK(p.allFinite());
  CHECK((p.array() >= 0.0).all());
  CHECK_THAT(MatD(p.colwise().sum()), AllClose(MatD::Ones(1, 6), 1e-15));
  CHECK_THAT(p(0, 0), WithinAbs(1.0, 1e-15));
  CHECK_THAT(p(1, 1) / p(2, 1), WithinRel(std::exp(z(1, 1) - z(2, 1)), 1e-13));
}

TEST_CASE("Cross-entropy refuses labels that do not fit the logits", "[loss][errors]") {
  MatD z = MatD::Zero(3, 2);
  CHECK_THROWS_AS(softmax_cross_entropy(z, {0}, static_cast<MatD*>(nullptr)), Error);
  CHECK_THROWS_AS(softmax_cross_entropy(z, {0, 3}, static_cast<MatD*>(nullptr)), Error);
  CHECK_THROWS_AS(softmax_cross_entropy(z, {-1, 0}, static_cast<MatD*>(nullptr)), Error);
}
