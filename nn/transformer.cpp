#include <limits>
#include <type_traits>

#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/scatter.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/init.hpp>
#include <tapegrad/nn/transformer.hpp>

namespace tg::nn {

namespace {

Tensor apply_activation(const activation_t& activation, const Tensor& x) {
  return std::visit(
      [&](const auto& f) -> Tensor {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, enumtype::kReLU>)
          return relu(x);
        else if constexpr (std::is_same_v<F, enumtype::kGELU>)
          return gelu(x);
        else
          return f(x);
      },
      activation);
}

void check_layer_options(const char* module, std::int64_t d_model, std::int64_t nhead,
                         std::int64_t dim_feedforward, double dropout) {
  check(d_model > 0 && nhead > 0 && dim_feedforward > 0, module,
        "d_model, nhead and dim_feedforward must be positive, got ", d_model, ", ", nhead, " and ",
        dim_feedforward);
  check(d_model % nhead == 0, module, "embed_dim must be divisible by num_heads (d_model ", d_model,
        ", nhead ", nhead, ")");
  check(dropout >= 0.0 && dropout <= 1.0, module, "dropout probability has to be between 0 and 1, but got ",
        dropout);
}

// Self-attention and cross-attention never return their weights inside the layers: the fused path.
Tensor attend(MultiheadAttention& attention, const Tensor& query, const Tensor& key_value, const Tensor& mask,
              const Tensor& key_padding_mask) {
  return std::get<0>(
      attention->forward(query, key_value, key_value, key_padding_mask, /*need_weights=*/false, mask));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// TransformerEncoderLayer

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions& options)
    : options(options) {
  check_layer_options("TransformerEncoderLayer", options.d_model(), options.nhead(),
                      options.dim_feedforward(), options.dropout());
  reset();
}

void TransformerEncoderLayerImpl::reset() {
  const auto& o = options;
  self_attn =
      register_module("self_attn", MultiheadAttention(MultiheadAttentionOptions(o.d_model(), o.nhead())
                                                          .dropout(o.dropout())
                                                          .batch_first(o.batch_first())));
  linear1 = register_module("linear1", Linear(o.d_model(), o.dim_feedforward()));
  dropout = register_module("dropout", Dropout(o.dropout()));
  linear2 = register_module("linear2", Linear(o.dim_feedforward(), o.d_model()));
  norm1 = register_module("norm1", LayerNorm(LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps())));
  norm2 = register_module("norm2", LayerNorm(LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps())));
  dropout1 = register_module("dropout1", Dropout(o.dropout()));
  dropout2 = register_module("dropout2", Dropout(o.dropout()));
}

void TransformerEncoderLayerImpl::reset_parameters() {
  self_attn->_reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
}

Tensor TransformerEncoderLayerImpl::feed_forward(const Tensor& x) {
  return dropout2(linear2(dropout(apply_activation(options.activation(), linear1(x)))));
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const Tensor& src_mask,
                                            const Tensor& src_key_padding_mask) {
  if (options.norm_first()) {
    const Tensor normed = norm1(src);
    const Tensor x = src + dropout1(attend(self_attn, normed, normed, src_mask, src_key_padding_mask));
    return x + feed_forward(norm2(x));
  }
  const Tensor x = norm1(src + dropout1(attend(self_attn, src, src, src_mask, src_key_padding_mask)));
  return norm2(x + feed_forward(x));
}

// ---------------------------------------------------------------------------------------------------------------
// TransformerDecoderLayer

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions& options)
    : options(options) {
  check_layer_options("TransformerDecoderLayer", options.d_model(), options.nhead(),
                      options.dim_feedforward(), options.dropout());
  reset();
}

void TransformerDecoderLayerImpl::reset() {
  const auto& o = options;
  const auto attention_options =
      MultiheadAttentionOptions(o.d_model(), o.nhead()).dropout(o.dropout()).batch_first(o.batch_first());
  const auto norm_options = LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps());
  self_attn = register_module("self_attn", MultiheadAttention(attention_options));
  dropout1 = register_module("dropout1", Dropout(o.dropout()));
  norm1 = register_module("norm1", LayerNorm(norm_options));
  multihead_attn = register_module("multihead_attn", MultiheadAttention(attention_options));
  dropout2 = register_module("dropout2", Dropout(o.dropout()));
  norm2 = register_module("norm2", LayerNorm(norm_options));
  linear1 = register_module("linear1", Linear(o.d_model(), o.dim_feedforward()));
  dropout = register_module("dropout", Dropout(o.dropout()));
  linear2 = register_module("linear2", Linear(o.dim_feedforward(), o.d_model()));
  dropout3 = register_module("dropout3", Dropout(o.dropout()));
  norm3 = register_module("norm3", LayerNorm(norm_options));
}

