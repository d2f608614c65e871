#include "bnlab/bench.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "bnlab/dataset.h"
#include "bnlab/error.h"
#include "bnlab/gemm.h"
#include "bnlab/activation.h"
#include "bnlab/batch_norm.h"
#include "bnlab/linear.h"
#include "bnlab/loss.h"
#include "bnlab/optimizer.h"
#include "bnlab/trainer.h"

namespace bnlab {

namespace {

// The trainer's own step, phase by phase, on the same batches (timing each phase adds two clock
// reads per phase; the whole-step figure is measured without them).
void time_phases(Trainer<float>& trainer, const Dataset& train, int batch, long steps,
                 const std::function<double()>& now, BenchFigure& f) {
  Mlp<float>& model = trainer.model();
  std::vector<int> idx(static_cast<std::size_t>(batch));
  Mat<float> x, dlogits;
  std::vector<int> y;
  double fwd = 0.0, bwd = 0.0, upd = 0.0;
  for (long s = 0; s < steps; ++s) {
    const int offset = static_cast<int>((s * batch) % (train.size() - batch));
    for (int j = 0; j < batch; ++j) idx[static_cast<std::size_t>(j)] = offset + j;
    gather(train, idx, 0, idx.size(), x, y);
    const double t0 = now();
    const Mat<float>& logits = model.forward(x, Mode::Train, BnStats::Running, nullptr);
    softmax_cross_entropy(logits, y, &dlogits);
    const double t1 = now();
    model.backward(dlogits);
    const double t2 = now();
    trainer.optimizer().step(model.params());
    const double t3 = now();
    fwd += t1 - t0;
    bwd += t2 - t1;
    upd += t3 - t2;
  }
  f.forward_s = fwd / static_cast<double>(steps);
  f.backward_s = bwd / static_cast<double>(steps);
  f.update_s = upd / static_cast<double>(steps);
}

// Deterministic values in [-1, 1] with no structure a kernel could exploit.
void fill(Mat<float>& m, unsigned salt) {
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const unsigned h = (static_cast<unsigned>(i) + salt) * 2654435761u;
    m.data()[i] = static_cast<float>(static_cast<int>(h >> 16) % 2001 - 1000) / 1000.0f;
  }
}

// The step's operations by kind (BenchFigure::linear_s ... ops_update_s): the 2-64-64-64-2 net's
// layers built alone, each kind run `reps` times in its own timed loop on fixed inputs.
void time_ops(int batch, bool bn, long reps, const std::function<double()>& now, BenchFigure& f) {
  const std::vector<int> widths{2, 64, 64, 64, 2};
  const int L = static_cast<int>(widths.size()) - 1;  // linear layers
  std::vector<Linear<float>> linears;
  std::vector<Mat<float>> inputs, grads;  // each linear layer's input and output gradient
  for (int l = 0; l < L; ++l) {
    const bool last = l == L - 1;
    linears.emplace_back(widths[l], widths[l + 1], last || !bn);
    fill(linears.back().W, 11u + l);
    inputs.emplace_back(widths[l], batch);
    fill(inputs.back(), 101u + l);
    grads.emplace_back(widths[l + 1], batch);
    fill(grads.back(), 201u + l);
  }
  std::vector<BatchNorm1d<float>> norms;
  std::vector<Activation<float>> acts;
  for (int l = 0; l < L - 1; ++l) {
    if (bn) norms.emplace_back(widths[l + 1]);
    acts.emplace_back(ActivationKind::Relu);
  }
  std::vector<int> labels(static_cast<std::size_t>(batch));
  for (int j = 0; j < batch; ++j) labels[static_cast<std::size_t>(j)] = j % 2;
  Mat<float> dlogits;
  const auto timed = [&](const std::function<void()>& body) {
    body();  // warm-up: sizes the layers' buffers
    const double t0 = now();
    for (long r = 0; r < reps; ++r) body();
    return (now() - t0) / static_cast<double>(reps);
  };
  f.linear_s = timed([&] {
    for (int l = 0; l < L; ++l) linears[static_cast<std::size_t>(l)].forward(inputs[static_cast<std::size_t>(l)]);
    for (int l = L - 1; l >= 0; --l)
      linears[static_cast<std::size_t>(l)].backward(inputs[static_cast<std::size_t>(l)], grads[static_cast<std::size_t>(l)], l == 0);
  });
  f.bn_s = timed([&] {
    for (std::size_t l = 0; l < norms.size(); ++l) norms[l].forward(grads[l], Mode::Train, BnStats::Running);
    for (std::size_t l = norms.size(); l-- > 0;) norms[l].backward(grads[l]);
  });
  f.act_s = timed([&] {
    for (std::size_t l = 0; l < acts.size(); ++l) acts[l].forward(grads[l]);
    for (std::size_t l = acts.size(); l-- > 0;) acts[l].backward(grads[l]);
  });
  const Mat<float>& logits = linears.back().forward(inputs.back());
  f.loss_s = timed([&] { softmax_cross_entropy(logits, labels, &dlogits); });
  std::vector<Param<float>> params;
  for (int l = 0; l < L; ++l) {
    for (const Param<float>& p : linears[static_cast<std::size_t>(l)].params()) params.push_back(p);
    if (bn && l < L - 1)
      for (const Param<float>& p : norms[static_cast<std::size_t>(l)].params()) params.push_back(p);
  }
  for (const Param<float>& p : params) p.grad->setConstant(1e-4f);
  OptimizerConfig sgd;
  sgd.lr = 0.01;
  Optimizer<float> optimizer(sgd);
  f.ops_update_s = timed([&] { optimizer.step(params); });
}

// own = false: Eigen's product (what the core used before issue 19); true: bnlab/gemm.h's kernel.
GemmFigure time_gemm(int m, int k, int n, long reps, bool own, const std::function<double()>& now) {
  Mat<float> a(m, k), b(k, n), c(m, n);
  for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = static_cast<float>((i % 17) - 8) / 8.0f;
  for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = static_cast<float>((i % 13) - 6) / 6.0f;
  const auto product = [&] {
    if (own) kernel::matmul(a, b, c);
    else c.noalias() = a * b;
  };
  for (long r = 0; r < std::max(1L, reps / 5); ++r) product();
  const double t0 = now();
  for (long r = 0; r < reps; ++r) product();
  GemmFigure g;
  g.kernel = own ? "bnlab" : "Eigen";
  g.m = m;
  g.k = k;
  g.n = n;
  g.reps = reps;
  g.seconds = now() - t0;
  g.gflops = g.seconds > 0 ? 2.0 * m * k * n * static_cast<double>(reps) / g.seconds / 1e9 : 0.0;
  return g;
}

}  // namespace

