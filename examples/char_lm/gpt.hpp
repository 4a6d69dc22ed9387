#pragma once
// A small GPT in the style of nanoGPT (Karpathy's model.py), written as libtorch-style TG_MODULEs:
// token + learned position embeddings, pre-LayerNorm blocks of causal self-attention and a GELU MLP,
// a final LayerNorm and an output head tied to the token embedding. Generation keeps a key/value
// cache per block so that each new token costs one row of attention, not a whole forward.
#include <cstdint>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace char_lm {

struct GPTOptions {
  TG_ARG(std::int64_t, vocab_size) = 0;
  TG_ARG(std::int64_t, block_size) = 64;
  TG_ARG(std::int64_t, n_layer) = 4;
  TG_ARG(std::int64_t, n_head) = 4;
  TG_ARG(std::int64_t, n_embd) = 128;
  TG_ARG(double, dropout) = 0.0;
};

/// The keys and values one attention layer has seen so far, [B, heads, T_past, head_dim] each
/// (undefined before the first token).
struct KVCache {
  tg::Tensor key, value;
  std::int64_t length() const { return key.defined() ? key.size(2) : 0; }
};

struct CausalSelfAttentionImpl : tg::nn::Module {
  explicit CausalSelfAttentionImpl(const GPTOptions& options);
  /// x [B, T, C]. With a cache, the T new positions follow the cached ones (their keys and values are
  /// appended to it) and attend to every cached position.
  tg::Tensor forward(const tg::Tensor& x, KVCache* cache = nullptr);

  std::int64_t n_head, n_embd;
  double dropout_p;
  tg::nn::Linear c_attn, c_proj;  // c_attn: x -> (q, k, v) in one GEMM
  tg::nn::Dropout resid_dropout;
};
TG_MODULE(CausalSelfAttention);

struct MLPImpl : tg::nn::Module {
  explicit MLPImpl(const GPTOptions& options);
  tg::Tensor forward(const tg::Tensor& x);

  tg::nn::Linear c_fc, c_proj;
  tg::nn::Dropout dropout;
};
TG_MODULE(MLP);

struct BlockImpl : tg::nn::Module {
  explicit BlockImpl(const GPTOptions& options);
  tg::Tensor forward(tg::Tensor x, KVCache* cache = nullptr);

  tg::nn::LayerNorm ln_1, ln_2;
  CausalSelfAttention attn;
  MLP mlp;
};
TG_MODULE(Block);

struct GPTImpl : tg::nn::Module {
  explicit GPTImpl(const GPTOptions& options);
  /// Logits [B, T, vocab] for token ids idx [B, T] (T <= block_size), positions 0..T-1.
  tg::Tensor forward(const tg::Tensor& idx);
  /// Mean cross-entropy of the next-token predictions against targets [B, T].
  tg::Tensor loss(const tg::Tensor& idx, const tg::Tensor& targets);
  /// Logits of the new tokens idx [B, T] placed after the caches' positions; appends their keys and
  /// values to `caches` (one per block; resized when empty). Past + new must fit in block_size.
  tg::Tensor forward_cached(const tg::Tensor& idx, std::vector<KVCache>& caches);
  /// Parameters for AdamW: {2-D and larger (weights, embeddings): decayed, the rest: not}.
  std::pair<tg::tensor_list, tg::tensor_list> decay_and_no_decay_parameters() const;

  GPTOptions options;
  tg::nn::Embedding wte, wpe;
  tg::nn::Dropout drop;
  std::vector<Block> blocks;
  tg::nn::LayerNorm ln_f;

 private:
  tg::Tensor trunk(const tg::Tensor& idx, std::int64_t first_position, std::vector<KVCache>* caches);
  void init_weights();
};
TG_MODULE(GPT);

/// nanoGPT's get_lr: linear warm-up over `warmup` iterations, then cosine decay from lr to min_lr at
/// `decay_iters`, min_lr after it.
double learning_rate_at(std::int64_t iter, double lr, double min_lr, std::int64_t warmup,
                        std::int64_t decay_iters);

struct SamplingOptions {
  double temperature = 1.0;
  std::int64_t top_k = 0;  // 0: off
  double top_p = 1.0;      // 1: off
};

/// Next-token ids [B] drawn from logits [B, vocab]: divided by the temperature, cut to the top_k
/// largest, then to the smallest set whose probability reaches top_p (nucleus), then tg::multinomial.
tg::Tensor sample_next(const tg::Tensor& logits, const SamplingOptions& options);

/// Appends `new_tokens` sampled tokens to idx [B, T] and returns [B, T + new_tokens]. Without the
/// cache every token is a full forward over the last block_size tokens (nanoGPT's crop). With it the
/// prompt is one forward and each further token feeds only itself, while the context fits the block;
/// once it would not (learned absolute positions shift, so cached keys go stale), every step recomputes
/// the cropped window as the uncached path does: the two give the same tokens. Runs under no_grad in
/// eval mode (the module's mode is restored). `last_logits`, when given, receives each step's logits.
tg::Tensor generate(GPT& model, tg::Tensor idx, std::int64_t new_tokens, const SamplingOptions& sampling,
                    bool use_cache = true, std::vector<tg::Tensor>* last_logits = nullptr);

}  // namespace char_lm
