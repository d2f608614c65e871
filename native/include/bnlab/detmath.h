// Deterministic elementary functions.
//
// glibc (native) and musl (Emscripten) may round exp/log/sin/cos differently in the last bit, and
// a single differing bit in the data or the loss makes native and wasm training curves drift apart.
// These versions use only +, -, *, / and exact bit manipulation (frexp/ldexp), which IEEE 754
// rounds identically everywhere (no FMA: neither x86-64 baseline nor wasm has one).
// Accuracy: a few ulp in double, plenty for data generation, softmax and activations (next to the
// zeros of sin and cos, where Cody-Waite reduction limits it, an absolute 1e-24 for |x| <= 1e5).
#pragma once

namespace bnlab::detmath {

double log(double x);  // x > 0
double exp(double x);  // saturates to 0 / inf outside about +-708
void sincos(double x, double& s, double& c);
double sin(double x);
double cos(double x);
double tanh(double x);
double sigmoid(double x);  // 1 / (1 + exp(-x)), stable for large |x|
// y[i] = sigmoid(x[i]) for n values, bit for bit: the same operations, two lanes at a time where
// SSE2 is there (x86-64; the wasm build's -msse2 becomes wasm SIMD), one at a time otherwise.
void sigmoid_n(const double* x, double* y, long n);
// y[i] = exp(x[i]) for n values, bit for bit, two lanes at a time likewise.
void exp_n(const double* x, double* y, long n);
double pi();

}  // namespace bnlab::detmath
