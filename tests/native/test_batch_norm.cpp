#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "bnlab/batch_norm.h"
#include "bnlab/error.h"
#include "bnlab/model.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// A layer with random gamma (some negative) and beta, never the identity initialisation.
BatchNorm1d<double> random_bn(int features, Rng& rng, int ghost = 0) {
  BatchNorm1d<double> bn(features, 0.1, 1e-5, ghost);
  bn.gamma = random_normal(features, 1, rng, 1.0, 0.5);
  bn.beta = random_normal(features, 1, rng);
  return bn;
}

// Per-feature mean and biased variance over the columns [c0, c1).
void row_stats(const MatD& x, Eigen::Index c0, Eigen::Index c1, VecD& mean, VecD& var) {
  const auto block = x.middleCols(c0, c1 - c0);
  mean = block.rowwise().mean();
  var = (block.colwise() - mean).array().square().rowwise().mean();
}

// gamma (x - mean) / sqrt(var + eps) + beta, feature by feature.
MatD affine_normalize(const MatD& x, const VecD& mean, const VecD& var, const MatD& gamma, const MatD& beta,
                      double eps) {
  MatD y(x.rows(), x.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    y.row(i) = (gamma(i, 0) / std::sqrt(var(i) + eps)) * (x.row(i).array() - mean(i)).matrix() +
               MatD::Constant(1, x.cols(), beta(i, 0));
  return y;
}

void check_gradients(BatchNorm1d<double>& bn, MatD& x, Mode mode, BnStats stats, Rng& rng) {
  const MatD R = random_normal(bn.features(), x.cols(), rng);
  auto loss = [&] { return functional(R, bn.forward(x, mode, stats)); };
  bn.forward(x, mode, stats);
  const MatD dx = bn.backward(R);
  const MatD dgamma = bn.dgamma, dbeta = bn.dbeta;
  CHECK_THAT(dx, AllClose(numeric_gradient(loss, x), kGradRtol, kGradAtol));
  CHECK_THAT(dgamma, AllClose(numeric_gradient(loss, bn.gamma), kGradRtol, kGradAtol));
  CHECK_THAT(dbeta, AllClose(numeric_gradient(loss, bn.beta), kGradRtol, kGradAtol));
}

}  // namespace

TEST_CASE("BatchNorm gradients in training mode match central differences", "[batch_norm][gradcheck]") {
  const int batch = GENERATE(2, 3, 5, 16);
  CAPTURE(batch);
  Rng rng(200 + batch);
  BatchNorm1d<double> bn = random_bn(4, rng);
  MatD x = random_normal(4, batch, rng, 2.0, 1.0);
  check_gradients(bn, x, Mode::Train, BnStats::Running, rng);
}

TEST_CASE("BatchNorm gradients with ghost batches match central differences", "[batch_norm][gradcheck]") {
  // (batch, ghost): exact groups, a trailing group of 2, and a trailing group of 1 that joins the last.
  const auto sizes = GENERATE(std::make_pair(4, 2), std::make_pair(8, 3), std::make_pair(7, 3),
                              std::make_pair(9, 4), std::make_pair(2, 2));
  CAPTURE(sizes.first, sizes.second);
  Rng rng(300 + sizes.first * 10 + sizes.second);
  BatchNorm1d<double> bn = random_bn(3, rng, sizes.second);
  MatD x = random_normal(3, sizes.first, rng, 1.5, -0.5);
  check_gradients(bn, x, Mode::Train, BnStats::Running, rng);
}

TEST_CASE("BatchNorm gradients with running statistics at evaluation match central differences",
          "[batch_norm][gradcheck]") {
  const int batch = GENERATE(1, 2, 7);
  CAPTURE(batch);
  Rng rng(400 + batch);
  BatchNorm1d<double> bn = random_bn(3, rng);
  bn.running_mean = random_normal(3, 1, rng);
  bn.running_var = random_normal(3, 1, rng).array().square() + 0.1;
  MatD x = random_normal(3, batch, rng);
  check_gradients(bn, x, Mode::Eval, BnStats::Running, rng);
}

