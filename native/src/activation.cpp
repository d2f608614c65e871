#include "bnlab/activation.h"

#include "bnlab/detmath.h"
#include "bnlab/error.h"

namespace bnlab {

ActivationKind activation_from_name(const std::string& name) {
  if (name == "relu") return ActivationKind::Relu;
  if (name == "tanh") return ActivationKind::Tanh;
  if (name == "sigmoid") return ActivationKind::Sigmoid;
  if (name == "identity") return ActivationKind::Identity;
  throw Error("activation = \"" + name + "\": must be one of relu, tanh, sigmoid, identity");
}

const char* activation_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::Relu: return "relu";
    case ActivationKind::Tanh: return "tanh";
    case ActivationKind::Sigmoid: return "sigmoid";
    default: return "identity";
  }
}

template <typename T>
const Mat<T>& Activation<T>::forward(const Mat<T>& z) {
  switch (kind_) {
    case ActivationKind::Relu: y_ = z.cwiseMax(T(0)); break;
    case ActivationKind::Identity: y_ = z; break;
    case ActivationKind::Tanh:
      y_ = z.unaryExpr([](T v) { return static_cast<T>(detmath::tanh(static_cast<double>(v))); });
      break;
    case ActivationKind::Sigmoid:
      y_ = z.unaryExpr([](T v) { return static_cast<T>(detmath::sigmoid(static_cast<double>(v))); });
      break;
  }
  return y_;
}

template <typename T>
const Mat<T>& Activation<T>::backward(const Mat<T>& dy) {
  switch (kind_) {
    case ActivationKind::Relu: dz_ = (y_.array() > T(0)).select(dy, T(0)); break;
    case ActivationKind::Identity: dz_ = dy; break;
    case ActivationKind::Tanh: dz_ = dy.array() * (T(1) - y_.array().square()); break;
    case ActivationKind::Sigmoid: dz_ = dy.array() * y_.array() * (T(1) - y_.array()); break;
  }
  return dz_;
}

template class Activation<float>;
template class Activation<double>;

}  // namespace bnlab
