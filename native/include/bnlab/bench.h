// Throughput benchmark of the training step, the figure DESIGN section 5 compares across builds:
// a 2-64-64-64-2 MLP, float, SGD with momentum, batch 64 and 512, with and without BN; the same
// step timed by phase (forward + loss, backward, update) and by kind of operation (linear, BN,
// ReLU, loss, update); and a float GEMM of the net's hidden
// layer size, by Eigen and by the core's own kernel (bnlab/gemm.h). The caller supplies the
// clock (the core does no I/O and reads no clock itself): the native CLI (`bnlab bench`) and the
// wasm module (`bench` binding) both call this.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace bnlab {

struct BenchFigure {
  std::string name;      // e.g. "train 2-64-64-64-2 float batch 64, BN"
  bool batch_norm = false;
  long steps = 0;
  int batch = 0;
  double seconds = 0.0;  // of `steps` whole trainer steps
  double samples_per_second = 0.0;
  // One step split by phase, seconds per step (a separate timed pass of the same steps):
  // forward_s = forward + softmax cross-entropy, backward_s = backpropagation, update_s = SGD.
  double forward_s = 0.0;
  double backward_s = 0.0;
  double update_s = 0.0;
  // The step's operations timed one kind at a time, seconds per step, on the net's own shapes
  // (each kind in its own loop over fresh layers: no clock reads inside a step): linear = the
  // four layers' products and bias sums, forward and backward; bn = the three BatchNorm1d
  // forwards (training mode) and backwards; act = the three ReLUs both ways; loss = softmax
  // cross-entropy with its gradient; ops_update_s = the SGD step over every parameter.
  double linear_s = 0.0;
  double bn_s = 0.0;
  double act_s = 0.0;
  double loss_s = 0.0;
  double ops_update_s = 0.0;
};

struct GemmFigure {
  std::string kernel;       // "Eigen" (Eigen's product) or "bnlab" (bnlab/gemm.h, the core's own kernel)
  int m = 0, k = 0, n = 0;  // C (m x n) = A (m x k) * B (k x n), float
  long reps = 0;
  double seconds = 0.0;
  double gflops = 0.0;      // 2 m k n reps / seconds / 1e9
};

struct BenchReport {
  std::vector<BenchFigure> training;
  std::vector<GemmFigure> gemm;
};

// `now` returns seconds from any fixed origin. `steps` is the number of batch-64 steps per
// measurement (batch 512 runs steps/8, the same number of samples). A warm-up of steps/5
// precedes each measurement (V8 runs new wasm on a baseline tier first).
BenchReport bench(long steps, const std::function<double()>& now);

// The report as JSON text (the CLI's `bench --json` and the wasm binding print the same).
std::string bench_json(const BenchReport& report);

}  // namespace bnlab
