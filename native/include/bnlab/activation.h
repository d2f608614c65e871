// Elementwise nonlinearities; the backward uses the saved output y:
//   relu:    y = max(0, z),        dz = dy [y > 0]
//   tanh:    y = tanh z,           dz = dy (1 - y^2)
//   sigmoid: y = 1 / (1 + e^-z),   dz = dy y (1 - y)
// tanh and sigmoid use detmath so native and wasm agree to the bit.
#pragma once

#include <string>

#include "bnlab/types.h"

namespace bnlab {

enum class ActivationKind { Relu, Tanh, Sigmoid, Identity };

ActivationKind activation_from_name(const std::string& name);  // throws Error on unknown names
const char* activation_name(ActivationKind kind);

template <typename T>
class Activation {
 public:
  explicit Activation(ActivationKind kind) : kind_(kind) {}
  const Mat<T>& forward(const Mat<T>& z);
  const Mat<T>& backward(const Mat<T>& dy);
  ActivationKind kind() const { return kind_; }
  const Mat<T>& output() const { return y_; }

 private:
  ActivationKind kind_;
  Mat<T> y_, dz_;
};

}  // namespace bnlab
