#pragma once
// MultiheadAttention as libtorch 1.13's (parameters, init, forward and (L, N, E) layout), with
// PyTorch 2.x's batch_first, average_attn_weights, unbatched (L, E) inputs, and the fused
// tg::scaled_dot_product_attention when the attention weights are not asked for.
#include <tuple>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/linear.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/transformer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

namespace functional {
/// Multi-head attention of query (L, N, E), key (S, N, kdim), value (S, N, vdim) (or unbatched (L, E),
/// (S, kdim), (S, vdim)). Returns the output (L, N, E) and, if need_weights, the attention weights
/// (N, L, S), or (N, num_heads, L, S) without average_attn_weights; otherwise an undefined tensor.
/// Masks follow PyTorch's MultiheadAttention: a bool attn_mask ((L, S) or (N * num_heads, L, S)) or
/// key_padding_mask ((N, S)) is true where attention is NOT allowed; float masks are added to the scores.
/// A query that may attend no key gives NaN with need_weights (PyTorch's softmax) and zeros without.
std::tuple<Tensor, Tensor> multi_head_attention_forward(const Tensor& query, const Tensor& key,
                                                        const Tensor& value,
                                                        const MultiheadAttentionForwardFuncOptions& options);
}  // namespace functional

class MultiheadAttentionImpl : public Cloneable<MultiheadAttentionImpl> {
 public:
  MultiheadAttentionImpl(std::int64_t embed_dim, std::int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);

  /// (L, N, E) inputs ((N, L, E) with batch_first; (L, E) unbatched) -> (output, attention weights).
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {}, bool average_attn_weights = true);

  void reset() override;
  /// libtorch's init: xavier_uniform_ projections, zero in_proj_bias and out_proj.bias,
  /// xavier_normal_ bias_k / bias_v (out_proj.weight keeps Linear's init).
  void _reset_parameters();

  MultiheadAttentionOptions options;
  bool _qkv_same_embed_dim = true;
  Tensor in_proj_weight;  // [3 * embed_dim, embed_dim] when kdim == vdim == embed_dim
  Tensor in_proj_bias;    // [3 * embed_dim] with bias
  Tensor bias_k;          // [1, 1, embed_dim] with add_bias_kv
  Tensor bias_v;
  Linear out_proj = nullptr;
  Tensor q_proj_weight;  // [embed_dim, embed_dim] when kdim or vdim differ
  Tensor k_proj_weight;  // [embed_dim, kdim]
  Tensor v_proj_weight;  // [embed_dim, vdim]
  std::int64_t head_dim = 0;
};
TG_MODULE(MultiheadAttention);

}  // namespace tg::nn

#pragma GCC visibility pop
