#include "char_lm/gpt.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

namespace char_lm {

namespace {

constexpr double kInitStd = 0.02;

tg::nn::Linear make_linear(std::int64_t in, std::int64_t out) { return tg::nn::Linear(in, out); }

tg::nn::Dropout make_dropout(double p) { return tg::nn::Dropout(tg::nn::DropoutOptions(p)); }

/// c_attn's output [B, T, 3C] as contiguous q, k, v [B, heads, T, C / heads]: one permuting copy here
/// instead of SDPA copying each transposed view in its forward and again in its backward.
std::vector<tg::Tensor> split_qkv(const tg::Tensor& qkv, std::int64_t heads) {
  const auto b = qkv.size(0), t = qkv.size(1), c = qkv.size(2) / 3;
  return qkv.view({b, t, 3, heads, c / heads}).permute({2, 0, 3, 1, 4}).contiguous().unbind(0);
}

}  // namespace

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTOptions& options)
    : n_head(options.n_head()),
      n_embd(options.n_embd()),
      dropout_p(options.dropout()),
      c_attn(register_module("c_attn", make_linear(options.n_embd(), 3 * options.n_embd()))),
      c_proj(register_module("c_proj", make_linear(options.n_embd(), options.n_embd()))),
      resid_dropout(register_module("resid_dropout", make_dropout(options.dropout()))) {
  tg::check(options.n_embd() % options.n_head() == 0, "CausalSelfAttention", "n_embd ", options.n_embd(),
            " is not divisible by n_head ", options.n_head());
}

tg::Tensor CausalSelfAttentionImpl::forward(const tg::Tensor& x, KVCache* cache) {
  const auto batch = x.size(0), steps = x.size(1);
  const auto qkv = split_qkv(c_attn(x), n_head);
  tg::Tensor q = qkv[0], k = qkv[1], v = qkv[2];
  const std::int64_t past = cache ? cache->length() : 0;
  if (cache) {
    if (past > 0) {
      k = tg::cat({cache->key, k}, 2);
      v = tg::cat({cache->value, v}, 2);
    }
    cache->key = k;
    cache->value = v;
  }
  const double p = is_training() ? dropout_p : 0.0;
  tg::Tensor y;
  if (past == 0) {
    y = tg::scaled_dot_product_attention(q, k, v, {}, p, /*is_causal=*/true);
  } else if (steps == 1) {
    y = tg::scaled_dot_product_attention(q, k, v, {}, p);  // the newest token sees everything
  } else {
    // New row i sits at position past + i: SDPA's is_causal is upper-left aligned, so mask explicitly.
    const auto mask = tg::tril(tg::ones({steps, past + steps}, tg::kBool), past);
    y = tg::scaled_dot_product_attention(q, k, v, mask, p);
  }
  y = y.transpose(1, 2).contiguous().view({batch, steps, n_embd});
  return resid_dropout(c_proj(y));
}

MLPImpl::MLPImpl(const GPTOptions& options)
    : c_fc(register_module("c_fc", make_linear(options.n_embd(), 4 * options.n_embd()))),
      c_proj(register_module("c_proj", make_linear(4 * options.n_embd(), options.n_embd()))),
      dropout(register_module("dropout", make_dropout(options.dropout()))) {}

tg::Tensor MLPImpl::forward(const tg::Tensor& x) { return dropout(c_proj(tg::gelu(c_fc(x)))); }

BlockImpl::BlockImpl(const GPTOptions& options)
    : ln_1(register_module("ln_1", tg::nn::LayerNorm(options.n_embd()))),
      ln_2(register_module("ln_2", tg::nn::LayerNorm(options.n_embd()))),
      attn(register_module("attn", CausalSelfAttention(options))),
      mlp(register_module("mlp", MLP(options))) {}

tg::Tensor BlockImpl::forward(tg::Tensor x, KVCache* cache) {
  x = x + attn(ln_1(x), cache);
  return x + mlp(ln_2(x));
}

GPTImpl::GPTImpl(const GPTOptions& options_)
    : options(options_),
      wte(register_module("wte", tg::nn::Embedding(options_.vocab_size(), options_.n_embd()))),
      wpe(register_module("wpe", tg::nn::Embedding(options_.block_size(), options_.n_embd()))),
      drop(register_module("drop", make_dropout(options_.dropout()))),
      ln_f(nullptr) {
  tg::check(options.vocab_size() > 0 && options.block_size() > 0 && options.n_layer() > 0, "GPT",
            "vocab_size, block_size and n_layer must be positive, got ", options.vocab_size(), ", ",
            options.block_size(), ", ", options.n_layer());
  // Registered as a ModuleList "h" (names h.0.attn.c_attn.weight, ... as nanoGPT's); `blocks` keeps them
  // typed.
  tg::nn::ModuleList h;
  for (std::int64_t i = 0; i < options.n_layer(); ++i) {
    blocks.emplace_back(options);
    h->push_back(blocks.back());
  }
  register_module("h", h);
  ln_f = register_module("ln_f", tg::nn::LayerNorm(options.n_embd()));
  init_weights();
}

