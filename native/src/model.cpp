#include "bnlab/model.h"

#include <cmath>
#include <string>

#include "bnlab/error.h"

namespace bnlab {

void MlpConfig::validate() const {
  require(inputs >= 1 && inputs <= 4096, "model.inputs", inputs, "must be in [1, 4096]");
  require(outputs >= 2 && outputs <= 1000, "model.outputs", outputs, "must be in [2, 1000]");
  require(!hidden.empty() && hidden.size() <= 16, "model.hidden", hidden.size(),
          "must list 1 to 16 hidden widths");
  for (std::size_t l = 0; l < hidden.size(); ++l)
    require(hidden[l] >= 1 && hidden[l] <= 1024, "model.hidden[" + std::to_string(l) + "]", hidden[l],
            "must be in [1, 1024]");
  require(dropout >= 0.0 && dropout < 1.0, "model.dropout", dropout, "must be in [0, 1)");
  require(bn_momentum >= 0.0 && bn_momentum <= 1.0, "model.bn_momentum", bn_momentum,
          "must be in [0, 1] (weight of the new batch)");
  require(bn_eps > 0.0 && bn_eps <= 1.0, "model.bn_eps", bn_eps, "must be in (0, 1]");
  require(ghost_batch == 0 || ghost_batch >= 2, "model.ghost_batch", ghost_batch, "must be 0 (off) or >= 2");
  require(ghost_batch == 0 || batch_norm, "model.ghost_batch", ghost_batch, "needs batch_norm = true");
  require(init_std >= 0.0 && init_std <= 10.0, "model.init_std", init_std, "must be in [0, 10] (0 = He / Glorot)");
}

long MlpConfig::num_params() const {
  long n = 0, in = inputs;
  for (int w : hidden) {
    n += in * w + (batch_norm ? 2L * w : w);
    in = w;
  }
  return n + in * outputs + outputs;
}

namespace {
// Validates before any layer is built, so a bad width is reported as the model field it is.
const MlpConfig& validated(const MlpConfig& config) {
  config.validate();
  return config;
}
}  // namespace

template <typename T>
Mlp<T>::Mlp(const MlpConfig& config, Rng& init_rng)
    : config_(validated(config)), out_(config.hidden.back(), config.outputs, true) {
  const InitKind init = config.activation == ActivationKind::Relu ? InitKind::He : InitKind::Glorot;
  int in = config.inputs;
  for (int w : config.hidden) {
    Block b{Linear<T>(in, w, !config.batch_norm), std::nullopt, Activation<T>(config.activation), std::nullopt};
    if (config.init_std > 0.0) b.linear.init_normal(config.init_std, init_rng);
    else b.linear.init(init, init_rng);
    if (config.batch_norm) b.bn.emplace(w, config.bn_momentum, config.bn_eps, config.ghost_batch);
    if (config.dropout > 0.0) b.drop.emplace(config.dropout);
    blocks_.push_back(std::move(b));
    in = w;
  }
  // The output layer feeds softmax, not a nonlinearity: Glorot keeps the initial logits small.
  if (config.init_std > 0.0) out_.init_normal(config.init_std, init_rng);
  else out_.init(InitKind::Glorot, init_rng);
}

template <typename T>
const Mat<T>& Mlp<T>::forward(const Mat<T>& x, Mode mode, BnStats stats, Rng* rng) {
  require(x.rows() == config_.inputs, "input rows", x.rows(), "must equal model.inputs");
  input_ = x;
  const Mat<T>* h = &input_;
  for (Block& b : blocks_) {
    h = &b.linear.forward(*h);
    if (b.bn) h = &b.bn->forward(*h, mode, stats);
    h = &b.act.forward(*h);
    if (b.drop) h = &b.drop->forward(*h, mode, rng);
  }
  return out_.forward(*h);
}

template <typename T>
void Mlp<T>::backward(const Mat<T>& dlogits) {
  const int L = depth();
  auto layer_input = [&](int l) -> const Mat<T>& {
    if (l == 0) return input_;
    const Block& p = blocks_[static_cast<std::size_t>(l - 1)];
    return p.drop ? p.drop->forward_output() : p.act.output();
  };
  const Mat<T>* d = &out_.backward(layer_input(L), dlogits);
  for (int l = L - 1; l >= 0; --l) {
    Block& b = blocks_[static_cast<std::size_t>(l)];
    if (b.drop) d = &b.drop->backward(*d);
    d = &b.act.backward(*d);
    if (b.bn) d = &b.bn->backward(*d);
    d = &b.linear.backward(layer_input(l), *d, l == 0);
  }
}

template <typename T>
std::vector<Param<T>> Mlp<T>::params() {
  std::vector<Param<T>> p;
  for (Block& b : blocks_) {
    for (const Param<T>& q : b.linear.params()) p.push_back(q);
    if (b.bn)
      for (const Param<T>& q : b.bn->params()) p.push_back(q);
  }
  for (const Param<T>& q : out_.params()) p.push_back(q);
  return p;
}

template <typename T>
const Mat<T>& Mlp<T>::pre_activation(int l) const {
  require(l >= 0 && l < depth(), "hidden layer", l, "out of range");
  return blocks_[static_cast<std::size_t>(l)].linear.output();
}

template <typename T>
const Mat<T>& Mlp<T>::normalized(int l) const {
  require(l >= 0 && l < depth(), "hidden layer", l, "out of range");
  const Block& b = blocks_[static_cast<std::size_t>(l)];
  return b.bn ? b.bn->output() : b.linear.output();
}

template <typename T>
const Mat<T>& Mlp<T>::activation(int l) const {
  require(l >= 0 && l < depth(), "hidden layer", l, "out of range");
  return blocks_[static_cast<std::size_t>(l)].act.output();
}

template <typename T>
BatchNorm1d<T>* Mlp<T>::batch_norm(int l) {
  require(l >= 0 && l < depth(), "hidden layer", l, "out of range");
  auto& bn = blocks_[static_cast<std::size_t>(l)].bn;
  return bn ? &*bn : nullptr;
}

template <typename T>
const BatchNorm1d<T>* Mlp<T>::batch_norm(int l) const {
  require(l >= 0 && l < depth(), "hidden layer", l, "out of range");
  const auto& bn = blocks_[static_cast<std::size_t>(l)].bn;
  return bn ? &*bn : nullptr;
}

template <typename T>
Linear<T>& Mlp<T>::linear(int l) {
  require(l >= 0 && l <= depth(), "layer", l, "out of range");
  return l == depth() ? out_ : blocks_[static_cast<std::size_t>(l)].linear;
}

template <typename T>
const Linear<T>& Mlp<T>::linear(int l) const {
  require(l >= 0 && l <= depth(), "layer", l, "out of range");
  return l == depth() ? out_ : blocks_[static_cast<std::size_t>(l)].linear;
}

template <typename T>
void Mlp<T>::estimate_population(const Mat<T>& x) {
  require(x.cols() >= 2, "population statistics", x.cols(), "need at least 2 examples");
  for (Block& b : blocks_)
    if (b.bn) b.bn->set_capture_population(true);
  // Batch statistics over the whole set, layer by layer, ARE the exact population statistics.
  forward(x, Mode::Eval, BnStats::Batch);
  for (Block& b : blocks_)
    if (b.bn) b.bn->set_capture_population(false);
}

template <typename T>
void Mlp<T>::set_bn_momentum(double momentum) {
  require(momentum >= 0.0 && momentum <= 1.0, "bn_momentum", momentum, "must be in [0, 1]");
  config_.bn_momentum = momentum;
  for (Block& b : blocks_)
    if (b.bn) b.bn->momentum = momentum;
}

template <typename T>
bool Mlp<T>::finite() const {
  auto ok = [](const Mat<T>& m) { return m.allFinite(); };
  for (const Block& b : blocks_) {
    if (!ok(b.linear.W) || !ok(b.linear.b)) return false;
    if (b.bn && (!ok(b.bn->gamma) || !ok(b.bn->beta))) return false;
  }
  return ok(out_.W) && ok(out_.b);
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace bnlab
