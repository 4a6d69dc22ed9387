// The distance and margin-loss modules, options and F:: forms written as libtorch users write them
// (compiled after `namespace torch = tg;`): each module matches its functional form and prints as
// libtorch's. Values and gradients against PyTorch are in the op registry (op_cases/margin_loss.cpp).
#include <gtest/gtest.h>
#include <sstream>

#include <tapegrad/tapegrad.hpp>

namespace torch = tg;
namespace F = torch::nn::functional;

namespace {

template <class M>
std::string printed(const M& module) {
  std::ostringstream out;
  out << module;
  return out.str();
}

torch::Tensor signs(std::vector<double> values) {
  const auto n = static_cast<int64_t>(values.size());
  return torch::tensor(values, {n}).to(torch::kFloat32);
}

TEST(MarginLossModules, DistanceModulesMatchFunctional) {
  torch::manual_seed(0);
  auto a = torch::randn({4, 3}), b = torch::randn({4, 3});
  torch::nn::CosineSimilarity cosine(torch::nn::CosineSimilarityOptions().dim(0).eps(1e-6));
  EXPECT_TRUE(torch::equal(cosine(a, b),
                           F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(0).eps(1e-6))));
  EXPECT_EQ(cosine(a, b).sizes(), (torch::Shape{3}));
  torch::nn::PairwiseDistance distance(torch::nn::PairwiseDistanceOptions().p(1).keepdim(true));
  EXPECT_TRUE(torch::equal(distance(a, b), torch::pairwise_distance(a, b, 1, 1e-6, true)));
  EXPECT_EQ(distance(a, b).sizes(), (torch::Shape{4, 1}));
  EXPECT_EQ(printed(torch::nn::CosineSimilarity()), "torch::nn::CosineSimilarity(dim=1, eps=1e-08)");
  EXPECT_EQ(printed(torch::nn::PairwiseDistance()),
            "torch::nn::PairwiseDistance(p=2, eps=1e-06, keepdim=false)");
}

TEST(MarginLossModules, ZeroVectorsHaveZeroCosine) {
  auto zero = torch::zeros({1, 3}), x = torch::ones({1, 3});
  EXPECT_EQ(torch::cosine_similarity(zero, x).item<double>(), 0.0);
  EXPECT_EQ(torch::cosine_similarity(zero, zero).item<double>(), 0.0);
}

TEST(MarginLossModules, TwoInputLossesMatchFunctional) {
  torch::manual_seed(1);
  auto x = torch::randn({5, 4});
  auto classes = torch::tensor(std::vector<int64_t>{0, 3, 1, 1, 2}, {5});
  auto weight = torch::rand({4}) + 0.5;
  torch::nn::MultiMarginLoss multi(
      torch::nn::MultiMarginLossOptions().p(2).margin(0.5).weight(weight).reduction(torch::kSum));
  EXPECT_TRUE(torch::equal(
      multi(x, classes),
      F::multi_margin_loss(
          x, classes,
          F::MultiMarginLossFuncOptions().p(2).margin(0.5).weight(weight).reduction(torch::kSum))));
  EXPECT_TRUE(multi->named_buffers().contains("weight"));
  EXPECT_EQ(printed(torch::nn::MultiMarginLoss()),
            "torch::nn::MultiMarginLoss(p=1, margin=1, weight=[ Tensor (undefined) ], reduction=kMean)");
  EXPECT_THROW(torch::nn::MultiMarginLoss(torch::nn::MultiMarginLossOptions().p(3)), torch::Error);

  auto target = torch::sign(torch::randn({5, 4}));
  torch::nn::HingeEmbeddingLoss hinge(
      torch::nn::HingeEmbeddingLossOptions().margin(2).reduction(torch::kNone));
  EXPECT_TRUE(torch::equal(hinge(x, target), torch::hinge_embedding_loss(x, target, 2, torch::kNone)));
  EXPECT_EQ(printed(hinge), "torch::nn::HingeEmbeddingLoss(margin=2)");
  torch::nn::SoftMarginLoss soft;
  EXPECT_TRUE(torch::equal(soft(x, target), F::soft_margin_loss(x, target)));
  EXPECT_EQ(printed(soft), "torch::nn::SoftMarginLoss()");

  auto labels = torch::tensor(
      std::vector<int64_t>{3, 0, -1, 1, 1, -1, 2, 2, 0, 1, 2, -1, 2, -1, 0, 0, 1, 3, 0, -1}, {5, 4});
  torch::nn::MultiLabelMarginLoss multilabel;
  EXPECT_TRUE(torch::equal(multilabel(x, labels), F::multilabel_margin_loss(x, labels)));
  EXPECT_EQ(printed(multilabel), "torch::nn::MultiLabelMarginLoss()");
  auto probabilities = torch::rand({5, 4});
  torch::nn::MultiLabelSoftMarginLoss multilabel_soft(
      torch::nn::MultiLabelSoftMarginLossOptions().weight(weight));
  EXPECT_TRUE(torch::equal(multilabel_soft(x, probabilities),
                           F::multilabel_soft_margin_loss(
                               x, probabilities, F::MultilabelSoftMarginLossFuncOptions().weight(weight))));
  EXPECT_EQ(printed(multilabel_soft), "torch::nn::MultiLabelSoftMarginLoss()");
}

