#include "bnlab/loss.h"

#include <algorithm>

#include "bnlab/detmath.h"
#include "bnlab/error.h"

namespace bnlab {

template <typename T>
double softmax_cross_entropy(const Mat<T>& logits, const std::vector<int>& labels, Mat<T>* dlogits) {
  const Eigen::Index C = logits.rows(), B = logits.cols();
  require(static_cast<Eigen::Index>(labels.size()) == B, "labels", labels.size(),
          "must have one label per column of the logits");
  for (Eigen::Index j = 0; j < B; ++j) {
    const int y = labels[static_cast<std::size_t>(j)];
    require(y >= 0 && y < C, "label", y, "must be a class index below the number of outputs");
  }
  if (dlogits) dlogits->resize(C, B);
  // Columns in blocks: every z - zmax of a block first, then their exps in one exp_n call (two
  // lanes at a time, the same bits as detmath::exp one by one), then each column's sum, loss and
  // gradient in the order of the plain loop.
  const Eigen::Index cols = std::max<Eigen::Index>(1, 256 / C);
  std::vector<double> shifted(static_cast<std::size_t>(C * std::min(cols, B)));
  std::vector<double> p(shifted.size()), zmax(static_cast<std::size_t>(cols));
  double total = 0.0;
  for (Eigen::Index j0 = 0; j0 < B; j0 += cols) {
    const Eigen::Index nb = std::min(cols, B - j0);
    for (Eigen::Index j = 0; j < nb; ++j) {
      const T* z = logits.data() + (j0 + j) * C;
      double m = static_cast<double>(z[0]);
      for (Eigen::Index c = 1; c < C; ++c) m = std::max(m, static_cast<double>(z[c]));
      zmax[static_cast<std::size_t>(j)] = m;
      for (Eigen::Index c = 0; c < C; ++c) shifted[static_cast<std::size_t>(j * C + c)] = static_cast<double>(z[c]) - m;
    }
    detmath::exp_n(shifted.data(), p.data(), nb * C);
    for (Eigen::Index j = 0; j < nb; ++j) {
      const double* pj = p.data() + j * C;
      const int y = labels[static_cast<std::size_t>(j0 + j)];
      double sum = 0.0;
      for (Eigen::Index c = 0; c < C; ++c) sum += pj[c];
      // -log p_y = log(sum) - (z_y - zmax)
      total += detmath::log(sum) - (static_cast<double>(logits(y, j0 + j)) - zmax[static_cast<std::size_t>(j)]);
      if (dlogits)
        for (Eigen::Index c = 0; c < C; ++c)
          (*dlogits)(c, j0 + j) = static_cast<T>((pj[c] / sum - (c == y ? 1.0 : 0.0)) / static_cast<double>(B));
    }
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