void TransformerDecoderLayerImpl::reset_parameters() {
  self_attn->_reset_parameters();
  multihead_attn->_reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
  norm3->reset_parameters();
}

Tensor TransformerDecoderLayerImpl::activation(const Tensor& input) {
  return apply_activation(options.activation(), input);
}

Tensor TransformerDecoderLayerImpl::forward(Tensor tgt, const Tensor& memory, const Tensor& tgt_mask,
                                            const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                            const Tensor& memory_key_padding_mask) {
  auto self_block = [&](const Tensor& x) {
    return dropout1(attend(self_attn, x, x, tgt_mask, tgt_key_padding_mask));
  };
  auto memory_block = [&](const Tensor& x) {
    return dropout2(attend(multihead_attn, x, memory, memory_mask, memory_key_padding_mask));
  };
  auto feed_forward = [&](const Tensor& x) { return dropout3(linear2(dropout(activation(linear1(x))))); };
  if (options.norm_first()) {
    tgt = tgt + self_block(norm1(tgt));
    tgt = tgt + memory_block(norm2(tgt));
    return tgt + feed_forward(norm3(tgt));
  }
  tgt = norm1(tgt + self_block(tgt));
  tgt = norm2(tgt + memory_block(tgt));
  return norm3(tgt + feed_forward(tgt));
}

// ---------------------------------------------------------------------------------------------------------------
// TransformerEncoder / TransformerDecoder

namespace {

template <class LayerHolder>
ModuleList cloned_layers(const char* module, const LayerHolder& layer, std::int64_t num_layers) {
  check(!layer.is_empty(), module, "the layer to clone is empty (nullptr)");
  check(num_layers >= 0, module, "num_layers must be non-negative, got ", num_layers);
  ModuleList layers;
  for (std::int64_t i = 0; i < num_layers; ++i) layers->push_back(layer->clone());
  return layers;
}

// The stacks' optional final norm: a clone of the configured one, registered as "norm".
AnyModule registered_norm(Module& stack, const AnyModule& configured) {
  if (configured.is_empty()) return AnyModule();
  AnyModule norm = configured.clone();
  stack.register_module("norm", norm.ptr());
  return norm;
}

template <class LayerImpl>
void reset_stack_parameters(const ModuleList& layers, const AnyModule& norm) {
  for (const auto& layer : *layers) layer->as<LayerImpl>()->reset_parameters();
  if (auto* layer_norm = norm.is_empty() ? nullptr : norm.ptr()->as<LayerNormImpl>())
    layer_norm->reset_parameters();
}

}  // namespace

TransformerEncoderImpl::TransformerEncoderImpl(TransformerEncoderOptions options)
    : options(std::move(options)) {
  reset();
}

void TransformerEncoderImpl::reset() {
  layers = register_module(
      "layers", cloned_layers("TransformerEncoder", options.encoder_layer(), options.num_layers()));
  norm = registered_norm(*this, options.norm());
}

void TransformerEncoderImpl::reset_parameters() {
  reset_stack_parameters<TransformerEncoderLayerImpl>(layers, norm);
}

Tensor TransformerEncoderImpl::forward(const Tensor& src, const Tensor& src_mask,
                                       const Tensor& src_key_padding_mask) {
  Tensor output = src;
  for (std::size_t i = 0; i < layers->size(); ++i)
    output = layers->at<TransformerEncoderLayerImpl>(i).forward(output, src_mask, src_key_padding_mask);
  return norm.is_empty() ? output : norm.forward(output);
}

TransformerDecoderImpl::TransformerDecoderImpl(TransformerDecoderOptions options)
    : options(std::move(options)) {
  reset();
}

void TransformerDecoderImpl::reset() {
  layers = register_module(
      "layers", cloned_layers("TransformerDecoder", options.decoder_layer(), options.num_layers()));
  norm = registered_norm(*this, options.norm());
}

void TransformerDecoderImpl::reset_parameters() {
  reset_stack_parameters<TransformerDecoderLayerImpl>(layers, norm);
}

