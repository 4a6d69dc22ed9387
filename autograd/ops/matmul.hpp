#pragma once
// Matrix products through BLIS, reading transposed and sliced views through their strides.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Any ranks >= 1: 1-D·1-D is a dot product, a 1-D side gains (then loses) a matrix dim, and the
/// batch dims (all but the last two) broadcast NumPy-style.
Tensor matmul(const Tensor& a, const Tensor& b);
/// Matrix product of two 2-D tensors.
Tensor mm(const Tensor& a, const Tensor& b);
/// Batched product of two 3-D tensors.
Tensor bmm(const Tensor& a, const Tensor& b);

// ---- Products built from mm/bmm (their gradients, and gradients of those, come from mm/bmm).
/// beta·self + alpha·(mat1 @ mat2); self broadcasts to [n, p]; beta = 0 ignores self (NaN included).
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
/// beta·self + alpha·bmm(batch1, batch2); self broadcasts to [b, n, p].
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
               const Scalar& alpha = 1);
/// beta·self + alpha·(mat @ vec); self broadcasts to [n].
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
             const Scalar& alpha = 1);
/// beta·self + alpha·Σ_b batch1[b] @ batch2[b]; self broadcasts to [n, p].
Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
              const Scalar& alpha = 1);
/// Matrix [n, m] times vector [m].
Tensor mv(const Tensor& mat, const Tensor& vec);
/// Inner product of two 1-D tensors of one dtype (a 1x1 GEMM).
Tensor dot(const Tensor& self, const Tensor& other);
/// dot for real tensors (no conjugation to do).
Tensor vdot(const Tensor& self, const Tensor& other);
/// Outer product of two 1-D tensors: [n] x [m] -> [n, m].
Tensor outer(const Tensor& self, const Tensor& vec2);
/// Old name of outer.
Tensor ger(const Tensor& self, const Tensor& vec2);
/// Contracts dims_a of a with dims_b of b (pairwise, equal sizes); the result has a's free dims then b's.
Tensor tensordot(const Tensor& a, const Tensor& b, IntArrayRef dims_a, IntArrayRef dims_b);

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// c = a·b + beta·c for 2-D views (c contiguous or any BLIS-acceptable view); copies inputs BLIS cannot read.
void gemm_into(const Tensor& c, const Tensor& a, const Tensor& b, double beta);
}  // namespace detail
#pragma GCC visibility pop

}  // namespace tg

#pragma GCC visibility pop
