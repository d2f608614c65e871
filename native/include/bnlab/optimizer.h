// Optimizers over a model's parameter list. State (velocity, moments) is kept per parameter
// index, in the order params() returns them, never keyed by pointers.
//
// SGD with momentum (PyTorch's form): v = mu v + (g + wd w),  w -= lr v
// Adam (Kingma & Ba): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
//                     w -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
#pragma once

#include <string>
#include <vector>

#include "bnlab/types.h"

namespace bnlab {

struct OptimizerConfig {
  std::string kind = "sgd";  // "sgd" | "adam"
  double lr = 0.05;
  double momentum = 0.9;  // sgd
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam
  double weight_decay = 0.0;
  void validate() const;
};

template <typename T>
class Optimizer {
 public:
  explicit Optimizer(const OptimizerConfig& config);
  void step(const std::vector<Param<T>>& params);
  void set_lr(double lr) { config_.lr = lr; }
  const OptimizerConfig& config() const { return config_; }
  long steps() const { return t_; }

 private:
  OptimizerConfig config_;
  std::vector<Mat<T>> m_, v_;
  long t_ = 0;
  double b1_pow_ = 1.0, b2_pow_ = 1.0;
};

}  // namespace bnlab