TEST_CASE("BatchNorm gradients with population statistics at evaluation match central differences",
          "[batch_norm][gradcheck]") {
  const int batch = GENERATE(1, 2, 6);
  CAPTURE(batch);
  Rng rng(500 + batch);
  BatchNorm1d<double> bn = random_bn(3, rng);
  bn.set_capture_population(true);
  bn.forward(random_normal(3, 50, rng, 2.0, 1.0), Mode::Eval, BnStats::Batch);
  bn.set_capture_population(false);
  REQUIRE(bn.has_population());
  MatD x = random_normal(3, batch, rng);
  check_gradients(bn, x, Mode::Eval, BnStats::Population, rng);
}

TEST_CASE("BatchNorm gradients with the evaluated batch's own statistics match central differences",
          "[batch_norm][gradcheck]") {
  const int batch = GENERATE(2, 5);
  Rng rng(600 + batch);
  BatchNorm1d<double> bn = random_bn(3, rng);
  MatD x = random_normal(3, batch, rng);
  check_gradients(bn, x, Mode::Eval, BnStats::Batch, rng);
}

TEST_CASE("BatchNorm in training mode gives each feature mean beta and standard deviation |gamma|",
          "[batch_norm]") {
  const int batch = GENERATE(2, 16, 200);
  CAPTURE(batch);
  Rng rng(700 + batch);
  BatchNorm1d<double> bn = random_bn(5, rng);
  const MatD x = random_normal(5, batch, rng, 3.0, 4.0);
  const MatD y = bn.forward(x, Mode::Train, BnStats::Running);
  VecD xm, xv, ym, yv;
  row_stats(x, 0, batch, xm, xv);
  row_stats(y, 0, batch, ym, yv);
  for (int i = 0; i < 5; ++i) {
    // Biased std of y = |gamma| sqrt(var / (var + eps)): relative shortfall eps / (2 var) <= 1e-5 / (2 var).
    // Normalising with the unbiased variance instead would be off by sqrt((m-1)/m): 29% at m = 2.
    const double rtol = bn.eps / (2.0 * xv(i)) + 1e-12;
    CHECK_THAT(ym(i), WithinAbs(bn.beta(i, 0), 1e-12 * (1 + std::abs(bn.gamma(i, 0)))));
    CHECK_THAT(std::sqrt(yv(i)), WithinRel(std::abs(bn.gamma(i, 0)), rtol));
  }
}

TEST_CASE("BatchNorm with ghost batches normalises each group on its own", "[batch_norm]") {
  Rng rng(710);
  BatchNorm1d<double> bn = random_bn(3, rng, 4);
  const MatD x = random_normal(3, 11, rng, 2.0, 1.0);  // groups [0,4) [4,8) [8,11)
  const MatD y = bn.forward(x, Mode::Train, BnStats::Running);
  REQUIRE(bn.save_mean.cols() == 3);
  const Eigen::Index starts[] = {0, 4, 8, 11};
  for (int k = 0; k < 3; ++k) {
    VecD m, v;
    row_stats(x, starts[k], starts[k + 1], m, v);
    const MatD block = x.middleCols(starts[k], starts[k + 1] - starts[k]);
    CHECK_THAT(MatD(y.middleCols(starts[k], starts[k + 1] - starts[k])),
               AllClose(affine_normalize(block, m, v, bn.gamma, bn.beta, bn.eps), 1e-12, 1e-12));
    CHECK_THAT(MatD(bn.save_mean.col(k)), AllClose(m, 1e-12, 1e-14));
    const double mk = static_cast<double>(starts[k + 1] - starts[k]);
    CHECK_THAT(MatD(bn.save_var_unbiased.col(k)), AllClose(v * (mk / (mk - 1)), 1e-12));
  }
}

