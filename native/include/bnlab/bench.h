// Throughput benchmark of the training step, the figure DESIGN section 5 compares across builds:
// a 2-64-64-64-2 MLP, batch 64, SGD with momentum, float, with and without BN. The caller supplies
// the clock (the core does no I/O and reads no clock itself): native CLI and wasm page both call this.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace bnlab {

struct BenchFigure {
  std::string name;
  long steps = 0;
  int batch = 0;
  double seconds = 0.0;
  double samples_per_second = 0.0;
};

// `now` returns seconds from any fixed origin. A warm-up of steps/5 precedes each measurement
// (V8 runs new wasm on a baseline tier first).
std::vector<BenchFigure> bench_training(long steps, const std::function<double()>& now);

}  // namespace bnlab