TEST(MarginLossModules, ThreeInputLossesMatchFunctional) {
  torch::manual_seed(2);
  auto a = torch::randn({3, 4}), b = torch::randn({3, 4}), c = torch::randn({3, 4});
  auto target = signs({1, -1, 1});
  torch::nn::MarginRankingLoss ranking(torch::nn::MarginRankingLossOptions().margin(0.5));
  auto first = a.select(1, 0), second = b.select(1, 0);
  EXPECT_TRUE(
      torch::equal(ranking(first, second, target), torch::margin_ranking_loss(first, second, target, 0.5)));
  EXPECT_EQ(printed(ranking), "torch::nn::MarginRankingLoss()");
  torch::nn::CosineEmbeddingLoss embedding(
      torch::nn::CosineEmbeddingLossOptions().margin(0.25).reduction(torch::kSum));
  EXPECT_TRUE(torch::equal(
      embedding(a, b, target),
      F::cosine_embedding_loss(a, b, target,
                               F::CosineEmbeddingLossFuncOptions().margin(0.25).reduction(torch::kSum))));
  EXPECT_EQ(printed(embedding), "torch::nn::CosineEmbeddingLoss(margin=0.25)");
  torch::nn::TripletMarginLoss triplet(torch::nn::TripletMarginLossOptions().margin(0.5).p(1).swap(true));
  EXPECT_TRUE(torch::equal(triplet(a, b, c), torch::triplet_margin_loss(a, b, c, 0.5, 1, 1e-6, true)));
  EXPECT_EQ(printed(triplet), "torch::nn::TripletMarginLoss(margin=0.5, p=1, eps=1e-06, swap=true)");

  // The default distance is pairwise_distance, so the two triplet losses agree.
  torch::nn::TripletMarginWithDistanceLoss with_distance;
  EXPECT_TRUE(torch::allclose(with_distance(a, b, c), torch::nn::TripletMarginLoss()(a, b, c)));
  auto l1 = [](const torch::Tensor& u, const torch::Tensor& v) { return (u - v).abs().sum(1); };
  torch::nn::TripletMarginWithDistanceLoss custom(
      torch::nn::TripletMarginWithDistanceLossOptions().distance_function(l1).margin(2).reduction(
          torch::kNone));
  EXPECT_TRUE(torch::allclose(custom(a, b, c), torch::clamp_min(l1(a, b) - l1(a, c) + 2, 0)));
  EXPECT_EQ(printed(custom), "torch::nn::TripletMarginWithDistanceLoss(margin=2, swap=false)");
}

TEST(MarginLossModules, LossesTrainThroughBackward) {
  torch::manual_seed(3);
  auto x = torch::randn({4, 3}).requires_grad_(true);
  auto loss = torch::nn::TripletMarginLoss()(x, x.detach() * 0.5, torch::randn({4, 3})) +
              torch::nn::CosineEmbeddingLoss()(x, torch::randn({4, 3}), signs({1, -1, -1, 1}));
  loss.backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().sizes(), (torch::Shape{4, 3}));
}

}  // namespace