void GPTImpl::init_weights() {
  tg::NoGradGuard no_grad;
  // nanoGPT's _init_weights, then the GPT-2 scaling of the projections into the residual stream.
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    tg::Tensor& parameter = item.value();
    if (parameter.dim() >= 2)
      tg::nn::init::normal_(parameter, 0.0, kInitStd);
    else if (name.ends_with(".bias") && name.find("ln_") == std::string::npos)
      tg::nn::init::zeros_(parameter);
  }
  const double projection_std = kInitStd / std::sqrt(2.0 * static_cast<double>(options.n_layer()));
  for (auto& block : blocks) {
    tg::nn::init::normal_(block->attn->c_proj->weight, 0.0, projection_std);
    tg::nn::init::normal_(block->mlp->c_proj->weight, 0.0, projection_std);
  }
}

tg::Tensor GPTImpl::trunk(const tg::Tensor& idx, std::int64_t first_position, std::vector<KVCache>* caches) {
  const auto steps = idx.size(1);
  tg::check(first_position + steps <= options.block_size(), "GPT", "cannot forward a sequence of length ",
            first_position + steps, ", block size is only ", options.block_size());
  const auto positions = tg::arange(first_position, first_position + steps, tg::kInt64);
  tg::Tensor x = drop(wte(idx) + wpe(positions));
  for (std::size_t i = 0; i < blocks.size(); ++i) x = blocks[i](x, caches ? &(*caches)[i] : nullptr);
  x = ln_f(x);
  return tg::linear(x, wte->weight);  // tied head: wte's gradient sums the lookup's and the head's
}

tg::Tensor GPTImpl::forward(const tg::Tensor& idx) { return trunk(idx, 0, nullptr); }

tg::Tensor GPTImpl::loss(const tg::Tensor& idx, const tg::Tensor& targets) {
  const tg::Tensor logits = forward(idx);
  return tg::nn::functional::cross_entropy(logits.view({-1, logits.size(-1)}), targets.reshape({-1}));
}

tg::Tensor GPTImpl::forward_cached(const tg::Tensor& idx, std::vector<KVCache>& caches) {
  if (caches.empty()) caches.resize(blocks.size());
  tg::check(caches.size() == blocks.size(), "GPT", "expected one KVCache per block (", blocks.size(),
            "), got ", caches.size());
  return trunk(idx, caches.front().length(), &caches);
}

std::pair<tg::tensor_list, tg::tensor_list> GPTImpl::decay_and_no_decay_parameters() const {
  tg::tensor_list decay, no_decay;
  for (const auto& parameter : parameters()) (parameter.dim() >= 2 ? decay : no_decay).push_back(parameter);
  return {decay, no_decay};
}

double learning_rate_at(std::int64_t iter, double lr, double min_lr, std::int64_t warmup,
                        std::int64_t decay_iters) {
  if (iter < warmup) return lr * static_cast<double>(iter + 1) / static_cast<double>(warmup + 1);
  if (iter > decay_iters) return min_lr;
  const double decay_ratio =
      decay_iters > warmup ? static_cast<double>(iter - warmup) / static_cast<double>(decay_iters - warmup)
                           : 1.0;
  const double coefficient = 0.5 * (1.0 + std::cos(std::numbers::pi * decay_ratio));
  return min_lr + coefficient * (lr - min_lr);
}

tg::Tensor sample_next(const tg::Tensor& logits, const SamplingOptions& options) {
  tg::check(options.temperature > 0, "sample_next", "temperature must be positive, got ",
            options.temperature);
  tg::check(options.top_p > 0 && options.top_p <= 1, "sample_next", "top_p must be in (0, 1], got ",
            options.top_p);
  constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();
  tg::Tensor scaled = logits / options.temperature;
  const auto vocab = scaled.size(-1);
  if (options.top_k > 0 && options.top_k < vocab) {
    const auto kth_largest =
        std::get<0>(tg::topk(scaled, options.top_k, -1)).narrow(-1, options.top_k - 1, 1);
    scaled = scaled.masked_fill(scaled.lt(kth_largest), kMinusInfinity);
  }
  if (options.top_p < 1) {
    auto [sorted, order] = tg::sort(scaled, -1, /*descending=*/true);
    const tg::Tensor probabilities = tg::softmax(sorted, -1);
    // Drop a token when the more likely ones already reach top_p; the most likely one always stays.
    const tg::Tensor mass_before = probabilities.cumsum(-1) - probabilities;
    sorted = sorted.masked_fill(mass_before.ge(options.top_p), kMinusInfinity);
    scaled = tg::scatter(scaled, -1, order, sorted);
  }
  return tg::softmax(scaled, -1).multinomial(1).view({-1});
}

tg::Tensor generate(GPT& model, tg::Tensor idx, std::int64_t new_tokens, const SamplingOptions& sampling,
                    bool use_cache, std::vector<tg::Tensor>* last_logits) {
  tg::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const std::int64_t block = model->options.block_size();
  std::vector<KVCache> caches;
  std::int64_t cached = 0;  // tokens of idx whose keys and values the caches hold
  for (std::int64_t n = 0; n < new_tokens; ++n) {
    const std::int64_t length = idx.size(1);
    tg::Tensor logits;
    if (use_cache && length <= block) {
      logits = model->forward_cached(idx.narrow(1, cached, length - cached), caches);
      cached = length;
    } else {
      const std::int64_t window = std::min(length, block);
      logits = model->forward(idx.narrow(1, length - window, window));
    }
    logits = logits.select(1, -1);
    if (last_logits) last_logits->push_back(logits);
    idx = tg::cat({idx, sample_next(logits, sampling).view({-1, 1})}, 1);
  }
  model->train(was_training);
  return idx;
}

}  // namespace char_lm
