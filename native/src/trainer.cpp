#include "bnlab/trainer.h"

#include <cmath>
#include <numeric>

#include "bnlab/error.h"
#include "bnlab/loss.h"

namespace bnlab {

void TrainConfig::validate(int n_train) const {
  require(batch_size >= 1, "spec.train.batch_size", batch_size, "must be >= 1");
  require(batch_size <= n_train, "spec.train.batch_size", batch_size,
          "must be <= data.n_train (" + std::to_string(n_train) + ")");
  require(diverge_loss > 0.0, "train.diverge_loss", diverge_loss, "must be > 0");
  optimizer.validate();
}

namespace {
Rng init_stream(std::uint64_t seed) { return Rng::stream(seed, Stream::Init); }
}  // namespace

template <typename T>
Trainer<T>::Trainer(const MlpConfig& model, const TrainConfig& train, const Dataset& data, std::uint64_t seed)
    : config_(train),
      data_(&data),
      order_rng_(Rng::stream(seed, Stream::Order)),
      dropout_rng_(Rng::stream(seed, Stream::Dropout)),
      model_([&] {
        Rng init = init_stream(seed);
        return Mlp<T>(model, init);
      }()),
      optimizer_(train.optimizer) {
  config_.validate(data.size());
  require(model.batch_norm ? train.batch_size >= 2 : true, "spec.train.batch_size", train.batch_size,
          "must be >= 2 with batch norm (a batch of one has no variance)");
  require(model.inputs == data.dims(), "model.inputs", model.inputs, "must equal the data's dimension");
  require(model.outputs == data.classes, "model.outputs", model.outputs, "must equal the number of classes");
}

template <typename T>
StepReport Trainer<T>::step() {
  StepReport r;
  if (diverged()) {
    r.step = steps_;
    r.epoch = epoch_;
    r.diverged = true;
    return r;
  }
  const std::size_t B = static_cast<std::size_t>(config_.batch_size);
  if (epoch_ < 0 || cursor_ + B > perm_.size()) {
    perm_ = order_rng_.permutation(data_->size());
    cursor_ = 0;
    ++epoch_;
  }
  batch_idx_.assign(perm_.begin() + static_cast<std::ptrdiff_t>(cursor_),
                    perm_.begin() + static_cast<std::ptrdiff_t>(cursor_ + B));
  cursor_ += B;
  gather(*data_, batch_idx_, 0, B, batch_x_, batch_y_);

  if (config_.bn_full_set && model_.config().batch_norm) {
    // Forward the whole set (BN statistics = the set's), then keep the batch's columns: the loss
    // and dlogits of those B columns, zero elsewhere, so backward gives d(batch loss)/d(params)
    // including the path through the set's mean and variance.
    if (full_x_.cols() != data_->size()) {
      std::vector<int> all(static_cast<std::size_t>(data_->size()));
      std::iota(all.begin(), all.end(), 0);
      gather(*data_, all, 0, all.size(), full_x_, full_y_);
    }
    const Mat<T>& all_logits = model_.forward(full_x_, Mode::Train, BnStats::Running, &dropout_rng_);
    batch_logits_.resize(all_logits.rows(), static_cast<Eigen::Index>(B));
    for (std::size_t j = 0; j < B; ++j)
      batch_logits_.col(static_cast<Eigen::Index>(j)) = all_logits.col(batch_idx_[j]);
    r.loss = softmax_cross_entropy(batch_logits_, batch_y_, &batch_dlogits_);
    r.accuracy = accuracy(batch_logits_, batch_y_);
    dlogits_ = Mat<T>::Zero(all_logits.rows(), all_logits.cols());
    for (std::size_t j = 0; j < B; ++j)
      dlogits_.col(batch_idx_[j]) = batch_dlogits_.col(static_cast<Eigen::Index>(j));
  } else {
    const Mat<T>& logits = model_.forward(batch_x_, Mode::Train, BnStats::Running, &dropout_rng_);
    r.loss = softmax_cross_entropy(logits, batch_y_, &dlogits_);
    r.accuracy = accuracy(logits, batch_y_);
  }
  ++steps_;
  r.step = steps_;
  r.epoch = epoch_;
  if (!std::isfinite(r.loss) || r.loss > config_.diverge_loss) {
    diverged_at_ = steps_;
  } else {
    model_.backward(dlogits_);
    optimizer_.step(model_.params());
    if (!model_.finite()) diverged_at_ = steps_;
  }
  r.diverged = diverged();
  if (!std::isfinite(r.loss)) r.loss = config_.diverge_loss;  // no NaN leaves the trainer
  if (observer) observer(r, model_);
  return r;
}

template <typename T>
EvalReport Trainer<T>::evaluate(const Dataset& d, BnStats stats, int batch, const std::vector<int>* order) {
  EvalReport r;
  const int n = d.size();
  if (n == 0) return r;
  std::vector<int> idx;
  if (order) {
    require(static_cast<int>(order->size()) == n, "evaluation order size", order->size(), "must equal the set size");
    idx = *order;
  } else {
    idx.resize(static_cast<std::size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
  }
  const int chunk = batch > 0 ? batch : 1024;
  Mat<T> x;
  std::vector<int> y;
  double loss = 0.0, correct = 0.0;
  for (int begin = 0; begin < n; begin += chunk) {
    const int end = std::min(n, begin + chunk);
    gather(d, idx, static_cast<std::size_t>(begin), static_cast<std::size_t>(end), x, y);
    const Mat<T>& logits = model_.forward(x, Mode::Eval, stats);
    const double m = end - begin;
    loss += m * softmax_cross_entropy<T>(logits, y, nullptr);
    correct += m * accuracy(logits, y);
  }
  r.loss = loss / n;
  r.accuracy = correct / n;
  if (!std::isfinite(r.loss)) r.loss = config_.diverge_loss;
  return r;
}

template class Trainer<float>;
template class Trainer<double>;

}  // namespace bnlab
