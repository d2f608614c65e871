#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/loss.h"
#include "bnlab/model.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;

namespace {

struct NetCase {
  const char* name;
  bool batch_norm;
  int ghost;
  double dropout;
  ActivationKind activation;
  Mode mode;
};

MlpConfig config_of(const NetCase& c) {
  MlpConfig m;
  m.inputs = 3;
  m.hidden = {5, 4};
  m.outputs = 3;
  m.batch_norm = c.batch_norm;
  m.ghost_batch = c.ghost;
  m.dropout = c.dropout;
  m.activation = c.activation;
  return m;
}

// Random gamma, beta and biases, so nothing sits at its initial 1 / 0.
void randomize(Mlp<double>& net, Rng& rng) {
  for (int l = 0; l <= net.depth(); ++l) {
    Linear<double>& lin = net.linear(l);
    if (lin.has_bias()) lin.b = random_normal(lin.out(), 1, rng, 0.5);
    if (l < net.depth() && net.batch_norm(l)) {
      BatchNorm1d<double>& bn = *net.batch_norm(l);
      bn.gamma = random_normal(bn.features(), 1, rng, 0.5, 1.0);
      bn.beta = random_normal(bn.features(), 1, rng, 0.5);
      bn.running_mean = random_normal(bn.features(), 1, rng, 0.3);
      bn.running_var = random_normal(bn.features(), 1, rng, 0.5).array().square() + 0.5;
    }
  }
}

std::vector<int> random_labels(int n, int classes, Rng& rng) {
  std::vector<int> y(static_cast<std::size_t>(n));
  for (int& c : y) c = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
  return y;
}

}  // namespace

TEST_CASE("Whole-network gradients match central differences for every parameter", "[model][gradcheck]") {
  const NetCase c = GENERATE(values<NetCase>({
      {"plain tanh", false, 0, 0.0, ActivationKind::Tanh, Mode::Train},
      {"plain relu with dropout", false, 0, 0.3, ActivationKind::Relu, Mode::Train},
      {"BN relu, training", true, 0, 0.0, ActivationKind::Relu, Mode::Train},
      {"BN tanh, ghost batches of 2", true, 2, 0.0, ActivationKind::Tanh, Mode::Train},
      {"BN relu, ghost batches of 3, dropout", true, 3, 0.25, ActivationKind::Relu, Mode::Train},
      {"BN sigmoid with dropout", true, 0, 0.4, ActivationKind::Sigmoid, Mode::Train},
      {"BN tanh, evaluation with running statistics", true, 0, 0.0, ActivationKind::Tanh, Mode::Eval},
  }));
  const int batch = GENERATE(2, 5, 8);
  CAPTURE(c.name, batch);
  const MlpConfig cfg = config_of(c);
  Rng init(800 + batch);
  Mlp<double> net(cfg, init);
  Rng rng(900 + batch);
  randomize(net, rng);
  const MatD x = random_normal(3, batch, rng, 1.5, 0.3);
  const std::vector<int> y = random_labels(batch, 3, rng);

  // The same dropout seed before every forward fixes the masks.
  auto loss = [&] {
    Rng masks(1234);
    return softmax_cross_entropy(net.forward(x, c.mode, BnStats::Running, &masks), y, static_cast<MatD*>(nullptr));
  };
  Rng masks(1234);
  MatD dlogits;
  softmax_cross_entropy(net.forward(x, c.mode, BnStats::Running, &masks), y, &dlogits);
  net.backward(dlogits);
  std::vector<MatD> analytic;
  for (const Param<double>& p : net.params()) analytic.push_back(*p.grad);

  // The first layer's dW = dZ0 x^T checks the gradient reaching the input side of the net too.
  const std::vector<Param<double>> params = net.params();
  for (std::size_t k = 0; k < params.size(); ++k) {
    CAPTURE(k, params[k].name);
    CHECK_THAT(analytic[k], AllClose(numeric_gradient(loss, *params[k].value), kGradRtol, kGradAtol));
  }
}