TEST_CASE("BatchNorm is invariant to scaling its input: BN(a W x) = BN(W x)", "[batch_norm]") {
  const double a = GENERATE(0.01, 0.5, 3.0, 1000.0);
  CAPTURE(a);
  Rng rng(720);
  BatchNorm1d<double> bn = random_bn(4, rng);
  const MatD W = random_normal(4, 3, rng);
  const MatD x = random_normal(3, 32, rng);
  const MatD z = W * x;
  const MatD y = bn.forward(z, Mode::Train, BnStats::Running);
  const MatD ya = bn.forward(a * z, Mode::Train, BnStats::Running);
  // Only eps breaks the invariance: xhat = d / sqrt(var + eps) becomes d / sqrt(var + eps / a^2), a
  // relative change of at most |1 - 1/a^2| eps / (2 var) (to first order; doubled for margin).
  // |xhat| <= sqrt(m - 1), so the bound on |y_a - y| is |gamma| sqrt(m - 1) times that.
  VecD m, v;
  row_stats(z, 0, z.cols(), m, v);
  const double rel = std::abs(1.0 - 1.0 / (a * a)) * bn.eps / (2.0 * v.minCoeff());
  const double atol = 2.0 * bn.gamma.cwiseAbs().maxCoeff() * std::sqrt(31.0) * rel + 1e-12;
  CHECK_THAT(ya, AllClose(y, 0.0, atol));
  SECTION("with a tiny eps the invariance is exact to rounding") {
    BatchNorm1d<double> tiny(4, 0.1, 1e-300);
    tiny.gamma = bn.gamma;
    tiny.beta = bn.beta;
    const MatD t = tiny.forward(z, Mode::Train, BnStats::Running);
    CHECK_THAT(tiny.forward(a * z, Mode::Train, BnStats::Running), AllClose(t, 1e-12, 1e-12));
  }
}

TEST_CASE("BatchNorm at evaluation uses the running statistics", "[batch_norm]") {
  Rng rng(730);
  BatchNorm1d<double> bn = random_bn(3, rng);
  bn.running_mean = VecD(3);
  bn.running_mean << 1.0, -2.0, 0.5;
  bn.running_var = VecD(3);
  bn.running_var << 4.0, 0.25, 9.0;
  const MatD x = random_normal(3, 6, rng, 2.0);
  const MatD y = bn.forward(x, Mode::Eval, BnStats::Running);
  CHECK_THAT(y, AllClose(affine_normalize(x, bn.running_mean, bn.running_var, bn.gamma, bn.beta, bn.eps), 1e-14,
                         1e-14));
  SECTION("one example at a time gives the same outputs") {
    for (int j = 0; j < 6; ++j)
      CHECK_THAT(bn.forward(x.col(j), Mode::Eval, BnStats::Running), AllClose(y.col(j), 1e-15, 1e-15));
  }
  SECTION("and does not change them") {
    CHECK(bn.running_mean(1) == -2.0);
    CHECK(bn.running_var(2) == 9.0);
    CHECK(bn.num_batches_tracked == 0);
  }
}

