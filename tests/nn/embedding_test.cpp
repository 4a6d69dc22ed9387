// nn::Embedding beyond its op-table rows (tests/support/op_cases/normalization.cpp, embedding_cases; the
// 50k-row table is in tests/autograd/normalization_test.cpp): weight tying with a Linear head, negative
// padding_idx, max_norm renormalizing the table in place, and from_pretrained's options.
#include <cmath>
#include <gtest/gtest.h>
#include <sstream>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;
namespace F = tg::nn::functional;

double max_abs_difference(const Tensor& a, const Tensor& b) {
  const auto x = a.to(tg::kFloat64).contiguous().to_vector<double>();
  const auto y = b.to(tg::kFloat64).contiguous().to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

// A GPT's tied head: head->weight = emb->weight. Both uses' gradients accumulate into the one tensor, and
// an optimizer over all parameters updates it once (the head's own, now unused, weight gets no gradient).
TEST(Embedding, WeightTyingAccumulatesBothUsesAndStepsOnce) {
  tg::manual_seed(2);
  const std::int64_t V = 11, D = 6;
  tg::nn::Embedding emb(V, D);
  tg::nn::Linear head(tg::nn::LinearOptions(D, V).bias(false));
  head->weight = emb->weight;
  const Tensor indices = tg::tensor(std::vector<std::int64_t>{3, 0, 3, 10, 7}, {5});
  const Tensor targets = tg::tensor(std::vector<std::int64_t>{1, 3, 3, 0, 9}, {5});
  const auto loss_of = [&](const Tensor& table_in, const Tensor& table_out) {
    return tg::nn::functional::cross_entropy(tg::linear(F::embedding(indices, table_in), table_out), targets);
  };

  // The two uses' gradients separately: each with the other use's copy held constant.
  const Tensor start = emb->weight.detach().clone();
  const Tensor as_input = start.clone().requires_grad_();
  loss_of(as_input, start).backward();
  const Tensor as_output = start.clone().requires_grad_();
  loss_of(start, as_output).backward();
  const Tensor expected = as_input.grad() + as_output.grad();

  const Tensor loss = tg::nn::functional::cross_entropy(head(emb(indices)), targets);
  std::vector<Tensor> parameters = emb->parameters();
  for (const Tensor& p : head->parameters()) parameters.push_back(p);
  tg::optim::SGD sgd(parameters, tg::optim::SGDOptions(0.5));
  sgd.zero_grad();
  loss.backward();
  ASSERT_TRUE(emb->weight.grad().defined());
  EXPECT_LT(max_abs_difference(emb->weight.grad(), expected), 1e-6);
  sgd.step();
  EXPECT_LT(max_abs_difference(emb->weight, start - expected * 0.5), 1e-6);
  EXPECT_TRUE(head->weight.is_same(emb->weight));
}

// padding_idx = -1 is row V - 1: it starts at zero, looks up as usual and never gets a gradient.
TEST(Embedding, NegativePaddingIndexRowGetsNoGradient) {
  tg::nn::Embedding emb(tg::nn::EmbeddingOptions(4, 3).padding_idx(-1));
  EXPECT_EQ(*emb->options.padding_idx(), 3);
  EXPECT_EQ(emb->weight.select(0, 3).abs().sum().item<double>(), 0.0);
  const Tensor indices = tg::tensor(std::vector<std::int64_t>{3, 1, 3}, {3});
  emb(indices).sum().backward();
  const auto grad = emb->weight.grad().to_vector<float>();
  const std::vector<float> expected = {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(grad, expected);
}

// PyTorch: w = arange(15.).reshape(5, 3); F.embedding([4, 3, 0, 3, 4, 1], w, padding_idx=-1,
// scale_grad_by_freq=True).backward(arange(18.).reshape(6, 3) / 10); w.grad
TEST(Embedding, PaddingAndFrequencyScaledGradientsMatchPyTorch) {
  const Tensor weight = tg::arange(15.0, tg::kFloat64).reshape({5, 3}).requires_grad_();
  const Tensor indices = tg::tensor(std::vector<std::int64_t>{4, 3, 0, 3, 4, 1}, {6});
  F::embedding(indices, weight, F::EmbeddingFuncOptions().padding_idx(-1).scale_grad_by_freq(true))
      .backward(tg::arange(18.0, tg::kFloat64).reshape({6, 3}) / 10.0);
  const std::vector<double> expected = {0.6, 0.7, 0.8, 1.5, 1.6, 1.7, 0, 0, 0, 0.6, 0.7, 0.8, 0, 0, 0};
  const auto grad = weight.grad().to_vector<double>();
  ASSERT_EQ(grad.size(), expected.size());
  for (std::size_t i = 0; i < grad.size(); ++i) EXPECT_NEAR(grad[i], expected[i], 1e-12) << i;
}

// max_norm rescales the looked-up rows of the table itself (in place, without gradient) to that norm; rows
// not looked up keep theirs.
TEST(Embedding, MaxNormRenormalizesLookedUpRowsInPlace) {
  const Tensor weight = tg::tensor(std::vector<double>{3, 4, 0.3, 0.4, 6, 8}, {3, 2});
  tg::nn::Embedding emb = tg::nn::Embedding::from_pretrained(
      weight, tg::nn::EmbeddingFromPretrainedOptions().freeze(false).max_norm(2.0).padding_idx(1));
  EXPECT_TRUE(emb->weight.requires_grad());
  const Tensor out = emb(tg::tensor(std::vector<std::int64_t>{0, 1, 0}, {3}));
  const double shrink = 2.0 / (5.0 + 1e-7);
  EXPECT_LT(max_abs_difference(
                emb->weight, tg::tensor(std::vector<double>{3 * shrink, 4 * shrink, 0.3, 0.4, 6, 8}, {3, 2})),
            1e-12);
  EXPECT_LT(max_abs_difference(weight, emb->weight), 1e-12);  // from_pretrained shares the storage
  out.sum().backward();
  const std::vector<double> expected = {2, 2, 0, 0, 0, 0};  // padding row 1 gets none
  EXPECT_EQ(emb->weight.grad().to_vector<double>(), expected);
  std::ostringstream printed;
  printed << emb;
  EXPECT_EQ(printed.str(),
            "torch::nn::Embedding(num_embeddings=3, embedding_dim=2, padding_idx=1, max_norm=2)");
}

TEST(Embedding, FromPretrainedFreezesByDefaultAndChecksItsInput) {
  const Tensor weight = tg::randn({4, 2});
  tg::nn::Embedding frozen = tg::nn::Embedding::from_pretrained(weight);
  EXPECT_FALSE(frozen->weight.requires_grad());
  EXPECT_FALSE(frozen(tg::tensor(std::vector<std::int64_t>{1}, {1})).requires_grad());
  EXPECT_THROW(tg::nn::Embedding::from_pretrained(tg::randn({4})), tg::Error);
  EXPECT_THROW(
      tg::nn::Embedding::from_pretrained(weight, tg::nn::EmbeddingFromPretrainedOptions().padding_idx(4)),
      tg::Error);
}

}  // namespace
