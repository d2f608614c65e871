// The training loop, written once. Experiments drive it step by step and watch it through the
// observer, so none of them copies the loop.
//
// Batches: every epoch shuffles the training set with the Order stream and cuts it into
// floor(N / B) consecutive disjoint batches (a remainder smaller than B is left out that epoch, so
// every step has exactly B examples). B = N is full-batch training. Two trainers built with the same
// seed see the same batches in the same order and draw the same dropout masks: that is what "in
// lock-step" and "paired seeds" mean here.
//
// Divergence: a step whose loss is not finite or exceeds diverge_loss, or that leaves a parameter
// non-finite, marks the trainer diverged at that step; later steps do nothing. No NaN leaves it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "bnlab/dataset.h"
#include "bnlab/model.h"
#include "bnlab/optimizer.h"

namespace bnlab {

struct TrainConfig {
  int batch_size = 64;
  OptimizerConfig optimizer;
  double diverge_loss = 1e3;
  // BN statistics over the whole training set instead of the mini-batch (chapter 3b's noise-free
  // control): each step forwards all N training examples in training mode, so every BN layer
  // normalises with the exact statistics of the set under the current weights (the gradient flows
  // through them), and backpropagates the loss of the mini-batch's B columns only. The step is the
  // exact gradient of the batch loss of a net whose BN uses population statistics; it costs N
  // examples instead of B. Batch order is unchanged; dropout masks are drawn for all N columns.
  // Without batch norm this has no effect.
  bool bn_full_set = false;
  void validate(int n_train) const;
};

struct StepReport {
  long step = 0;     // 1-based count of steps taken, including this one
  int epoch = 0;     // 0-based epoch this step belongs to
  double loss = 0.0;  // mini-batch loss before the update
  double accuracy = 0.0;
  bool diverged = false;
};

struct EvalReport {
  double loss = 0.0;
  double accuracy = 0.0;
};

template <typename T>
class Trainer {
 public:
  // Called after every step, once the parameters are updated; the model's cached activations
  // (pre_activation, normalized, ...) are still those of this step's forward pass.
  using Observer = std::function<void(const StepReport&, const Mlp<T>&)>;

  Trainer(const MlpConfig& model, const TrainConfig& train, const Dataset& data, std::uint64_t seed);

  StepReport step();
  // Evaluation in chunks. With BnStats::Batch, `batch` is the evaluated batch size (each chunk is
  // normalised with its own statistics); otherwise it only bounds memory. `order` (optional)
  // permutes the examples before chunking.
  EvalReport evaluate(const Dataset& d, BnStats stats, int batch = 0, const std::vector<int>* order = nullptr);

  Mlp<T>& model() { return model_; }
  const Mlp<T>& model() const { return model_; }
  Optimizer<T>& optimizer() { return optimizer_; }
  const Dataset& data() const { return *data_; }
  long steps() const { return steps_; }
  int epoch() const { return epoch_; }
  int steps_per_epoch() const { return data_->size() / config_.batch_size; }
  bool diverged() const { return diverged_at_ > 0; }
  long diverged_at() const { return diverged_at_; }  // 0 if not diverged
  const TrainConfig& config() const { return config_; }
  // The last step's batch (indices into the training set) and inputs.
  const std::vector<int>& batch_indices() const { return batch_idx_; }

  Observer observer;

 private:
  TrainConfig config_;
  const Dataset* data_;
  Rng order_rng_, dropout_rng_;
  Mlp<T> model_;
  Optimizer<T> optimizer_;
  std::vector<int> perm_, batch_idx_, batch_y_;
  std::size_t cursor_ = 0;
  long steps_ = 0;
  int epoch_ = -1;
  long diverged_at_ = 0;
  Mat<T> batch_x_, dlogits_;
  Mat<T> full_x_, batch_logits_, batch_dlogits_;  // bn_full_set only: inputs x N, C x B, C x B
  std::vector<int> full_y_;
};

}  // namespace bnlab
