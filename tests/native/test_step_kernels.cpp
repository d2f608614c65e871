// The float step's own kernels outside the GEMM (issue 19, item 3): BatchNorm1d<float>'s sums and
// normalization (simd4.h, features in vector lanes) and softmax cross-entropy's exps (detmath::
// exp_n, two lanes) give the bits of the plain loops they replaced, written out here: every
// feature's statistics in double with the columns in order, every element's formula as written.
// Shapes: every edge of the feature blocking (blocks of 8 and 4, a scalar tail of 1 to 3), ghost
// groups, and the lab's sizes. The SGD momentum step (one fused pass, four lanes) likewise gives
// the bits of the Eigen expressions it replaced.
// tests/js/wasm.test.js checks that wasm gives the native bits.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "bnlab/batch_norm.h"
#include "bnlab/detmath.h"
#include "bnlab/loss.h"
#include "bnlab/optimizer.h"
#include "bnlab/rng.h"

using namespace bnlab;

namespace {

template <typename M>
bool same_bits(const M& a, const M& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(typename M::Scalar) * static_cast<std::size_t>(a.size())) == 0;
}

Mat<float> random_matrix(Eigen::Index rows, Eigen::Index cols, Rng& rng, double mean, double sd) {
  Mat<float> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.normal(mean, sd));
  return m;
}

// The plain loops, one group of columns [c0, c1): statistics in double, columns in order.
struct PlainGroup {
  VecD mean, invstd, var;
};

PlainGroup plain_normalize(const Mat<float>& x, Eigen::Index c0, Eigen::Index c1, double eps, const Mat<float>& gamma,
                           const Mat<float>& beta, Mat<float>& xhat, Mat<float>& y) {
  const Eigen::Index F = x.rows();
  const double m = static_cast<double>(c1 - c0);
  PlainGroup g{VecD::Zero(F), VecD(F), VecD::Zero(F)};
  for (Eigen::Index i = 0; i < F; ++i) {
    double s = 0.0;
    for (Eigen::Index j = c0; j < c1; ++j) s += static_cast<double>(x(i, j));
    g.mean(i) = s / m;
    double v = 0.0;
    for (Eigen::Index j = c0; j < c1; ++j) {
      const double d = static_cast<double>(x(i, j)) - g.mean(i);
      v += d * d;
    }
    g.var(i) = v / m;
    g.invstd(i) = 1.0 / std::sqrt(g.var(i) + eps);
    for (Eigen::Index j = c0; j < c1; ++j) {
      const float xh = static_cast<float>((static_cast<double>(x(i, j)) - g.mean(i)) * g.invstd(i));
      xhat(i, j) = xh;
      y(i, j) = gamma(i, 0) * xh + beta(i, 0);
    }
  }
  return g;
}

// dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)) as the layer writes it; sums per group.
void plain_backward(const Mat<float>& dy, const Mat<float>& xhat, Eigen::Index c0, Eigen::Index c1,
                    const Mat<float>& gamma, const VecD& invstd, Mat<float>& dx, VecD& sum_dy, VecD& sum_dy_xhat) {
  const double m = static_cast<double>(c1 - c0);
  for (Eigen::Index i = 0; i < dy.rows(); ++i) {
    double a = 0.0, b = 0.0;
    for (Eigen::Index j = c0; j < c1; ++j) {
      const double d = static_cast<double>(dy(i, j));
      a += d;
      b += d * static_cast<double>(xhat(i, j));
    }
    const double scale = static_cast<double>(gamma(i, 0)) * invstd(i), mean_dy = a / m;
    for (Eigen::Index j = c0; j < c1; ++j)
      dx(i, j) = static_cast<float>(scale * (static_cast<double>(dy(i, j)) - mean_dy -
                                             static_cast<double>(xhat(i, j)) * b / m));
    sum_dy(i) += a;
    sum_dy_xhat(i) += b;
  }
}

}  // namespace

