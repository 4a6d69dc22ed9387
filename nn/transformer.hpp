#pragma once
// The Transformer modules of libtorch 1.13 (nn/modules/transformer*.h): encoder and decoder layers,
// their stacks and the full encoder-decoder, with libtorch's options, submodule names (so PyTorch
// state_dicts load) and forward signatures, plus PyTorch's norm_first, batch_first and layer_norm_eps.
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/container/any.hpp>
#include <tapegrad/nn/container/module_list.hpp>
#include <tapegrad/nn/dropout.hpp>
#include <tapegrad/nn/layer_norm.hpp>
#include <tapegrad/nn/linear.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/multihead_attention.hpp>
#include <tapegrad/nn/options/transformer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// Self-attention then a feed-forward block, each wrapped as x + block(x) and LayerNorm'ed after
/// (before, inside the residual, with norm_first).
class TransformerEncoderLayerImpl : public Cloneable<TransformerEncoderLayerImpl> {
 public:
  TransformerEncoderLayerImpl(std::int64_t d_model, std::int64_t nhead)
      : TransformerEncoderLayerImpl(TransformerEncoderLayerOptions(d_model, nhead)) {}
  explicit TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions& options);

  /// src (S, N, E) ((N, S, E) with batch_first; (S, E) unbatched); masks as MultiheadAttention's.
  Tensor forward(const Tensor& src, const Tensor& src_mask = {}, const Tensor& src_key_padding_mask = {});
  void reset() override;
  void reset_parameters();

  TransformerEncoderLayerOptions options;
  MultiheadAttention self_attn = nullptr;
  Linear linear1 = nullptr;
  Dropout dropout = nullptr;
  Linear linear2 = nullptr;
  LayerNorm norm1 = nullptr;
  LayerNorm norm2 = nullptr;
  Dropout dropout1 = nullptr;
  Dropout dropout2 = nullptr;

 private:
  Tensor feed_forward(const Tensor& x);
};
TG_MODULE(TransformerEncoderLayer);

/// Self-attention, attention over the encoder's memory, then a feed-forward block (each residual).
class TransformerDecoderLayerImpl : public Cloneable<TransformerDecoderLayerImpl> {
 public:
  TransformerDecoderLayerImpl(std::int64_t d_model, std::int64_t nhead)
      : TransformerDecoderLayerImpl(TransformerDecoderLayerOptions(d_model, nhead)) {}
  explicit TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions& options);

  void reset() override;
  void reset_parameters();
  /// tgt (T, N, E) and memory (S, N, E) ((N, T, E), (N, S, E) with batch_first).
  Tensor forward(Tensor tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});

  TransformerDecoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  Dropout dropout1{nullptr};
  LayerNorm norm1{nullptr};
  MultiheadAttention multihead_attn{nullptr};
  Dropout dropout2{nullptr};
  LayerNorm norm2{nullptr};
  Linear linear1{nullptr};
  Dropout dropout{nullptr};
  Linear linear2{nullptr};
  Dropout dropout3{nullptr};
  LayerNorm norm3{nullptr};

 protected:
  Tensor activation(const Tensor& input);
};
TG_MODULE(TransformerDecoderLayer);

struct TransformerEncoderOptions {
  /// Keeps a handle to encoder_layer; the stack holds num_layers clones of it.
  TransformerEncoderOptions(TransformerEncoderLayer encoder_layer, std::int64_t num_layers)
      : encoder_layer_(std::move(encoder_layer)), num_layers_(num_layers) {}
  /// Builds the layer from its options.
  TransformerEncoderOptions(const TransformerEncoderLayerOptions& encoder_layer_options,
                            std::int64_t num_layers)
      : encoder_layer_(encoder_layer_options), num_layers_(num_layers) {}
  TG_ARG(TransformerEncoderLayer, encoder_layer) = nullptr;
  TG_ARG(std::int64_t, num_layers);
  /// Applied to the last layer's output when set (e.g. AnyModule(LayerNorm(...))).
  TG_ARG(AnyModule, norm);
};

struct TransformerDecoderOptions {
  TransformerDecoderOptions(TransformerDecoderLayer decoder_layer, std::int64_t num_layers)
      : decoder_layer_(std::move(decoder_layer)), num_layers_(num_layers) {}
  TransformerDecoderOptions(const TransformerDecoderLayerOptions& decoder_layer_options,
                            std::int64_t num_layers)
      : decoder_layer_(decoder_layer_options), num_layers_(num_layers) {}
  TG_ARG(TransformerDecoderLayer, decoder_layer) = nullptr;
  TG_ARG(std::int64_t, num_layers);
  TG_ARG(AnyModule, norm);
};

/// num_layers clones of an encoder layer ("layers.0", "layers.1", ...), then the optional "norm".
class TransformerEncoderImpl : public Cloneable<TransformerEncoderImpl> {
 public:
  TransformerEncoderImpl(TransformerEncoderLayer encoder_layer, std::int64_t num_layers)
      : TransformerEncoderImpl(TransformerEncoderOptions(std::move(encoder_layer), num_layers)) {}
  explicit TransformerEncoderImpl(TransformerEncoderOptions options);

  Tensor forward(const Tensor& src, const Tensor& src_mask = {}, const Tensor& src_key_padding_mask = {});
  void reset() override;
  void reset_parameters();

  TransformerEncoderOptions options;
  ModuleList layers = nullptr;
  AnyModule norm;
};
TG_MODULE(TransformerEncoder);

class TransformerDecoderImpl : public Cloneable<TransformerDecoderImpl> {
 public:
  TransformerDecoderImpl(TransformerDecoderLayer decoder_layer, std::int64_t num_layers)
      : TransformerDecoderImpl(TransformerDecoderOptions(std::move(decoder_layer), num_layers)) {}
  explicit TransformerDecoderImpl(TransformerDecoderOptions options);

  void reset() override;
  void reset_parameters();
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});

  TransformerDecoderOptions options;
  ModuleList layers{nullptr};
  AnyModule norm;
};
TG_MODULE(TransformerDecoder);

/// The encoder-decoder of "Attention Is All You Need": "encoder" and "decoder" (each with a final
/// LayerNorm), parameters of rank > 1 xavier_uniform_-initialized.
class TransformerImpl : public Cloneable<TransformerImpl> {
 public:
  explicit TransformerImpl(TransformerOptions options);

  /// src (S, N, E), tgt (T, N, E) ((N, S, E), (N, T, E) with batch_first) -> (T, N, E).
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = {},
                 const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& src_key_padding_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});
  void reset() override;
  void reset_parameters();
  /// A float [sz, sz] mask: -inf above the diagonal (future positions), 0 elsewhere.
  static Tensor generate_square_subsequent_mask(std::int64_t sz);

  TransformerOptions options;
  AnyModule encoder;
  AnyModule decoder;
};
TG_MODULE(Transformer);

}  // namespace tg::nn

#pragma GCC visibility pop
