#include "bnlab/bench.h"

#include "bnlab/error.h"
#include "bnlab/trainer.h"

namespace bnlab {

std::vector<BenchFigure> bench_training(long steps, const std::function<double()>& now) {
  require(steps >= 1, "bench steps", steps, "must be >= 1");
  DataConfig data;
  data.kind = "spirals";
  data.n_train = 4096;
  data.n_test = 1;
  const Dataset train = make_train_set(data, 1);
  std::vector<BenchFigure> out;
  for (bool bn : {true, false}) {
    MlpConfig m;
    m.hidden = {64, 64, 64};
    m.batch_norm = bn;
    TrainConfig t;
    t.batch_size = 64;
    t.optimizer.lr = 0.01;
    Trainer<float> trainer(m, t, train, 1);
    for (long s = 0; s < steps / 5; ++s) trainer.step();
    const double t0 = now();
    for (long s = 0; s < steps; ++s) trainer.step();
    const double seconds = now() - t0;
    BenchFigure f;
    f.name = std::string("train 2-64-64-64-2 float batch 64, ") + (bn ? "BN" : "no BN");
    f.steps = steps;
    f.batch = t.batch_size;
    f.seconds = seconds;
    f.samples_per_second = seconds > 0 ? static_cast<double>(steps) * t.batch_size / seconds : 0.0;
    out.push_back(f);
  }
  return out;
}

}  // namespace bnlab