TEST_CASE("BatchNorm running averages use the unbiased batch variance and momentum on the new batch",
          "[batch_norm]") {
  // Feature 0 over two steps, momentum 0.1, from running (0, 1):
  //   step 1: batch (1, 2, 3, 6): mean 3, squared deviations 4+1+0+9 = 14, unbiased var 14/3
  //           running_mean = 0.9*0 + 0.1*3 = 0.3,  running_var = 0.9*1 + 0.1*14/3 = 1.3666...
  //   step 2: batch (0, 4): mean 2, unbiased var 8
  //           running_mean = 0.9*0.3 + 0.1*2 = 0.47, running_var = 0.9*1.3666... + 0.8 = 2.03
  // Feature 1 is the same batches times 10 plus 5: means 35 and 25, variances x100.
  BatchNorm1d<double> bn(2, 0.1);
  MatD x1(2, 4), x2(2, 2);
  x1 << 1, 2, 3, 6, 15, 25, 35, 65;
  x2 << 0, 4, 5, 45;
  bn.forward(x1, Mode::Train, BnStats::Running);
  CHECK_THAT(bn.running_mean(0), WithinRel(0.3, 1e-14));
  CHECK_THAT(bn.running_var(0), WithinRel(0.9 + 1.4 / 3.0, 1e-14));
  CHECK_THAT(bn.save_var_unbiased(0, 0), WithinRel(14.0 / 3.0, 1e-14));
  CHECK_THAT(bn.save_invstd(0, 0), WithinRel(1.0 / std::sqrt(3.5 + 1e-5), 1e-14));  // biased 14/4
  bn.forward(x2, Mode::Train, BnStats::Running);
  CHECK_THAT(bn.running_mean(0), WithinRel(0.47, 1e-14));
  CHECK_THAT(bn.running_var(0), WithinRel(2.03, 1e-14));
  CHECK_THAT(bn.running_mean(1), WithinRel(0.9 * 3.5 + 2.5, 1e-14));
  CHECK_THAT(bn.running_var(1), WithinRel(0.9 * (0.9 + 0.1 * 1400.0 / 3.0) + 0.1 * 800.0, 1e-14));
  CHECK(bn.num_batches_tracked == 2);

  SECTION("ghost groups update in turn, as separate calls would") {
    // Ghost batch 2 on (1, 2, 3, 6): groups (1, 2) [mean 1.5, var 0.5] then (3, 6) [mean 4.5, var 4.5]
    //   mean: 0.9 (0.1 * 1.5) + 0.1 * 4.5 = 0.585;  var: 0.9 (0.9 + 0.05) + 0.45 = 1.305
    BatchNorm1d<double> ghost(2, 0.1, 1e-5, 2);
    ghost.forward(x1, Mode::Train, BnStats::Running);
    CHECK_THAT(ghost.running_mean(0), WithinRel(0.585, 1e-14));
    CHECK_THAT(ghost.running_var(0), WithinRel(1.305, 1e-14));
    CHECK(ghost.num_batches_tracked == 2);
  }
  SECTION("evaluation and reset_running") {
    bn.forward(x1, Mode::Eval, BnStats::Running);
    bn.forward(x1, Mode::Eval, BnStats::Batch);
    CHECK_THAT(bn.running_mean(0), WithinRel(0.47, 1e-14));
    bn.reset_running();
    CHECK(bn.running_mean.isZero(0.0));
    CHECK(bn.running_var.isOnes(0.0));
    CHECK(bn.num_batches_tracked == 0);
  }
}

TEST_CASE("BatchNorm momentum 1 keeps only the last batch and momentum 0 never moves", "[batch_norm]") {
  MatD x(1, 3);
  x << 1, 2, 6;  // mean 3, unbiased var (4 + 1 + 9) / 2 = 7
  BatchNorm1d<double> last(1, 1.0), frozen(1, 0.0);
  last.forward(x, Mode::Train, BnStats::Running);
  frozen.forward(x, Mode::Train, BnStats::Running);
  CHECK(last.running_mean(0) == 3.0);
  CHECK(last.running_var(0) == 7.0);
  CHECK(frozen.running_mean(0) == 0.0);
  CHECK(frozen.running_var(0) == 1.0);
}

TEST_CASE("BatchNorm in training mode refuses a batch of one, naming the problem", "[batch_norm][errors]") {
  BatchNorm1d<double> bn(3);
  CHECK_THROWS_MATCHES(bn.forward(MatD::Ones(3, 1), Mode::Train, BnStats::Running), Error,
                       Catch::Matchers::Predicate<Error>(
                           [](const Error& e) {
                             const std::string m = e.what();
                             return m.find("batch of 1") != std::string::npos &&
                                    m.find("no variance") != std::string::npos &&
                                    m.find('\n') == std::string::npos;
                           },
                           "message names a batch of 1 and its missing variance, on one line"));
  BatchNorm1d<double> ghost(3, 0.1, 1e-5, 2);
  CHECK_THROWS_WITH(ghost.forward(MatD::Ones(3, 1), Mode::Train, BnStats::Running), Contains("no variance"));
  CHECK(bn.num_batches_tracked == 0);
}

TEST_CASE("BatchNorm with a batch of one at evaluation with batch statistics outputs beta", "[batch_norm]") {
  Rng rng(740);
  BatchNorm1d<double> bn = random_bn(4, rng);
  const MatD x = random_normal(4, 1, rng, 10.0);
  CHECK_THAT(bn.forward(x, Mode::Eval, BnStats::Batch), AllClose(bn.beta, 0.0));
  CHECK(bn.num_batches_tracked == 0);
}

