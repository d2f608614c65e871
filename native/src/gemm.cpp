#include "bnlab/gemm.h"

#include <cstddef>

#include "bnlab/error.h"
#include "simd4.h"

namespace bnlab::kernel {

namespace {

using simd::vf4;
using Idx = std::ptrdiff_t;

// B(p, j) is B[p * bp + j * bj]: (1, ldb) for B as stored, (ldb, 1) for B transposed.
struct BView {
  const float* data;
  Idx bp, bj;
  const float* col(Idx j) const { return data + j * bj; }
};

// The register block: MV vectors of 4 rows times NC columns of C, MV * NC accumulators that
// live in registers for the whole k loop (8 x 4: 8 accumulators, 2 loads of A, one broadcast of B
// at a time, 11 of the 16 vector registers of SSE2 and of V8's x64 wasm code; 12 x 4: all 16).
template <int MV, int NC>
inline void block(Idx k, const float* A, Idx lda, const BView& B, Idx j, float* C, Idx ldc) {
  vf4 acc[MV][NC];
  for (int v = 0; v < MV; ++v)
    for (int c = 0; c < NC; ++c) acc[v][c] = simd::zero();
  const float* bcol[NC];
  for (int c = 0; c < NC; ++c) bcol[c] = B.col(j + c);
  for (Idx p = 0; p < k; ++p) {
    vf4 a[MV];
    for (int v = 0; v < MV; ++v) a[v] = simd::load(A + p * lda + 4 * v);
    for (int c = 0; c < NC; ++c) {
      const vf4 b = simd::splat(bcol[c] + p * B.bp);
      for (int v = 0; v < MV; ++v) acc[v][c] = simd::add(acc[v][c], simd::mul(a[v], b));
    }
  }
  for (int c = 0; c < NC; ++c)
    for (int v = 0; v < MV; ++v) simd::store(C + (j + c) * ldc + 4 * v, acc[v][c]);
}

// One row of C (fewer than 4 left), 4 columns as one vector: lane c sums A(i, p) B(p, j + c).
inline void row4(Idx k, const float* A, Idx lda, const BView& B, Idx j, float* C, Idx ldc) {
  vf4 acc = simd::zero();
  const float* b0 = B.col(j);
  if (B.bj == 1) {
    for (Idx p = 0; p < k; ++p) acc = simd::add(acc, simd::mul(simd::splat(A + p * lda), simd::load(b0 + p * B.bp)));
  } else {
    const float *b1 = B.col(j + 1), *b2 = B.col(j + 2), *b3 = B.col(j + 3);
    for (Idx p = 0; p < k; ++p) {
      const Idx o = p * B.bp;
      acc = simd::add(acc, simd::mul(simd::splat(A + p * lda), simd::set(b0[o], b1[o], b2[o], b3[o])));
    }
  }
  alignas(16) float out[4];
  simd::store(out, acc);
  for (int c = 0; c < 4; ++c) C[(j + c) * ldc] = out[c];
}

// One element, the same expression in scalar code.
inline void one(Idx k, const float* A, Idx lda, const BView& B, Idx j, float* C, Idx ldc) {
  float acc = 0.0f;
  const float* b = B.col(j);
  for (Idx p = 0; p < k; ++p) acc = acc + A[p * lda] * b[p * B.bp];
  C[j * ldc] = acc;
}

// 12 x 4 blocks (12 accumulators + 3 loads of A + 1 broadcast = all 16 SSE2 registers) natively,
// where they bring the kernel level with Eigen's (measured, bnlab bench: 8 x 4 alone was 0.8-1.0x).
// wasm keeps 8 x 4 (V8 reserves vector registers of its own; 12 x 4 not measured there). The
// blocking never changes the bits (every element is the same in-order sum), only the speed.
#if defined(__wasm__)
constexpr bool kWideBlocks = false;
#else
constexpr bool kWideBlocks = true;
#endif

template <int NC>
void columns(Idx m, Idx k, const float* A, Idx lda, const BView& B, Idx j, float* C, Idx ldc) {
  Idx i = 0;
  if (kWideBlocks)
    for (; i + 12 <= m; i += 12) block<3, NC>(k, A + i, lda, B, j, C + i, ldc);
  for (; i + 8 <= m; i += 8) block<2, NC>(k, A + i, lda, B, j, C + i, ldc);
  for (; i + 4 <= m; i += 4) block<1, NC>(k, A + i, lda, B, j, C + i, ldc);
  for (; i < m; ++i) {
    if (NC == 4) row4(k, A + i, lda, B, j, C + i, ldc);
    else
      for (int c = 0; c < NC; ++c) one(k, A + i, lda, B, j + c, C + i, ldc);
  }
}

void gemm(Idx m, Idx n, Idx k, const float* A, Idx lda, const BView& B, float* C, Idx ldc) {
  Idx j = 0;
  for (; j + 4 <= n; j += 4) columns<4>(m, k, A, lda, B, j, C, ldc);
  for (; j < n; ++j) columns<1>(m, k, A, lda, B, j, C, ldc);
}

void check(int m, int n, int k) {
  require(m >= 0, "gemm rows", m, "must be >= 0");
  require(n >= 0, "gemm columns", n, "must be >= 0");
  require(k >= 0, "gemm inner size", k, "must be >= 0");
}

}  // namespace

void gemm_nn(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  check(m, n, k);
  gemm(m, n, k, A, lda, BView{B, 1, ldb}, C, ldc);
}

void gemm_nt(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  check(m, n, k);
  gemm(m, n, k, A, lda, BView{B, ldb, 1}, C, ldc);
}

void gemm_tn(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             std::vector<float>& scratch) {
  check(m, n, k);
  // Pack A^T (m x k, column-major, leading dimension m): a copy, so the order of summation is the
  // one of gemm_nn on the packed matrix.
  scratch.resize(static_cast<std::size_t>(m) * static_cast<std::size_t>(k));
  float* At = scratch.data();
  for (Idx i = 0; i < m; ++i)
    for (Idx p = 0; p < k; ++p) At[i + p * m] = A[p + i * static_cast<Idx>(lda)];
  gemm(m, n, k, At, m, BView{B, 1, ldb}, C, ldc);
}

void matmul(const Mat<float>& A, const Mat<float>& B, Mat<float>& C) {
  require(A.cols() == B.rows(), "matmul inner sizes", B.rows(), "must equal the left matrix's columns");
  C.resize(A.rows(), B.cols());
  gemm_nn(static_cast<int>(A.rows()), static_cast<int>(B.cols()), static_cast<int>(A.cols()), A.data(),
          static_cast<int>(A.rows()), B.data(), static_cast<int>(B.rows()), C.data(), static_cast<int>(C.rows()));
}

void matmul_bt(const Mat<float>& A, const Mat<float>& B, Mat<float>& C) {
  require(A.cols() == B.cols(), "matmul_bt inner sizes", B.cols(), "must equal the left matrix's columns");
  C.resize(A.rows(), B.rows());
  gemm_nt(static_cast<int>(A.rows()), static_cast<int>(B.rows()), static_cast<int>(A.cols()), A.data(),
          static_cast<int>(A.rows()), B.data(), static_cast<int>(B.rows()), C.data(), static_cast<int>(C.rows()));
}

void matmul_at(const Mat<float>& A, const Mat<float>& B, Mat<float>& C, std::vector<float>& scratch) {
  require(A.rows() == B.rows(), "matmul_at inner sizes", B.rows(), "must equal the left matrix's rows");
  C.resize(A.cols(), B.cols());
  gemm_tn(static_cast<int>(A.cols()), static_cast<int>(B.cols()), static_cast<int>(A.rows()), A.data(),
          static_cast<int>(A.rows()), B.data(), static_cast<int>(B.rows()), C.data(), static_cast<int>(C.rows()), scratch);
}

}  // namespace bnlab::kernel
