#pragma once
// Matrix products through BLIS, reading transposed and sliced views through their strides.
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

/// Any ranks >= 1: 1-D·1-D is a dot product, a 1-D side gains (then loses) a matrix dim, and the
/// batch dims (all but the last two) broadcast NumPy-style.
Tensor matmul(const Tensor& a, const Tensor& b);
/// Matrix product of two 2-D tensors.
Tensor mm(const Tensor& a, const Tensor& b);
/// Batched product of two 3-D tensors.
Tensor bmm(const Tensor& a, const Tensor& b);

namespace detail {
/// c = a·b + beta·c for 2-D views (c contiguous or any BLIS-acceptable view); copies inputs BLIS cannot read.
void gemm_into(const Tensor& c, const Tensor& a, const Tensor& b, double beta);
}  // namespace detail

}  // namespace tg
