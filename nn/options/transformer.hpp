#pragma once
// Options of MultiheadAttention and the Transformer modules with libtorch 1.13's names, defaults and
// constructors, plus PyTorch 2.x's batch_first, norm_first and layer_norm_eps (Python-only options).
#include <cstdint>
#include <functional>
#include <variant>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/container/any.hpp>
#include <tapegrad/nn/enum.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct MultiheadAttentionOptions {
  /// kdim and vdim default to embed_dim (libtorch).
  MultiheadAttentionOptions(std::int64_t embed_dim, std::int64_t num_heads)
      : embed_dim_(embed_dim), num_heads_(num_heads), kdim_(embed_dim), vdim_(embed_dim) {}
  TG_ARG(std::int64_t, embed_dim);
  TG_ARG(std::int64_t, num_heads);
  /// Dropout on the attention weights (training mode only).
  TG_ARG(double, dropout) = 0.0;
  TG_ARG(bool, bias) = true;
  /// Appends learned bias_k / bias_v as one extra key/value position.
  TG_ARG(bool, add_bias_kv) = false;
  /// Appends an all-zero key/value position.
  TG_ARG(bool, add_zero_attn) = false;
  TG_ARG(std::int64_t, kdim);
  TG_ARG(std::int64_t, vdim);
  /// PyTorch's batch_first: inputs and outputs are (N, L, E) instead of (L, N, E).
  TG_ARG(bool, batch_first) = false;
};

/// A Transformer layer's feed-forward activation: relu, gelu (exact) or any function.
using activation_t = std::variant<enumtype::kReLU, enumtype::kGELU, std::function<Tensor(const Tensor&)>>;

struct TransformerEncoderLayerOptions {
  /* implicit */ TransformerEncoderLayerOptions(std::int64_t d_model, std::int64_t nhead)
      : d_model_(d_model), nhead_(nhead) {}
  TG_ARG(std::int64_t, d_model);
  TG_ARG(std::int64_t, nhead);
  TG_ARG(std::int64_t, dim_feedforward) = 2048;
  TG_ARG(double, dropout) = 0.1;
  TG_ARG(activation_t, activation) = tg::kReLU;
  /// PyTorch's options: LayerNorm eps, (N, L, E) layout, and pre-norm blocks (x + f(norm(x))).
  TG_ARG(double, layer_norm_eps) = 1e-5;
  TG_ARG(bool, batch_first) = false;
  TG_ARG(bool, norm_first) = false;
};

struct TransformerDecoderLayerOptions {
  TransformerDecoderLayerOptions(std::int64_t d_model, std::int64_t nhead)
      : d_model_(d_model), nhead_(nhead) {}
  TG_ARG(std::int64_t, d_model);
  TG_ARG(std::int64_t, nhead);
  TG_ARG(std::int64_t, dim_feedforward) = 2048;
  TG_ARG(double, dropout) = 0.1;
  TG_ARG(activation_t, activation) = tg::kReLU;
  TG_ARG(double, layer_norm_eps) = 1e-5;
  TG_ARG(bool, batch_first) = false;
  TG_ARG(bool, norm_first) = false;
};

struct TransformerOptions {
  TransformerOptions() = default;
  TransformerOptions(std::int64_t d_model, std::int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  TransformerOptions(std::int64_t d_model, std::int64_t nhead, std::int64_t num_encoder_layers,
                     std::int64_t num_decoder_layers)
      : d_model_(d_model),
        nhead_(nhead),
        num_encoder_layers_(num_encoder_layers),
        num_decoder_layers_(num_decoder_layers) {}
  TG_ARG(std::int64_t, d_model) = 512;
  TG_ARG(std::int64_t, nhead) = 8;
  TG_ARG(std::int64_t, num_encoder_layers) = 6;
  TG_ARG(std::int64_t, num_decoder_layers) = 6;
  TG_ARG(std::int64_t, dim_feedforward) = 2048;
  TG_ARG(double, dropout) = 0.1;
  TG_ARG(activation_t, activation) = tg::kReLU;
  /// Replace the encoder / decoder; tapegrad calls them only when they hold a TransformerEncoder /
  /// TransformerDecoder (or a subclass), since AnyModule carries at most three tensor arguments.
  TG_ARG(AnyModule, custom_encoder);
  TG_ARG(AnyModule, custom_decoder);
  TG_ARG(double, layer_norm_eps) = 1e-5;
  TG_ARG(bool, batch_first) = false;
  TG_ARG(bool, norm_first) = false;
};

namespace functional {

/// libtorch's options of multi_head_attention_forward (inputs (L, N, E) or unbatched (L, E)).
struct MultiheadAttentionForwardFuncOptions {
  MultiheadAttentionForwardFuncOptions(std::int64_t embed_dim_to_check, std::int64_t num_heads,
                                       Tensor in_proj_weight, Tensor in_proj_bias, Tensor bias_k,
                                       Tensor bias_v, bool add_zero_attn, double dropout_p,
                                       Tensor out_proj_weight, Tensor out_proj_bias)
      : embed_dim_to_check_(embed_dim_to_check),
        num_heads_(num_heads),
        in_proj_weight_(std::move(in_proj_weight)),
        in_proj_bias_(std::move(in_proj_bias)),
        bias_k_(std::move(bias_k)),
        bias_v_(std::move(bias_v)),
        add_zero_attn_(add_zero_attn),
        dropout_p_(dropout_p),
        out_proj_weight_(std::move(out_proj_weight)),
        out_proj_bias_(std::move(out_proj_bias)) {}
  TG_ARG(std::int64_t, embed_dim_to_check);
  TG_ARG(std::int64_t, num_heads);
  TG_ARG(Tensor, in_proj_weight);
  TG_ARG(Tensor, in_proj_bias);
  TG_ARG(Tensor, bias_k);
  TG_ARG(Tensor, bias_v);
  TG_ARG(bool, add_zero_attn);
  TG_ARG(double, dropout_p);
  TG_ARG(Tensor, out_proj_weight);
  TG_ARG(Tensor, out_proj_bias);
  TG_ARG(bool, training) = true;
  TG_ARG(Tensor, key_padding_mask) = {};
  TG_ARG(bool, need_weights) = true;
  TG_ARG(Tensor, attn_mask) = {};
  TG_ARG(bool, use_separate_proj_weight) = false;
  TG_ARG(Tensor, q_proj_weight) = {};
  TG_ARG(Tensor, k_proj_weight) = {};
  TG_ARG(Tensor, v_proj_weight) = {};
  TG_ARG(Tensor, static_k) = {};
  TG_ARG(Tensor, static_v) = {};
  TG_ARG(bool, average_attn_weights) = true;
};

}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
