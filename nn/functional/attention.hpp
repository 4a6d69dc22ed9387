#pragma once
#include <tapegrad/autograd/ops/attention.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// PyTorch 2.x's F.scaled_dot_product_attention (tg::scaled_dot_product_attention).
using tg::scaled_dot_product_attention;

}  // namespace tg::nn::functional

#pragma GCC visibility pop
