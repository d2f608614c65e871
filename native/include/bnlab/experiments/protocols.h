// The task protocols several chapters share (DESIGN sections 1-2), defined once so that no chapter
// takes its defaults from another chapter's spec. A chapter's spec starts from these and changes
// what its own question needs (e.g. the distribution chapter's 3-layer net, the noise chapter's
// 60,000-example population).
#pragma once

#include "bnlab/dataset.h"
#include "bnlab/model.h"
#include "bnlab/trainer.h"

namespace bnlab::protocol {

// P0, chapter 1's task (speed, distribution, ics): spirals, 1024 + 1024 points, noise 0.05; a
// 4 x 64 ReLU net; SGD lr 0.01 (momentum 0.9, batch 64: TrainConfig's defaults).
inline DataConfig p0_data() {
  DataConfig d;
  d.kind = "spirals";
  d.n_train = 1024;
  d.n_test = 1024;
  d.noise = 0.05;
  return d;
}
inline MlpConfig p0_model() {
  MlpConfig m;
  m.hidden = {64, 64, 64, 64};
  return m;
}
inline TrainConfig p0_train() {
  TrainConfig t;
  t.optimizer.lr = 0.01;
  return t;
}

// P1, chapter 3b's task (regularization, noise): two moons, 512 training points with 30% of their
// labels flipped, 5000 clean test points, noise 0.1; a 2-32-32-2 net; dropout 0.2 where used.
inline DataConfig p1_data() {
  DataConfig d;
  d.kind = "moons";
  d.n_train = 512;
  d.n_test = 5000;
  d.noise = 0.1;
  d.label_flip = 0.3;
  return d;
}
inline constexpr double kP1Dropout = 0.2;

}  // namespace bnlab::protocol