TEST_CASE("BatchNorm1d<float>: forward, backward and statistics are the plain loops' bits, every feature block edge",
          "[batch_norm][kernels]") {
  Rng rng(193);
  int checked = 0;
  for (int F : {1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 64, 100})
    for (int B : {2, 3, 5, 64, 512})
      for (int ghost : {0, 3}) {
        if (ghost > 0 && B > 64) continue;
        BatchNorm1d<float> bn(F, 0.1, 1e-5, ghost);
        bn.gamma = random_matrix(F, 1, rng, 1.0, 0.3);
        bn.beta = random_matrix(F, 1, rng, 0.0, 0.3);
        const Mat<float> x = random_matrix(F, B, rng, 0.7, 2.0), dy = random_matrix(F, B, rng, 0.0, 0.1);
        INFO("features " << F << ", batch " << B << ", ghost batch " << ghost);
        // Groups as the layer forms them: a trailing group smaller than 2 joins the one before.
        std::vector<Eigen::Index> starts;
        const Eigen::Index g = ghost > 0 ? ghost : B;
        for (Eigen::Index c = 0; c < B; c += g) starts.push_back(c);
        if (starts.size() > 1 && B - starts.back() < 2) starts.pop_back();
        starts.push_back(B);

        Mat<float> xhat(F, B), y(F, B), dx(F, B);
        VecD running_mean = VecD::Zero(F), running_var = VecD::Ones(F);
        std::vector<PlainGroup> groups;
        for (std::size_t k = 0; k + 1 < starts.size(); ++k) {
          groups.push_back(plain_normalize(x, starts[k], starts[k + 1], 1e-5, bn.gamma, bn.beta, xhat, y));
          const double mk = static_cast<double>(starts[k + 1] - starts[k]);
          running_mean = 0.9 * running_mean + 0.1 * groups.back().mean;
          running_var = 0.9 * running_var + 0.1 * (groups.back().var * (mk / (mk - 1.0)));
        }
        const Mat<float> out = bn.forward(x, Mode::Train, BnStats::Running);
        REQUIRE(same_bits(out, y));
        REQUIRE(same_bits(bn.xhat(), xhat));
        for (std::size_t k = 0; k < groups.size(); ++k) {
          REQUIRE(same_bits(VecD(bn.save_mean.col(static_cast<Eigen::Index>(k))), groups[k].mean));
          REQUIRE(same_bits(VecD(bn.save_invstd.col(static_cast<Eigen::Index>(k))), groups[k].invstd));
        }
        REQUIRE(same_bits(bn.running_mean, running_mean));
        REQUIRE(same_bits(bn.running_var, running_var));

        VecD sum_dy = VecD::Zero(F), sum_dy_xhat = VecD::Zero(F);
        for (std::size_t k = 0; k < groups.size(); ++k)
          plain_backward(dy, xhat, starts[k], starts[k + 1], bn.gamma, groups[k].invstd, dx, sum_dy, sum_dy_xhat);
        const Mat<float> dx_layer = bn.backward(dy);
        REQUIRE(same_bits(dx_layer, dx));
        REQUIRE(same_bits(bn.dbeta, Mat<float>(sum_dy.cast<float>())));
        REQUIRE(same_bits(bn.dgamma, Mat<float>(sum_dy_xhat.cast<float>())));

        // Evaluation with the running statistics: the same normalization with fixed mean and 1/sqrt(var + eps).
        Mat<float> xhat_fixed(F, B), y_fixed(F, B);
        for (Eigen::Index i = 0; i < F; ++i) {
          const double invstd = 1.0 / std::sqrt(running_var(i) + 1e-5);
          for (Eigen::Index j = 0; j < B; ++j) {
            const float xh = static_cast<float>((static_cast<double>(x(i, j)) - running_mean(i)) * invstd);
            xhat_fixed(i, j) = xh;
            y_fixed(i, j) = bn.gamma(i, 0) * xh + bn.beta(i, 0);
          }
        }
        REQUIRE(same_bits(bn.forward(x, Mode::Eval, BnStats::Running), y_fixed));
        REQUIRE(same_bits(bn.xhat(), xhat_fixed));
        ++checked;
      }
  CHECK(checked == 14 * (5 + 4));  // ghost groups at batch <= 64 only
}

