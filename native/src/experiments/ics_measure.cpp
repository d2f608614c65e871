// The ics chapter's two measurements (see ics.h): the gradient shift of Santurkar et al. (2018)
// around one step, and the loss landscape along the gradient. The experiment is in ics.cpp.
#include "bnlab/experiments/ics.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "bnlab/error.h"
#include "bnlab/loss.h"

namespace bnlab {

namespace {

// Training-mode forward + backward on one batch; returns the loss, leaves the gradients in m.
double loss_and_gradient(Mlp<Real>& m, const Mat<Real>& x, const std::vector<int>& y) {
  Mat<Real> dlogits;
  const double loss = softmax_cross_entropy(m.forward(x, Mode::Train, BnStats::Running, nullptr), y, &dlogits);
  m.backward(dlogits);
  return loss;
}

double sq_norm(const Mat<Real>& a) { return a.cast<double>().squaredNorm(); }

}  // namespace

std::vector<GradientShift> measure_gradient_shift(const Mlp<Real>& before, const Mlp<Real>& after,
                                                  const Mat<Real>& x, const std::vector<int>& y,
                                                  const std::vector<int>& layers) {
  const int L = before.depth() + 1;
  require(after.depth() == before.depth(), "ics: model depth after the step", after.depth(),
          "must equal the depth before it");
  Mlp<Real> probe = before;
  loss_and_gradient(probe, x, y);
  std::vector<GradientShift> out;
  for (int i : layers) {
    require(i >= 1 && i <= L, "ics layer", i, "must be in [1, " + std::to_string(L) + "]");
    // G' : layers 1..i-1 (0-based linear blocks 0..i-2) moved, layer i and above as before.
    Mlp<Real> hybrid = before;
    for (int k = 0; k + 1 < i; ++k) {
      hybrid.linear(k).W = after.linear(k).W;
      hybrid.linear(k).b = after.linear(k).b;
      if (BatchNorm1d<Real>* bn = hybrid.batch_norm(k)) {
        bn->gamma = after.batch_norm(k)->gamma;
        bn->beta = after.batch_norm(k)->beta;
      }
    }
    loss_and_gradient(hybrid, x, y);
    const Mat<double> G = probe.linear(i - 1).dW.cast<double>();
    const Mat<double> Gp = hybrid.linear(i - 1).dW.cast<double>();
    GradientShift g;
    g.layer = i;
    g.l2_diff = (G - Gp).norm();
    g.grad_norm = G.norm();
    g.grad_norm_after = Gp.norm();
    const double denom = g.grad_norm * g.grad_norm_after;
    g.cosine = denom > 0.0 ? (G.array() * Gp.array()).sum() / denom : std::nan("");
    out.push_back(g);
  }
  return out;
}

LandscapeProbe probe_landscape(const Mlp<Real>& model, const Mat<Real>& x, const std::vector<int>& y,
                               const std::vector<double>& step_sizes) {
  LandscapeProbe p;
  Mlp<Real> base = model;
  p.loss.push_back(loss_and_gradient(base, x, y));
  std::vector<Mat<Real>> g;
  for (const Param<Real>& q : base.params()) g.push_back(*q.grad);
  for (double eta : step_sizes) {
    Mlp<Real> moved = model;
    std::vector<Param<Real>> params = moved.params();
    for (std::size_t k = 0; k < params.size(); ++k) *params[k].value -= static_cast<Real>(eta) * g[k];
    p.loss.push_back(loss_and_gradient(moved, x, y));
    double change = 0.0;
    for (std::size_t k = 0; k < params.size(); ++k) change += sq_norm(*params[k].grad - g[k]);
    p.grad_change = std::max(p.grad_change, std::sqrt(change));
  }
  const auto [lo, hi] = std::minmax_element(p.loss.begin(), p.loss.end());
  p.loss_range = *hi - *lo;
  return p;
}

}  // namespace bnlab
