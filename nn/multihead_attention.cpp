#include <cmath>
#include <limits>
#include <vector>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/attention.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/linear.hpp>
#include <tapegrad/autograd/ops/matmul.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/softmax.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/functional/dropout.hpp>
#include <tapegrad/nn/init.hpp>
#include <tapegrad/nn/multihead_attention.hpp>

namespace tg::nn {

namespace {

constexpr const char* kOp = "MultiheadAttention";

// One extra key position (bias_k or add_zero_attn) is never masked: masks get a column of "allowed".
Tensor append_allowed_column(const Tensor& mask) {
  if (!mask.defined()) return mask;
  Shape column_sizes = mask.sizes();
  column_sizes.back() = 1;
  return cat({mask, zeros(column_sizes, mask.dtype())}, -1);
}

// PyTorch's masks are bool (true = masked out), float (added to the scores) or, deprecated, uint8.
Tensor normalized_mask(const Tensor& mask, const char* what, Dtype score_dtype) {
  if (!mask.defined()) return mask;
  if (mask.dtype() == kUInt8) return mask.to(kBool);
  check(mask.dtype() == kBool || mask.is_floating_point(), kOp, "only bool and floating types of ", what,
        " are supported, got ", mask.dtype());
  return mask.dtype() == kBool ? mask : mask.to(score_dtype);
}

Tensor as_additive(const Tensor& mask, Dtype dtype) {
  if (mask.dtype() != kBool) return mask;
  return zeros(mask.sizes(), dtype).masked_fill(mask, -std::numeric_limits<double>::infinity());
}

// Combines attn_mask (broadcasting to [N, H, L, S]) and key_padding_mask ([N, 1, 1, S]) into one mask
// that is either bool (true = masked out) or additive.
Tensor merged_mask(const Tensor& attn_mask, const Tensor& key_padding_mask, Dtype dtype) {
  if (!attn_mask.defined()) return key_padding_mask;
  if (!key_padding_mask.defined()) return attn_mask;
  if (attn_mask.dtype() == kBool && key_padding_mask.dtype() == kBool)
    return attn_mask.logical_or(key_padding_mask);
  return as_additive(attn_mask, dtype) + as_additive(key_padding_mask, dtype);
}

struct Projections {
  Tensor q_weight, k_weight, v_weight, q_bias, k_bias, v_bias;
};

Projections projections(const functional::MultiheadAttentionForwardFuncOptions& o, std::int64_t embed_dim) {
  Projections p;
  if (o.use_separate_proj_weight()) {
    p.q_weight = o.q_proj_weight();
    p.k_weight = o.k_proj_weight();
    p.v_weight = o.v_proj_weight();
    for (const Tensor* w : {&p.q_weight, &p.k_weight, &p.v_weight})
      check(w->defined(), kOp, "use_separate_proj_weight is true but q_proj_weight, k_proj_weight or ",
            "v_proj_weight is undefined");
  } else {
    const Tensor& w = o.in_proj_weight();
    check(w.defined() && w.dim() == 2 && w.size(0) == 3 * embed_dim, kOp, "in_proj_weight must be [",
          3 * embed_dim, ", ", embed_dim, "], got ", w.defined() ? w.sizes() : Shape{});
    p.q_weight = w.narrow(0, 0, embed_dim);
    p.k_weight = w.narrow(0, embed_dim, embed_dim);
    p.v_weight = w.narrow(0, 2 * embed_dim, embed_dim);
  }
  if (const Tensor& b = o.in_proj_bias(); b.defined()) {
    check(b.dim() == 1 && b.size(0) == 3 * embed_dim, kOp, "in_proj_bias must be [", 3 * embed_dim, "], got ",
          b.sizes());
    p.q_bias = b.narrow(0, 0, embed_dim);
    p.k_bias = b.narrow(0, embed_dim, embed_dim);
    p.v_bias = b.narrow(0, 2 * embed_dim, embed_dim);
  }
  return p;
}

// [N, T, E] -> [N, H, T, E / H]
Tensor split_heads(const Tensor& x, std::int64_t heads) {
  return x.reshape({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

// static_k / static_v: [N * H, S, E / H] replacing the projected keys / values.
Tensor static_heads(const Tensor& x, const char* what, std::int64_t batch, std::int64_t heads,
                    std::int64_t head_dim) {
  check(x.dim() == 3 && x.size(0) == batch * heads && x.size(2) == head_dim, kOp, "expecting ", what,
        " of shape [", batch * heads, ", S, ", head_dim, "], but got ", x.sizes());
  return x.reshape({batch, heads, x.size(1), head_dim});
}

struct Batched {
  Tensor query, key, value, key_padding_mask;
};

// Checks the shapes and makes unbatched inputs batched (N = 1).
Batched batched_inputs(const Tensor& query, const Tensor& key, const Tensor& value,
                       const Tensor& key_padding_mask) {
  for (const Tensor* t : {&query, &key, &value}) tg::detail::check_defined(kOp, "query, key and value", *t);
  check(query.dim() == 2 || query.dim() == 3, kOp,
        "query should be unbatched 2D or batched 3D tensor but received ", query.dim(),
        "-D query tensor of shape ", query.sizes());
  check(key.dim() == query.dim() && value.dim() == query.dim(), kOp, "For ",
        query.dim() == 3 ? "batched" : "unbatched", " (", query.dim(),
        "-D) `query`, expected `key` and `value` to be ", query.dim(), "-D but found ", key.dim(), "-D and ",
        value.dim(), "-D tensors respectively (shapes ", query.sizes(), ", ", key.sizes(), ", ",
        value.sizes(), ")");
  if (query.dim() == 3) {
    check(key.size(1) == query.size(1) && value.size(1) == query.size(1) && key.size(0) == value.size(0), kOp,
          "key ", key.sizes(), " and value ", value.sizes(), " must match query ", query.sizes(),
          " in batch size (dim 1) and each other in sequence length (dim 0)");
    return {query, key, value, key_padding_mask};
  }
  check(key.size(0) == value.size(0), kOp, "key ", key.sizes(), " and value ", value.sizes(),
        " must have the same sequence length");
  Tensor padding = key_padding_mask;
  if (padding.defined()) {
    check(padding.dim() == 1, kOp,
          "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found ",
          padding.dim(), "-D tensor of shape ", padding.sizes());
    padding = padding.unsqueeze(0);
  }
  return {query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1), padding};
}

// attn_mask as [L, S] or [N, H, L, S], checked against the key length before bias_k / zero columns.
Tensor shaped_attn_mask(const Tensor& mask, std::int64_t batch, std::int64_t heads, std::int64_t target,
                        std::int64_t source) {
  if (!mask.defined()) return mask;
  if (mask.dim() == 2) {
    check(mask.size(0) == target && mask.size(1) == source, kOp, "The shape of the 2D attn_mask is ",
          mask.sizes(), ", but should be ", Shape{target, source}, ".");
    return mask;
  }
  check(mask.dim() == 3, kOp, "attn_mask's dimension ", mask.dim(), " is not supported (shape ", mask.sizes(),
        ")");
  check(mask.size(0) == batch * heads && mask.size(1) == target && mask.size(2) == source, kOp,
        "The shape of the 3D attn_mask is ", mask.sizes(), ", but should be ",
        Shape{batch * heads, target, source}, ".");
  return mask.reshape({batch, heads, target, source});
}

}  // namespace

namespace functional {

std::tuple<Tensor, Tensor> multi_head_attention_forward(const Tensor& query_in, const Tensor& key_in,
                                                        const Tensor& value_in,
                                                        const MultiheadAttentionForwardFuncOptions& o) {
  const bool is_batched = query_in.dim() == 3;
  const Batched in = batched_inputs(query_in, key_in, value_in, o.key_padding_mask());
  const std::int64_t target = in.query.size(0), batch = in.query.size(1), embed_dim = in.query.size(2);
  const std::int64_t source = in.key.size(0), heads = o.num_heads();
  check(embed_dim == o.embed_dim_to_check(), kOp, "was expecting embedding dimension of ",
        o.embed_dim_to_check(), ", but got ", embed_dim, " (query of shape ", query_in.sizes(), ")");
  check(heads > 0 && embed_dim % heads == 0, kOp, "embed_dim must be divisible by num_heads (embed_dim ",
        embed_dim, ", num_heads ", heads, ")");
  const std::int64_t head_dim = embed_dim / heads;
  const Dtype dtype = in.query.dtype();

  Tensor attn_mask =
      shaped_attn_mask(normalized_mask(o.attn_mask(), "attn_mask", dtype), batch, heads, target, source);
  Tensor padding = normalized_mask(in.key_padding_mask, "key_padding_mask", dtype);
  if (padding.defined())
    check(padding.dim() == 2 && padding.size(0) == batch && padding.size(1) == source, kOp,
          "expecting key_padding_mask shape of ", Shape{batch, source}, ", but got ", padding.sizes());

  // Work batch-first: [N, T, E].
  const Projections p = projections(o, embed_dim);
  Tensor q, k, v;
  if (!o.use_separate_proj_weight() && query_in.is_same(key_in) && key_in.is_same(value_in)) {
    // Self-attention: one GEMM projects all three, as PyTorch's in_proj.
    const std::vector<Tensor> qkv =
        linear(in.query.transpose(0, 1), o.in_proj_weight(), o.in_proj_bias()).chunk(3, -1);
    q = qkv[0];
    k = qkv[1];
    v = qkv[2];
  } else {
    q = linear(in.query.transpose(0, 1), p.q_weight, p.q_bias);
    k = linear(in.key.transpose(0, 1), p.k_weight, p.k_bias);
    v = linear(in.value.transpose(0, 1), p.v_weight, p.v_bias);
  }

  if (o.bias_k().defined() || o.bias_v().defined()) {
    check(o.bias_k().defined() && o.bias_v().defined(), kOp,
          "bias_k and bias_v must both be defined or both not");
    check(!o.static_k().defined() && !o.static_v().defined(), kOp,
          "bias cannot be added to static key or value");
    k = cat({k, o.bias_k().reshape({1, 1, embed_dim}).expand({batch, 1, embed_dim})}, 1);
    v = cat({v, o.bias_v().reshape({1, 1, embed_dim}).expand({batch, 1, embed_dim})}, 1);
    attn_mask = append_allowed_column(attn_mask);
    padding = append_allowed_column(padding);
  }

  q = split_heads(q, heads);
  k = o.static_k().defined() ? static_heads(o.static_k(), "static_k", batch, heads, head_dim)
                             : split_heads(k, heads);
  v = o.static_v().defined() ? static_heads(o.static_v(), "static_v", batch, heads, head_dim)
                             : split_heads(v, heads);

  if (o.add_zero_attn()) {
    k = cat({k, zeros({batch, heads, 1, head_dim}, k.dtype())}, 2);
    v = cat({v, zeros({batch, heads, 1, head_dim}, v.dtype())}, 2);
    attn_mask = append_allowed_column(attn_mask);
    padding = append_allowed_column(padding);
  }
  if (padding.defined()) padding = padding.reshape({batch, 1, 1, padding.size(1)});
  const Tensor mask = merged_mask(attn_mask, padding, dtype);
  const double dropout_p = o.training() ? o.dropout_p() : 0.0;

  Tensor heads_out, weights;
  if (o.need_weights()) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    Tensor scores = matmul(q * scale, k.transpose(-2, -1));
    if (mask.defined())
      scores = mask.dtype() == kBool ? scores.masked_fill(mask, -std::numeric_limits<double>::infinity())
                                     : scores + mask;
    weights = softmax(scores, -1);
    if (dropout_p > 0.0) weights = nn::functional::dropout(weights, dropout_p, true);
    heads_out = matmul(weights, v);
  } else {
    // SDPA's bool masks mean "may attend", the opposite of MultiheadAttention's.
    const Tensor sdpa_mask = mask.defined() && mask.dtype() == kBool ? mask.logical_not() : mask;
    heads_out = scaled_dot_product_attention(q, k, v, sdpa_mask, dropout_p);
  }

  Tensor out = heads_out.transpose(1, 2).reshape({batch, target, embed_dim});
  out = linear(out, o.out_proj_weight(), o.out_proj_bias()).transpose(0, 1);
  if (!is_batched) out = out.squeeze(1);
  if (weights.defined()) {
    if (o.average_attn_weights()) weights = weights.mean({1});
    if (!is_batched) weights = weights.squeeze(0);
  }
  return {out, weights};
}

}  // namespace functional

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& options) : options(options) {
  reset();
}

void MultiheadAttentionImpl::reset() {
  const std::int64_t embed_dim = options.embed_dim(), heads = options.num_heads();
  check(embed_dim > 0 && heads > 0, kOp, "embed_dim and num_heads must be positive, got ", embed_dim, " and ",
        heads);
  check(embed_dim % heads == 0, kOp, "embed_dim must be divisible by num_heads (embed_dim ", embed_dim,
        ", num_heads ", heads, ")");
  check(options.kdim() > 0 && options.vdim() > 0, kOp, "kdim and vdim must be positive, got ", options.kdim(),
        " and ", options.vdim());
  head_dim = embed_dim / heads;
  _qkv_same_embed_dim = options.kdim() == embed_dim && options.vdim() == embed_dim;
  if (_qkv_same_embed_dim) {
    in_proj_weight = register_parameter("in_proj_weight", empty({3 * embed_dim, embed_dim}));
    q_proj_weight = k_proj_weight = v_proj_weight = Tensor();
  } else {
    q_proj_weight = register_parameter("q_proj_weight", empty({embed_dim, embed_dim}));
    k_proj_weight = register_parameter("k_proj_weight", empty({embed_dim, options.kdim()}));
    v_proj_weight = register_parameter("v_proj_weight", empty({embed_dim, options.vdim()}));
    in_proj_weight = Tensor();
  }
  in_proj_bias = options.bias() ? register_parameter("in_proj_bias", empty({3 * embed_dim})) : Tensor();
  out_proj = register_module("out_proj", Linear(LinearOptions(embed_dim, embed_dim).bias(options.bias())));
  if (options.add_bias_kv()) {
    bias_k = register_parameter("bias_k", empty({1, 1, embed_dim}));
    bias_v = register_parameter("bias_v", empty({1, 1, embed_dim}));
  } else {
    bias_k = bias_v = Tensor();
  }
  _reset_parameters();
}

void MultiheadAttentionImpl::_reset_parameters() {
  NoGradGuard no_grad;
  if (_qkv_same_embed_dim) {
    init::xavier_uniform_(in_proj_weight);
  } else {
    init::xavier_uniform_(q_proj_weight);
    init::xavier_uniform_(k_proj_weight);
    init::xavier_uniform_(v_proj_weight);
  }
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
  }
  if (bias_k.defined()) init::xavier_normal_(bias_k);
  if (bias_v.defined()) init::xavier_normal_(bias_v);
}

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(const Tensor& query, const Tensor& key,
                                                           const Tensor& value,
                                                           const Tensor& key_padding_mask, bool need_weights,
                                                           const Tensor& attn_mask,
                                                           bool average_attn_weights) {
  const bool swap_batch = options.batch_first() && query.dim() == 3;
  auto layout = [&](const Tensor& x) { return swap_batch && x.defined() ? x.transpose(0, 1) : x; };
  auto func_options =
      functional::MultiheadAttentionForwardFuncOptions(
          options.embed_dim(), options.num_heads(), in_proj_weight, in_proj_bias, bias_k, bias_v,
          options.add_zero_attn(), options.dropout(), out_proj->weight, out_proj->bias)
          .training(is_training())
          .key_padding_mask(key_padding_mask)
          .need_weights(need_weights)
          .attn_mask(attn_mask)
          .average_attn_weights(average_attn_weights);
  if (!_qkv_same_embed_dim)
    func_options.use_separate_proj_weight(true)
        .q_proj_weight(q_proj_weight)
        .k_proj_weight(k_proj_weight)
        .v_proj_weight(v_proj_weight);
  // The same tensor stays the same tensor, so self-attention keeps its single-GEMM projection.
  const Tensor q = layout(query);
  const Tensor k = key.is_same(query) ? q : layout(key);
  const Tensor v = value.is_same(key) ? k : layout(value);
  auto [out, weights] = functional::multi_head_attention_forward(q, k, v, func_options);
  return {layout(out), weights};
}

}  // namespace tg::nn
