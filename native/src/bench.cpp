#include "bnlab/bench.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "bnlab/dataset.h"
#include "bnlab/error.h"
#include "bnlab/gemm.h"
#include "bnlab/loss.h"
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
                        {"forward_s", f.forward_s}, {"backward_s", f.backward_s}, {"update_s", f.update_s}});
  nlohmann::json gemm = nlohmann::json::array();
  for (const GemmFigure& g : report.gemm)
    gemm.push_back({{"kernel", g.kernel}, {"m", g.m}, {"k", g.k}, {"n", g.n}, {"reps", g.reps}, {"seconds", g.seconds}, {"gflops", g.gflops}});
  return nlohmann::json{{"training", training}, {"gemm", gemm}}.dump();
}

}  // namespace bnlab