namespace {
// The parameters' names in order and their total number of entries.
std::pair<std::vector<std::string>, long> names_and_count(Mlp<double>& net) {
  std::vector<std::string> names;
  long count = 0;
  for (const Param<double>& p : net.params()) {
    names.push_back(p.name);
    count += p.value->size();
  }
  return {names, count};
}
}  // namespace

TEST_CASE("Mlp exposes parameters in layer order with BN replacing the hidden biases", "[model]") {
  MlpConfig cfg;
  cfg.inputs = 2;
  cfg.hidden = {4, 3};
  cfg.outputs = 2;
  Rng init(1);
  SECTION("without BN") {
    Mlp<double> net(cfg, init);
    const auto [names, count] = names_and_count(net);
    CHECK(names == std::vector<std::string>{"W", "b", "W", "b", "W", "b"});
    CHECK(count == cfg.num_params());
    CHECK(count == 2 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2);
  }
  SECTION("with BN") {
    cfg.batch_norm = true;
    Mlp<double> net(cfg, init);
    const auto [names, count] = names_and_count(net);
    CHECK(names == std::vector<std::string>{"W", "gamma", "beta", "W", "gamma", "beta", "W", "b"});
    CHECK(count == cfg.num_params());
    CHECK_FALSE(net.linear(0).has_bias());
    CHECK(net.linear(2).has_bias());
    CHECK(net.batch_norm(1) != nullptr);
  }
}

TEST_CASE("Mlp exposes pre-activations, normalized values and activations of the last forward", "[model]") {
  MlpConfig cfg;
  cfg.inputs = 2;
  cfg.hidden = {4, 3};
  cfg.activation = ActivationKind::Tanh;
  Rng rng(2);
  const MatD x = random_normal(2, 6, rng);
  SECTION("without BN the normalized value is the pre-activation") {
    Mlp<double> net(cfg, rng);
    randomize(net, rng);
    net.forward(x, Mode::Train);
    const MatD z0 = (net.linear(0).W * x).colwise() + net.linear(0).b.col(0);
    CHECK_THAT(net.pre_activation(0), AllClose(z0, 1e-14, 1e-15));
    CHECK_THAT(net.normalized(0), AllClose(z0, 1e-14, 1e-15));
    CHECK_THAT(net.activation(0), AllClose(z0.unaryExpr([](double t) { return std::tanh(t); }), 1e-14, 1e-15));
    CHECK(net.batch_norm(0) == nullptr);
  }
  SECTION("with BN the normalized value is gamma zhat + beta of the batch") {
    cfg.batch_norm = true;
    Mlp<double> net(cfg, rng);
    randomize(net, rng);
    net.forward(x, Mode::Train);
    for (int l = 0; l < 2; ++l) {
      const MatD& z = net.pre_activation(l);
      const VecD mean = z.rowwise().mean();
      const VecD var = (z.colwise() - mean).array().square().rowwise().mean();
      const BatchNorm1d<double>& bn = *net.batch_norm(l);
      MatD expected(z.rows(), z.cols());
      for (Eigen::Index i = 0; i < z.rows(); ++i)
        expected.row(i) = ((z.row(i).array() - mean(i)) / std::sqrt(var(i) + bn.eps) * bn.gamma(i, 0) + bn.beta(i, 0))
                              .matrix();
      CHECK_THAT(net.normalized(l), AllClose(expected, 1e-12, 1e-13));
      CHECK_THAT(net.activation(l),
                 AllClose(net.normalized(l).unaryExpr([](double t) { return std::tanh(t); }), 1e-14, 1e-15));
    }
    CHECK_THAT(net.pre_activation(1), AllClose(net.linear(1).W * net.activation(0), 1e-14, 1e-15));
    CHECK_THAT(net.logits(), AllClose((net.linear(2).W * net.activation(1)).colwise() + net.linear(2).b.col(0),
                                      1e-14, 1e-15));
  }
}