Tensor TransformerDecoderImpl::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                       const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                       const Tensor& memory_key_padding_mask) {
  Tensor output = tgt;
  for (std::size_t i = 0; i < layers->size(); ++i)
    output = layers->at<TransformerDecoderLayerImpl>(i).forward(
        output, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  return norm.is_empty() ? output : norm.forward(output);
}

// ---------------------------------------------------------------------------------------------------------------
// Transformer

TransformerImpl::TransformerImpl(TransformerOptions options) : options(std::move(options)) { reset(); }

void TransformerImpl::reset() {
  const auto& o = options;
  const auto norm = [&] {
    return AnyModule(LayerNorm(LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps())));
  };
  if (o.custom_encoder().is_empty()) {
    const auto layer = TransformerEncoderLayerOptions(o.d_model(), o.nhead())
                           .dim_feedforward(o.dim_feedforward())
                           .dropout(o.dropout())
                           .activation(o.activation())
                           .layer_norm_eps(o.layer_norm_eps())
                           .batch_first(o.batch_first())
                           .norm_first(o.norm_first());
    encoder =
        AnyModule(TransformerEncoder(TransformerEncoderOptions(layer, o.num_encoder_layers()).norm(norm())));
  } else {
    encoder = o.custom_encoder().clone();
  }
  register_module("encoder", encoder.ptr());
  if (o.custom_decoder().is_empty()) {
    const auto layer = TransformerDecoderLayerOptions(o.d_model(), o.nhead())
                           .dim_feedforward(o.dim_feedforward())
                           .dropout(o.dropout())
                           .activation(o.activation())
                           .layer_norm_eps(o.layer_norm_eps())
                           .batch_first(o.batch_first())
                           .norm_first(o.norm_first());
    decoder =
        AnyModule(TransformerDecoder(TransformerDecoderOptions(layer, o.num_decoder_layers()).norm(norm())));
  } else {
    decoder = o.custom_decoder().clone();
  }
  register_module("decoder", decoder.ptr());
  reset_parameters();
}

void TransformerImpl::reset_parameters() {
  NoGradGuard no_grad;
  for (Tensor& parameter : parameters())
    if (parameter.dim() > 1) init::xavier_uniform_(parameter);
}

Tensor TransformerImpl::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask,
                                const Tensor& tgt_mask, const Tensor& memory_mask,
                                const Tensor& src_key_padding_mask, const Tensor& tgt_key_padding_mask,
                                const Tensor& memory_key_padding_mask) {
  tg::detail::check_defined("Transformer", "src", src);
  tg::detail::check_defined("Transformer", "tgt", tgt);
  check(src.dim() == tgt.dim() && (src.dim() == 2 || src.dim() == 3), "Transformer",
        "src and tgt must both be 3-D (batched) or 2-D (unbatched), got shapes ", src.sizes(), " and ",
        tgt.sizes());
  const std::int64_t batch_dim = options.batch_first() ? 0 : 1;
  if (src.dim() == 3)
    check(src.size(batch_dim) == tgt.size(batch_dim), "Transformer",
          "src and tgt should have equal batch size (at dim ", batch_dim, "), got shapes ", src.sizes(),
          " and ", tgt.sizes());
  check(src.size(-1) == options.d_model() && tgt.size(-1) == options.d_model(), "Transformer",
        "src and tgt should have same feature size as d_model (", options.d_model(), "), got shapes ",
        src.sizes(), " and ", tgt.sizes());
  auto* encoder_impl = encoder.ptr()->as<TransformerEncoderImpl>();
  auto* decoder_impl = decoder.ptr()->as<TransformerDecoderImpl>();
  check(encoder_impl != nullptr && decoder_impl != nullptr, "Transformer",
        "tapegrad calls a custom encoder / decoder only when it is a TransformerEncoder / "
        "TransformerDecoder, got ",
        encoder.ptr()->name(), " and ", decoder.ptr()->name());
  const Tensor memory = encoder_impl->forward(src, src_mask, src_key_padding_mask);
  return decoder_impl->forward(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                               memory_key_padding_mask);
}

Tensor TransformerImpl::generate_square_subsequent_mask(std::int64_t sz) {
  check(sz >= 0, "Transformer::generate_square_subsequent_mask",
        "Input size must be non-negative to generate a valid square subsequent mask, but got ", sz);
  return triu(full({sz, sz}, -std::numeric_limits<double>::infinity()), 1);
}

}  // namespace tg::nn
