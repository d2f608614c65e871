// A configurable multilayer perceptron, the lab's one network shape:
//   x -> [Linear -> (BatchNorm1d) -> activation -> (Dropout)] x L -> Linear -> logits
// BN sits on the pre-activation of every hidden layer, never on the output (DESIGN section 2); a
// linear layer followed by BN has no bias. Hidden layer l (0-based) exposes, for the last forward:
//   pre_activation(l)  z[l]  = W x            (before BN; the lecture's z)
//   normalized(l)      z~[l] = gamma zhat + beta  (after BN; equals z[l] without BN)
//   activation(l)      a[l]  = g(z~[l])      (before dropout)
// The model is a value: copying it copies weights, BN buffers and optimizer-free state (the ICS
// measurement needs copies).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bnlab/activation.h"
#include "bnlab/batch_norm.h"
#include "bnlab/dropout.h"
#include "bnlab/linear.h"
#include "bnlab/rng.h"
#include "bnlab/types.h"

namespace bnlab {

struct MlpConfig {
  int inputs = 2;
  std::vector<int> hidden{32, 32};
  int outputs = 2;
  ActivationKind activation = ActivationKind::Relu;
  bool batch_norm = false;
  double dropout = 0.0;      // p of dropping, after every hidden nonlinearity
  double bn_momentum = 0.1;  // PyTorch convention: weight of the new batch
  double bn_eps = 1e-5;
  int ghost_batch = 0;       // 0 = BN over the whole mini-batch
  // 0: He (ReLU) / Glorot (tanh, sigmoid) by layer; > 0: every weight, the output layer's too,
  // from N(0, init_std^2) (Ioffe & Szegedy's Figure 1 uses 0.1). Biases start at 0 either way.
  double init_std = 0.0;

  void validate() const;  // throws Error naming the field
  long num_params() const;
};

template <typename T>
class Mlp {
 public:
  Mlp(const MlpConfig& config, Rng& init_rng);

  // Logits (outputs x B). rng draws dropout masks in training (may be null when dropout = 0).
  const Mat<T>& forward(const Mat<T>& x, Mode mode, BnStats stats = BnStats::Running, Rng* rng = nullptr);
  // Backpropagates dlogits of the last forward; fills every parameter's gradient.
  void backward(const Mat<T>& dlogits);

  std::vector<Param<T>> params();
  const MlpConfig& config() const { return config_; }
  int depth() const { return static_cast<int>(blocks_.size()); }  // hidden layers

  const Mat<T>& pre_activation(int l) const;
  const Mat<T>& normalized(int l) const;
  const Mat<T>& activation(int l) const;
  const Mat<T>& logits() const { return out_.output(); }

  BatchNorm1d<T>* batch_norm(int l);  // null without BN
  const BatchNorm1d<T>* batch_norm(int l) const;
  Linear<T>& linear(int l);           // l == depth() is the output layer
  const Linear<T>& linear(int l) const;

  // Exact statistics of every BN layer over x (layer by layer: each layer sees the layer below
  // normalised with its own exact statistics). Then forward(.., Eval, Population) uses them.
  // On the training set this is "population statistics"; on shifted test data it is AdaBN.
  void estimate_population(const Mat<T>& x);
  void set_bn_momentum(double momentum);
  bool finite() const;  // every parameter finite

 private:
  struct Block {
    Linear<T> linear;
    std::optional<BatchNorm1d<T>> bn;
    Activation<T> act;
    std::optional<Dropout<T>> drop;
  };
  MlpConfig config_;
  std::vector<Block> blocks_;
  Linear<T> out_;
  Mat<T> input_;  // the last forward's input, needed by the first layer's backward
};

}  // namespace bnlab