TEST_CASE("An Mlp is a value: a copy trains independently", "[model]") {
  MlpConfig cfg;
  cfg.batch_norm = true;
  cfg.hidden = {5};
  Rng rng(3);
  Mlp<double> a(cfg, rng);
  Mlp<double> b = a;
  const MatD x = random_normal(2, 4, rng);
  b.linear(0).W(0, 0) += 1.0;
  b.forward(x, Mode::Train);
  CHECK(a.linear(0).W(0, 0) != b.linear(0).W(0, 0));
  CHECK(a.batch_norm(0)->num_batches_tracked == 0);
  CHECK(b.batch_norm(0)->num_batches_tracked == 1);
  // The copy's BN buffers are its own, and its parameter list points into the copy.
  CHECK(b.params()[0].value == &b.linear(0).W);
  CHECK(a.params()[0].value == &a.linear(0).W);
}

TEST_CASE("The same initialisation seed gives the same network", "[model]") {
  MlpConfig cfg;
  Rng r1(5), r2(5), r3(6);
  Mlp<float> a(cfg, r1), b(cfg, r2), c(cfg, r3);
  CHECK(a.linear(1).W == b.linear(1).W);
  CHECK(a.linear(1).W != c.linear(1).W);
}

TEST_CASE("Mlp with dropout is deterministic at evaluation and needs a generator in training", "[model]") {
  MlpConfig cfg;
  cfg.dropout = 0.5;
  Rng rng(7);
  Mlp<double> net(cfg, rng);
  const MatD x = random_normal(2, 5, rng);
  const MatD e1 = net.forward(x, Mode::Eval);
  CHECK_THAT(net.forward(x, Mode::Eval), AllClose(e1, 0.0));
  CHECK_THROWS_AS(net.forward(x, Mode::Train), Error);
}

TEST_CASE("set_bn_momentum reaches every BN layer and finite() spots a NaN weight", "[model]") {
  MlpConfig cfg;
  cfg.batch_norm = true;
  Rng rng(8);
  Mlp<double> net(cfg, rng);
  net.set_bn_momentum(0.01);
  CHECK(net.batch_norm(0)->momentum == 0.01);
  CHECK(net.batch_norm(1)->momentum == 0.01);
  CHECK(net.config().bn_momentum == 0.01);
  CHECK_THROWS_AS(net.set_bn_momentum(2.0), Error);
  CHECK(net.finite());
  net.batch_norm(1)->gamma(0, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(net.finite());
}

TEST_CASE("Impossible networks are refused with the field's name", "[model][errors]") {
  Rng rng(9);
  MlpConfig cfg;
  SECTION("a hidden width of zero, first or last") {
    cfg.hidden = {0, 4};
    CHECK_THROWS_WITH(Mlp<double>(cfg, rng), Contains("model.hidden[0]"));
    cfg.hidden = {4, 0};
    CHECK_THROWS_WITH(Mlp<double>(cfg, rng), Contains("model.hidden[1]"));
    cfg.hidden = {};
    CHECK_THROWS_WITH(Mlp<double>(cfg, rng), Contains("model.hidden"));
  }
  SECTION("dropout p >= 1") {
    cfg.dropout = 1.0;
    CHECK_THROWS_WITH(Mlp<double>(cfg, rng), Contains("model.dropout"));
  }
  SECTION("ghost batches without BN, or of one") {
    cfg.ghost_batch = 4;
    CHECK_THROWS_WITH(Mlp<double>(cfg, rng), Contains("model.ghost_batch"));
    cfg.batch_norm = true;
    cfg.ghost_batch = 1;
    CHECK_THROWS_WITH(Mlp<double>(cfg, rng), Contains("model.ghost_batch"));
  }
  SECTION("fewer than two outputs, bad BN settings") {
    cfg.outputs = 1;
    CHECK_THROWS_WITH(Mlp<double>(cfg, rng), Contains("model.outputs"));
    cfg = MlpConfig{};
    cfg.bn_eps = 0.0;
    CHECK_THROWS_WITH(Mlp<double>(cfg, rng), Contains("model.bn_eps"));
  }
  SECTION("inputs of the wrong height, population statistics from one example") {
    cfg.batch_norm = true;
    Mlp<double> net(cfg, rng);
    CHECK_THROWS_AS(net.forward(MatD::Zero(3, 4), Mode::Eval), Error);
    CHECK_THROWS_AS(net.estimate_population(MatD::Zero(2, 1)), Error);
  }
}
