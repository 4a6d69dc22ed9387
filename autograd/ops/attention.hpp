#pragma once
// scaled_dot_product_attention with PyTorch 2.x's semantics (libtorch 1.13 has no SDPA): one fused op whose
// forward is a blocked online softmax over key blocks and whose backward recomputes the blocks
// (FlashAttention-2), so no [L, S] score matrix is kept. See Note [fused attention] in attention.cpp.
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// softmax(query · keyᵀ · scale + mask) · value for query [..., L, E], key [..., S, E], value [..., S, Ev]
/// (leading dims broadcast) giving [..., L, Ev]. attn_mask broadcasts to [..., L, S]: bool (true = attend)
/// or additive in query's dtype. is_causal lets query row i attend key columns j <= i (upper-left aligned,
/// PyTorch 2.x's tril(ones(L, S))); it excludes attn_mask. dropout_p zeroes attention weights with that
/// probability (tapegrad's generator) and scales the others by 1 / (1 - dropout_p); scale defaults to
/// 1 / sqrt(E). A query row that may attend no key gives zeros and zero gradients (as FlashAttention; the
/// softmax of PyTorch's documented reference gives NaN there).
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0,
                                    bool is_causal = false, std::optional<double> scale = std::nullopt);

}  // namespace tg

#pragma GCC visibility pop