BenchReport bench(long steps, const std::function<double()>& now) {
  require(steps >= 8, "bench steps", steps, "must be >= 8");
  DataConfig data;
  data.kind = "spirals";
  data.n_train = 4096;
  data.n_test = 1;
  const Dataset train = make_train_set(data, 1);
  BenchReport report;
  for (int batch : {64, 512}) {
    const long n = batch == 64 ? steps : std::max(1L, steps / 8);
    for (bool bn : {true, false}) {
      MlpConfig m;
      m.hidden = {64, 64, 64};
      m.batch_norm = bn;
      TrainConfig t;
      t.batch_size = batch;
      t.optimizer.lr = 0.01;
      Trainer<float> trainer(m, t, train, 1);
      for (long s = 0; s < std::max(1L, n / 5); ++s) trainer.step();
      const double t0 = now();
      for (long s = 0; s < n; ++s) trainer.step();
      BenchFigure f;
      f.seconds = now() - t0;
      f.name = "train 2-64-64-64-2 float batch " + std::to_string(batch) + (bn ? ", BN" : ", no BN");
      f.batch_norm = bn;
      f.steps = n;
      f.batch = batch;
      f.samples_per_second = f.seconds > 0 ? static_cast<double>(n) * batch / f.seconds : 0.0;
      time_phases(trainer, train, batch, std::max(1L, n / 2), now, f);
      time_ops(batch, bn, std::max(1L, n / 2), now, f);
      report.training.push_back(f);
    }
  }
  // The hidden layer's forward product at both batches (W: 64 x 64 times X: 64 x B).
  // Eigen's and the core's own kernel, one after the other.
  for (bool own : {false, true})
    for (int batch : {64, 512}) report.gemm.push_back(time_gemm(64, 64, batch, steps * 4 * 64 / batch, own, now));
  return report;
}

std::string bench_json(const BenchReport& report) {
  nlohmann::json training = nlohmann::json::array();
  for (const BenchFigure& f : report.training)
    training.push_back({{"name", f.name}, {"batch_norm", f.batch_norm}, {"steps", f.steps}, {"batch", f.batch},
                        {"seconds", f.seconds}, {"samples_per_second", f.samples_per_second},
                        {"forward_s", f.forward_s}, {"backward_s", f.backward_s}, {"update_s", f.update_s},
                        {"ops", {{"linear_s", f.linear_s}, {"bn_s", f.bn_s}, {"act_s", f.act_s},
                                 {"loss_s", f.loss_s}, {"update_s", f.ops_update_s}}}});
  nlohmann::json gemm = nlohmann::json::array();
  for (const GemmFigure& g : report.gemm)
    gemm.push_back({{"kernel", g.kernel}, {"m", g.m}, {"k", g.k}, {"n", g.n}, {"reps", g.reps}, {"seconds", g.seconds}, {"gflops", g.gflops}});
  return nlohmann::json{{"training", training}, {"gemm", gemm}}.dump();
}

}  // namespace bnlab
