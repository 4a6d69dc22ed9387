#pragma once
// silu(a) * b as one op (the gate of a SwiGLU feed-forward block, x·W1 ⊙ silu(x·W3)): one pass forward and,
// for same-shaped inputs, one pass backward for both gradients (silu's composed backward and the product's
// took ~45 % of a SwiGLU block's fwd+bwd: bench/notes/norms.md).
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// silu(a) * b = a * sigmoid(a) * b element-wise, a and b broadcasting against each other (same floating
/// dtype). tapegrad's name: PyTorch has no such op (F.silu(a) * b).
Tensor silu_mul(const Tensor& a, const Tensor& b);

}  // namespace tg

#pragma GCC visibility pop