TEST_CASE("BatchNorm population mode needs captured statistics and uses them exactly", "[batch_norm]") {
  Rng rng(750);
  BatchNorm1d<double> bn = random_bn(3, rng);
  CHECK_THROWS_WITH(bn.forward(MatD::Ones(3, 2), Mode::Eval, BnStats::Population), Contains("population"));
  const MatD data = random_normal(3, 40, rng, 2.0, -1.0);
  bn.set_capture_population(true);
  bn.forward(data, Mode::Eval, BnStats::Batch);
  bn.set_capture_population(false);
  VecD m, v;
  row_stats(data, 0, 40, m, v);
  CHECK_THAT(MatD(bn.population_mean), AllClose(m, 1e-13, 1e-14));
  CHECK_THAT(MatD(bn.population_var), AllClose(v, 1e-13));  // biased: the exact variance of the set
  const MatD x = random_normal(3, 5, rng);
  CHECK_THAT(bn.forward(x, Mode::Eval, BnStats::Population),
             AllClose(affine_normalize(x, m, v, bn.gamma, bn.beta, bn.eps), 1e-13, 1e-13));
  CHECK(bn.num_batches_tracked == 0);
}

TEST_CASE("BatchNorm rejects impossible settings", "[batch_norm][errors]") {
  CHECK_THROWS_WITH(BatchNorm1d<double>(0), Contains("features"));
  CHECK_THROWS_WITH(BatchNorm1d<double>(3, 1.5), Contains("momentum"));
  CHECK_THROWS_WITH(BatchNorm1d<double>(3, 0.1, 0.0), Contains("eps"));
  CHECK_THROWS_WITH(BatchNorm1d<double>(3, 0.1, 1e-5, 1), Contains("ghost_batch"));
  BatchNorm1d<double> bn(3);
  CHECK_THROWS_AS(bn.forward(MatD::Ones(2, 4), Mode::Train, BnStats::Running), Error);
}

TEST_CASE("Population statistics of a 2-hidden-layer net equal a direct layer-by-layer computation",
          "[batch_norm][model]") {
  MlpConfig cfg;
  cfg.inputs = 3;
  cfg.hidden = {6, 5};
  cfg.outputs = 3;
  cfg.batch_norm = true;
  cfg.activation = ActivationKind::Tanh;
  Rng init(760);
  Mlp<double> net(cfg, init);
  Rng rng(761);
  for (int l = 0; l < 2; ++l) {
    net.batch_norm(l)->gamma = random_normal(cfg.hidden[l], 1, rng, 1.0, 0.5);
    net.batch_norm(l)->beta = random_normal(cfg.hidden[l], 1, rng);
  }
  const MatD data = random_normal(3, 300, rng, 1.5, 0.5);
  net.estimate_population(data);

  // Layer by layer: each layer's statistics are those of its input normalised with the exact
  // statistics of the layer below.
  MatD h = data;
  for (int l = 0; l < 2; ++l) {
    const BatchNorm1d<double>& bn = *net.batch_norm(l);
    const MatD z = net.linear(l).W * h;  // no bias before BN
    VecD m, v;
    row_stats(z, 0, z.cols(), m, v);
    CHECK_THAT(MatD(bn.population_mean), AllClose(m, 1e-12, 1e-13));
    CHECK_THAT(MatD(bn.population_var), AllClose(v, 1e-12));
    h = affine_normalize(z, m, v, bn.gamma, bn.beta, bn.eps).unaryExpr([](double t) { return std::tanh(t); });
  }
  const MatD logits = (net.linear(2).W * h).colwise() + net.linear(2).b.col(0);
  CHECK_THAT(net.forward(data, Mode::Eval, BnStats::Population), AllClose(logits, 1e-12, 1e-12));
  // The running statistics were left alone: estimating the population is not training.
  CHECK(net.batch_norm(0)->num_batches_tracked == 0);
  CHECK(net.batch_norm(1)->running_mean.isZero(0.0));
}
