// The character-level GPT's pieces: the key/value cache against the full forward, cached vs uncached
// generation, sampling filters, the weight-tied head, nanoGPT's schedule, the parameter groups, the data.
#include "char_lm/gpt.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <set>

#include "char_lm/data.hpp"

namespace {

using char_lm::GPT;
using char_lm::GPTOptions;

GPTOptions small_options() {
  return GPTOptions().vocab_size(11).block_size(16).n_layer(2).n_head(2).n_embd(16).dropout(0.0);
}

double max_abs_difference(const tg::Tensor& a, const tg::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(CharLmGpt, LogitsHaveVocabularyWidthAndLossStartsNearUniform) {
  tg::manual_seed(1);
  GPT model(small_options());
  const tg::Tensor idx = tg::randint(11, {3, 16});
  const tg::Tensor logits = model->forward(idx);
  EXPECT_EQ(logits.dim(), 3);
  EXPECT_EQ(logits.size(0) * 10000 + logits.size(1) * 100 + logits.size(2), 31611);  // [3, 16, 11]
  // Initialized with std 0.02, the logits are almost flat: the loss is close to log(vocab).
  EXPECT_NEAR(model->loss(idx, tg::randint(11, {3, 16})).item<double>(), std::log(11.0), 0.05);
  EXPECT_THROW(model->forward(tg::randint(11, {1, 17})), tg::Error);  // longer than the block
}

TEST(CharLmGpt, CachedLogitsEqualTheFullForwardsLastPosition) {
  tg::manual_seed(2);
  GPT model(small_options());
  model->eval();
  tg::NoGradGuard no_grad;
  const tg::Tensor idx = tg::randint(11, {2, 16});
  std::vector<char_lm::KVCache> caches;
  // A prompt of 5 tokens, then a chunk of 3 (masked explicitly), then one token at a time.
  std::int64_t done = 0;
  for (const std::int64_t chunk : {5, 3, 1, 1, 1, 1, 1, 1, 1, 1}) {
    const tg::Tensor cached = model->forward_cached(idx.narrow(1, done, chunk), caches);
    done += chunk;
    const tg::Tensor full = model->forward(idx.narrow(1, 0, done));
    EXPECT_LT(max_abs_difference(cached, full.narrow(1, done - chunk, chunk)), 1e-5) << "after " << done;
    EXPECT_EQ(caches.front().length(), done);
  }
  EXPECT_THROW(model->forward_cached(idx.narrow(1, 0, 1), caches), tg::Error);  // 17 > block
}

TEST(CharLmGpt, CachedAndUncachedGenerationGiveTheSameTokens) {
  tg::manual_seed(3);
  GPT model(small_options());
  const tg::Tensor prompt = tg::randint(11, {2, 3});
  // 40 new tokens: past the block of 16, where the cached path also recomputes the cropped window.
  std::vector<tg::Tensor> cached_logits, uncached_logits;
  tg::manual_seed(7);
  const tg::Tensor with_cache = char_lm::generate(model, prompt, 40, {}, true, &cached_logits);
  tg::manual_seed(7);
  const tg::Tensor without_cache = char_lm::generate(model, prompt, 40, {}, false, &uncached_logits);
  EXPECT_EQ(with_cache.size(0), 2);
  EXPECT_EQ(with_cache.size(1), 43);
  EXPECT_TRUE(tg::equal(with_cache, without_cache));
  ASSERT_EQ(cached_logits.size(), uncached_logits.size());
  for (std::size_t i = 0; i < cached_logits.size(); ++i)
    EXPECT_LT(max_abs_difference(cached_logits[i], uncached_logits[i]), 1e-5) << "step " << i;
  EXPECT_TRUE(model->is_training());  // generate restores the mode
}

TEST(CharLmGpt, TopKOneAndTinyTopPAreGreedy) {
  tg::manual_seed(4);
  const tg::Tensor logits = tg::randn({5, 11});
  const tg::Tensor greedy = logits.argmax(1);
  EXPECT_TRUE(tg::equal(char_lm::sample_next(logits, {1.0, 1, 1.0}), greedy));
  EXPECT_TRUE(tg::equal(char_lm::sample_next(logits, {1.0, 0, 1e-6}), greedy));
  EXPECT_TRUE(tg::equal(char_lm::sample_next(logits, {1e-4, 0, 1.0}), greedy));  // a cold temperature
  EXPECT_THROW(char_lm::sample_next(logits, {0.0, 0, 1.0}), tg::Error);
  EXPECT_THROW(char_lm::sample_next(logits, {1.0, 0, 0.0}), tg::Error);
}

TEST(CharLmGpt, TopKAndTopPKeepOnlyTheirTokens) {
  tg::manual_seed(5);
  // Probabilities 0.5, 0.25, 0.125, 0.0625, ... : top_p 0.7 keeps the first two (0.5 < 0.7 <= 0.75).
  std::vector<double> log_probabilities;
  for (int i = 0; i < 8; ++i) log_probabilities.push_back(-(i + 1) * std::log(2.0));
  const tg::Tensor row = tg::tensor(log_probabilities, {1, 8}).flip({1});  // most likely last
  const tg::Tensor rows = row.expand({2000, 8}).contiguous();
  std::set<std::int64_t> nucleus, top3;
  const tg::Tensor by_p = char_lm::sample_next(rows, {1.0, 0, 0.7});
  const tg::Tensor by_k = char_lm::sample_next(rows, {1.0, 3, 1.0});
  for (std::int64_t i = 0; i < 2000; ++i) {
    nucleus.insert(by_p[i].item<std::int64_t>());
    top3.insert(by_k[i].item<std::int64_t>());
  }
  EXPECT_EQ(nucleus, (std::set<std::int64_t>{6, 7}));
  EXPECT_EQ(top3, (std::set<std::int64_t>{5, 6, 7}));
}

TEST(CharLmGpt, TiedHeadGradientSumsBothUses) {
  tg::manual_seed(6);
  GPT model(small_options());
  for (const auto& item : model->named_parameters()) EXPECT_EQ(item.key().find("lm_head"), std::string::npos);
  // Token 10 never appears in the input: its embedding row's gradient comes from the head alone.
  const tg::Tensor idx = tg::randint(10, {2, 8});
  model->loss(idx, tg::randint(10, {2, 8})).backward();
  const tg::Tensor grad = model->wte->weight.grad();
  EXPECT_GT(grad[10].abs().sum().item<double>(), 0.0);
  // Rows of input tokens also get the lookup's gradient: the one weight accumulates both uses.
  EXPECT_GT(grad[idx[0][0].item<std::int64_t>()].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(model->parameters().size(), model->named_parameters().size());
}

TEST(CharLmGpt, InitFollowsNanoGpt) {
  tg::manual_seed(8);
  GPT model(GPTOptions().vocab_size(64).block_size(64).n_layer(4).n_head(4).n_embd(128));
  const double projection_std = 0.02 / std::sqrt(8.0);
  EXPECT_NEAR(model->blocks[0]->attn->c_attn->weight.std().item<double>(), 0.02, 0.001);
  EXPECT_NEAR(model->blocks[0]->attn->c_proj->weight.std().item<double>(), projection_std, 0.0005);
  EXPECT_NEAR(model->blocks[3]->mlp->c_proj->weight.std().item<double>(), projection_std, 0.0005);
  EXPECT_NEAR(model->wte->weight.std().item<double>(), 0.02, 0.001);
  EXPECT_EQ(model->blocks[0]->attn->c_attn->bias.abs().max().item<double>(), 0.0);
  EXPECT_EQ(model->blocks[0]->ln_1->weight.min().item<double>(), 1.0);
}

TEST(CharLmGpt, WeightDecayGroupHoldsExactlyTheMatrices) {
  GPT model(small_options());
  auto [decay, no_decay] = model->decay_and_no_decay_parameters();
  // wte, wpe, and per block c_attn, c_proj, c_fc, c_proj weights; biases and LayerNorm params not.
  EXPECT_EQ(decay.size(), 2u + 4u * 2u);
  EXPECT_EQ(no_decay.size(), 2u * (4u + 4u) + 2u);
  EXPECT_EQ(decay.size() + no_decay.size(), model->parameters().size());
  for (const auto& p : decay) EXPECT_EQ(p.dim(), 2);
  for (const auto& p : no_decay) EXPECT_EQ(p.dim(), 1);
}

TEST(CharLmGpt, AdamWGroupsDecayOnlyTheMatricesAndClippingBoundsTheNorm) {
  // The recipe's optimizer: with zero gradients Adam's step is 0, so only the decoupled decay moves a weight.
  const tg::Tensor matrix = tg::ones({2, 2}).requires_grad_(true), bias = tg::ones({2}).requires_grad_(true);
  const auto adamw = tg::optim::AdamWOptions(0.5).betas({0.9, 0.95});
  tg::optim::AdamW optimizer(
      {tg::optim::OptimizerParamGroup({matrix}, tg::optim::AdamWOptions(adamw).weight_decay(0.1)),
       tg::optim::OptimizerParamGroup({bias}, tg::optim::AdamWOptions(adamw).weight_decay(0.0))},
      adamw);
  (matrix.sum() * 0 + bias.sum() * 0).backward();
  for (auto& group : optimizer.param_groups()) group.options().set_lr(0.2);  // as the schedule does each step
  optimizer.step();
  EXPECT_NEAR(matrix.min().item<double>(), 1 - 0.2 * 0.1, 1e-7);
  EXPECT_NEAR(matrix.max().item<double>(), 1 - 0.2 * 0.1, 1e-7);
  EXPECT_EQ(bias.min().item<double>(), 1.0);
  // clip_grad_norm_(1.0) scales the joint gradient [3, 4] (norm 5) to norm 1 and returns 5.
  const tg::Tensor a = tg::zeros({1}).requires_grad_(true), b = tg::zeros({1}).requires_grad_(true);
  (3 * a + 4 * b).sum().backward();
  EXPECT_NEAR(tg::nn::utils::clip_grad_norm_({a, b}, 1.0), 5.0, 1e-6);
  EXPECT_NEAR(a.grad().item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(b.grad().item<double>(), 0.8, 1e-6);
}

TEST(CharLmGpt, ScheduleWarmsUpLinearlyThenDecaysByCosine) {
  // nanoGPT's get_lr with lr 1e-3, min_lr 1e-4, warm-up 100, decay to 2000.
  EXPECT_DOUBLE_EQ(char_lm::learning_rate_at(0, 1e-3, 1e-4, 100, 2000), 1e-3 / 101);
  EXPECT_DOUBLE_EQ(char_lm::learning_rate_at(99, 1e-3, 1e-4, 100, 2000), 1e-3 * 100 / 101);
  EXPECT_DOUBLE_EQ(char_lm::learning_rate_at(100, 1e-3, 1e-4, 100, 2000), 1e-3);
  EXPECT_NEAR(char_lm::learning_rate_at(1050, 1e-3, 1e-4, 100, 2000), 0.55e-3, 1e-15);
  EXPECT_NEAR(char_lm::learning_rate_at(2000, 1e-3, 1e-4, 100, 2000), 1e-4, 1e-15);
  EXPECT_DOUBLE_EQ(char_lm::learning_rate_at(2500, 1e-3, 1e-4, 100, 2000), 1e-4);
}

TEST(CharLmData, ReadsDotlessRegularFilesInByteOrderAndSplits) {
  const auto dir = std::filesystem::temp_directory_path() / ("char_lm_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "b") << "bb";
  std::ofstream(dir / "B") << "BB";  // 'B' < 'b' byte-wise
  std::ofstream(dir / "a.dat") << "ignored";
  std::filesystem::create_symlink(dir / "b", dir / "link");
  const std::string text = char_lm::read_fortunes(dir);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(text, "BBbb");

  const char_lm::Vocabulary vocabulary("hello world");
  EXPECT_EQ(vocabulary.size(), 8);  // ' ' d e h l o r w
  const tg::Tensor ids = vocabulary.encode("hello world");
  EXPECT_EQ(ids[0].item<std::int64_t>(), 3);  // 'h'
  EXPECT_EQ(vocabulary.decode(ids), "hello world");
  EXPECT_THROW(vocabulary.encode("z"), tg::Error);

  const auto split = char_lm::split_train_val(tg::arange(100, tg::kInt64));
  EXPECT_EQ(split.train.numel(), 90);
  EXPECT_EQ(split.val[0].item<std::int64_t>(), 90);
  tg::manual_seed(9);
  const auto [x, y] = char_lm::random_batch(split.val, 4, 5);
  EXPECT_TRUE(tg::equal(x.narrow(1, 1, 4), y.narrow(1, 0, 4)));  // targets are the inputs shifted by one
  EXPECT_GE(x.min().item<std::int64_t>(), 90);
  EXPECT_LE(y.max().item<std::int64_t>(), 99);
}

}  // namespace
