// The core's own float kernel (bnlab/gemm.h): every element of every product is the plain
// in-order sum of float products, bit for bit, whatever the shape (so wherever an element falls in
// the register blocking: 8 x 4 blocks, 4-row blocks, single rows, single columns). The same test
// runs in the native build; tests/js/wasm.test.js checks that wasm gives the native bits.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "bnlab/gemm.h"
#include "bnlab/linear.h"
#include "bnlab/rng.h"

using namespace bnlab;

namespace {

Mat<float> random_matrix(Eigen::Index rows, Eigen::Index cols, Rng& rng) {
  Mat<float> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.normal());
  return m;
}

// C(i, j) = (((0 + A(i,0) B(0,j)) + A(i,1) B(1,j)) + ...): the order the kernel promises.
Mat<float> in_order(const Mat<float>& A, const Mat<float>& B) {
  Mat<float> C(A.rows(), B.cols());
  for (Eigen::Index i = 0; i < A.rows(); ++i)
    for (Eigen::Index j = 0; j < B.cols(); ++j) {
      float acc = 0.0f;
      for (Eigen::Index p = 0; p < A.cols(); ++p) {
        const float product = A(i, p) * B(p, j);
        acc = acc + product;
      }
      C(i, j) = acc;
    }
  return C;
}

bool same_bits(const Mat<float>& a, const Mat<float>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

}  // namespace

TEST_CASE("gemm: each element is the in-order float sum, bit for bit, for all three transposes", "[gemm]") {
  Rng rng(19);
  std::vector<float> scratch;
  int checked = 0;
  // Edges of every block size (1..13), the lab's sizes (2, 64, 512, 784) and odd ones around them.
  for (int m : {1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 64, 67})
    for (int n : {1, 2, 3, 4, 5, 8, 13, 64, 65})
      for (int k : {1, 2, 3, 7, 64, 100, 784}) {
        const Mat<float> A = random_matrix(m, k, rng), B = random_matrix(k, n, rng);
        const Mat<float> At = A.transpose(), Bt = B.transpose();
        const Mat<float> expected = in_order(A, B);
        Mat<float> C;
        kernel::matmul(A, B, C);
        INFO("m " << m << ", n " << n << ", k " << k);
        REQUIRE(same_bits(C, expected));
        kernel::matmul_bt(A, Bt, C);
        REQUIRE(same_bits(C, expected));
        kernel::matmul_at(At, B, C, scratch);
        REQUIRE(same_bits(C, expected));
        ++checked;
      }
  CHECK(checked == 12 * 9 * 7);
}

TEST_CASE("gemm: strided operands (a block of a larger matrix) give the same bits", "[gemm]") {
  Rng rng(7);
  const Mat<float> big = random_matrix(40, 30, rng), B = random_matrix(9, 6, rng);
  const Mat<float> A = big.block(3, 5, 13, 9);  // 13 x 9, leading dimension 40 in `big`
  const Mat<float> expected = in_order(A, B);
  Mat<float> C(13, 6);
  kernel::gemm_nn(13, 6, 9, big.data() + 3 + 5 * 40, 40, B.data(), 9, C.data(), 13);
  CHECK(same_bits(C, expected));
}

TEST_CASE("gemm: the float layer's products are the kernel's (forward, dW, dX)", "[gemm][linear]") {
  Rng rng(3);
  Linear<float> lin(13, 9, true);
  lin.init(InitKind::He, rng);
  const Mat<float> x = random_matrix(13, 6, rng), dy = random_matrix(9, 6, rng);
  Mat<float> z = in_order(lin.W, x);
  z.colwise() += lin.b.col(0);
  CHECK(same_bits(lin.forward(x), z));
  const Mat<float>& dx = lin.backward(x, dy);
  CHECK(same_bits(dx, in_order(lin.W.transpose(), dy)));
  CHECK(same_bits(lin.dW, in_order(dy, x.transpose())));
}

TEST_CASE("gemm: bad sizes are a clear error, not a crash", "[gemm]") {
  const Mat<float> A = Mat<float>::Ones(3, 4), B = Mat<float>::Ones(5, 2);
  Mat<float> C;
  CHECK_THROWS_WITH(kernel::matmul(A, B, C), Catch::Contains("matmul inner sizes"));
  CHECK_THROWS_WITH(kernel::gemm_nn(-1, 2, 2, A.data(), 3, B.data(), 5, C.data(), 3), Catch::Contains("gemm rows"));
}
