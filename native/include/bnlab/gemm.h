// The core's own float matrix product (issue 19): C = op(A) op(B) for the shapes the lab trains
// (M, N, K from 1 to a few thousand; the forward product and both backward ones), register-
// blocked over 128-bit vectors, the same source natively (SSE2) and in the browser (wasm SIMD).
//
// One fixed order of summation, whatever the shape or the build: every element is
//     C(i, j) = (...((0 + A(i,0) B(0,j)) + A(i,1) B(1,j)) + ...) + A(i,K-1) B(K-1,j),
// each product rounded to float, then added in order of increasing k; no fused multiply-add.
// The vector lanes, the edge blocks and the scalar tail all compute exactly that expression, so
// the result does not depend on where an element falls in the blocking (tests/native/test_gemm
// checks every element against the plain loop, bit for bit) and native and wasm agree.
//
// Matrices are column-major (Eigen's default): A(i, k) is A[i + k * lda]. C must not overlap A
// or B. The library has no threads; the functions keep no state (the transposed-A product packs
// into the caller's scratch).
#pragma once

#include <vector>

#include "bnlab/types.h"

namespace bnlab::kernel {

// C (m x n) = A (m x k) * B (k x n).
void gemm_nn(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// C (m x n) = A (m x k) * B^T, B stored n x k.
void gemm_nt(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// C (m x n) = A^T * B (k x n), A stored k x m; A^T is packed into `scratch` first (m k floats).
void gemm_tn(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             std::vector<float>& scratch);

// The same on Eigen matrices: C is resized; C must not be A or B.
void matmul(const Mat<float>& A, const Mat<float>& B, Mat<float>& C);              // C = A B
void matmul_bt(const Mat<float>& A, const Mat<float>& B, Mat<float>& C);           // C = A B^T
void matmul_at(const Mat<float>& A, const Mat<float>& B, Mat<float>& C, std::vector<float>& scratch);  // C = A^T B

}  // namespace bnlab::kernel
