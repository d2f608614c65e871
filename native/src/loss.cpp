#include "bnlab/loss.h"

#include "bnlab/detmath.h"
#include "bnlab/error.h"

namespace bnlab {

template <typename T>
double softmax_cross_entropy(const Mat<T>& logits, const std::vector<int>& labels, Mat<T>* dlogits) {
  const Eigen::Index C = logits.rows(), B = logits.cols();
  require(static_cast<Eigen::Index>(labels.size()) == B, "labels", labels.size(),
          "must have one label per column of the logits");
  if (dlogits) dlogits->resize(C, B);
  std::vector<double> p(static_cast<std::size_t>(C));
  double total = 0.0;
  for (Eigen::Index j = 0; j < B; ++j) {
    const int y = labels[static_cast<std::size_t>(j)];
    require(y >= 0 && y < C, "label", y, "must be a class index below the number of outputs");
    double zmax = static_cast<double>(logits(0, j));
    for (Eigen::Index c = 1; c < C; ++c) zmax = std::max(zmax, static_cast<double>(logits(c, j)));
    double sum = 0.0;
    for (Eigen::Index c = 0; c < C; ++c) {
      p[static_cast<std::size_t>(c)] = detmath::exp(static_cast<double>(logits(c, j)) - zmax);
      sum += p[static_cast<std::size_t>(c)];
    }
    // -log p_y = log(sum) - (z_y - zmax)
    total += detmath::log(sum) - (static_cast<double>(logits(y, j)) - zmax);
    if (dlogits)
      for (Eigen::Index c = 0; c < C; ++c)
        (*dlogits)(c, j) = static_cast<T>((p[static_cast<std::size_t>(c)] / sum - (c == y ? 1.0 : 0.0)) /
                                          static_cast<double>(B));
  }
  return total / static_cast<double>(B);
}

template <typename T>
double accuracy(const Mat<T>& logits, const std::vector<int>& labels) {
  const Eigen::Index B = logits.cols();
  if (B == 0) return 0.0;
  long correct = 0;
  for (Eigen::Index j = 0; j < B; ++j) {
    Eigen::Index best = 0;
    for (Eigen::Index c = 1; c < logits.rows(); ++c)
      if (logits(c, j) > logits(best, j)) best = c;
    if (best == labels[static_cast<std::size_t>(j)]) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(B);
}

template <typename T>
MatD softmax(const Mat<T>& logits) {
  MatD p(logits.rows(), logits.cols());
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    const double zmax = static_cast<double>(logits.col(j).maxCoeff());
    double sum = 0.0;
    for (Eigen::Index c = 0; c < logits.rows(); ++c) {
      p(c, j) = detmath::exp(static_cast<double>(logits(c, j)) - zmax);
      sum += p(c, j);
    }
    p.col(j) /= sum;
  }
  return p;
}

template double softmax_cross_entropy<float>(const Mat<float>&, const std::vector<int>&, Mat<float>*);
template double softmax_cross_entropy<double>(const Mat<double>&, const std::vector<int>&, Mat<double>*);
template double accuracy<float>(const Mat<float>&, const std::vector<int>&);
template double accuracy<double>(const Mat<double>&, const std::vector<int>&);
template MatD softmax<float>(const Mat<float>&);
template MatD softmax<double>(const Mat<double>&);

}  // namespace bnlab