TEST_CASE("softmax_cross_entropy<float>: loss and gradient are the plain per-column loop's bits", "[loss][kernels]") {
  Rng rng(194);
  for (int C : {2, 3, 10, 255, 300})
    for (int B : {1, 2, 3, 64, 129, 512}) {
      Mat<float> logits = random_matrix(C, B, rng, 0.0, 3.0);
      // Logit gaps past exp's +-708 fast path (the scalar fallback) in a few columns.
      if (B > 2) {
        logits(0, 1) = 900.0f;
        logits(C - 1, 2) = -800.0f;
      }
      std::vector<int> labels(static_cast<std::size_t>(B));
      for (int j = 0; j < B; ++j) labels[static_cast<std::size_t>(j)] = static_cast<int>(rng.uniform() * C) % C;
      INFO("classes " << C << ", batch " << B);
      // The plain loop: per column, zmax, the exps in class order, their sum, log and gradient.
      Mat<float> expected(C, B);
      double total = 0.0;
      std::vector<double> p(static_cast<std::size_t>(C));
      for (int j = 0; j < B; ++j) {
        double zmax = static_cast<double>(logits(0, j));
        for (int c = 1; c < C; ++c) zmax = std::max(zmax, static_cast<double>(logits(c, j)));
        double sum = 0.0;
        for (int c = 0; c < C; ++c) {
          p[static_cast<std::size_t>(c)] = detmath::exp(static_cast<double>(logits(c, j)) - zmax);
          sum += p[static_cast<std::size_t>(c)];
        }
        const int y = labels[static_cast<std::size_t>(j)];
        total += detmath::log(sum) - (static_cast<double>(logits(y, j)) - zmax);
        for (int c = 0; c < C; ++c)
          expected(c, j) = static_cast<float>((p[static_cast<std::size_t>(c)] / sum - (c == y ? 1.0 : 0.0)) /
                                              static_cast<double>(B));
      }
      const double loss_expected = total / static_cast<double>(B);
      Mat<float> dlogits;
      const double loss = softmax_cross_entropy(logits, labels, &dlogits);
      REQUIRE(std::memcmp(&loss, &loss_expected, sizeof loss) == 0);
      REQUIRE(same_bits(dlogits, expected));
      REQUIRE(softmax_cross_entropy<float>(logits, labels, nullptr) == loss);
    }
}

TEST_CASE("Optimizer<float> sgd with momentum: the fused pass gives the Eigen expressions' bits", "[optimizer][kernels]") {
  Rng rng(196);
  for (double wd : {0.0, 1e-3})
    for (int rows : {1, 2, 3, 5, 64}) {
      const int cols = rows == 1 ? 7 : 3;
      Mat<float> w = random_matrix(rows, cols, rng, 0.0, 1.0), b = random_matrix(rows, 1, rng, 0.0, 1.0);
      Mat<float> gw(rows, cols), gb(rows, 1);
      OptimizerConfig config;
      config.lr = 0.05;
      config.momentum = 0.9;
      config.weight_decay = wd;
      Optimizer<float> sgd(config);
      std::vector<Param<float>> params{{&w, &gw, "W"}, {&b, &gb, "b"}};
      Mat<float> w_ref = w, b_ref = b, vw = Mat<float>::Zero(rows, cols), vb = Mat<float>::Zero(rows, 1);
      const float mu = 0.9f, lr = 0.05f, decay = static_cast<float>(wd);
      INFO("rows " << rows << ", weight decay " << wd);
      for (int step = 0; step < 5; ++step) {
        gw = random_matrix(rows, cols, rng, 0.0, 1.0);
        gb = random_matrix(rows, 1, rng, 0.0, 1.0);
        sgd.step(params);
        if (decay != 0.0f) {
          vw = mu * vw + gw + decay * w_ref;
          vb = mu * vb + gb + decay * b_ref;
        } else {
          vw = mu * vw + gw;
          vb = mu * vb + gb;
        }
        w_ref -= lr * vw;
        b_ref -= lr * vb;
        REQUIRE(same_bits(w, w_ref));
        REQUIRE(same_bits(b, b_ref));
      }
    }
}
