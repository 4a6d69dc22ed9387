// The loss modules and options written as libtorch programs write them (after `namespace torch = tg;`):
// they compile, print as libtorch's, keep their options, and agree with the functional forms.
#include <gtest/gtest.h>
#include <sstream>
#include <string>

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

double value(const torch::Tensor& loss) { return loss.item<double>(); }

torch::Tensor classes(std::vector<std::int64_t> values) { return torch::tensor(values); }

}  // namespace

TEST(LossModules, CrossEntropyWithLibtorchOptions) {
  torch::Tensor logits = torch::randn({5, 3});
  torch::Tensor target = classes({0, 1, 2, 1, 0});
  torch::Tensor weight = torch::rand({3}) + 0.5;
  torch::nn::CrossEntropyLoss loss(
      torch::nn::CrossEntropyLossOptions().ignore_index(1).label_smoothing(0.1).weight(weight));
  EXPECT_EQ(loss->options.ignore_index(), 1);
  EXPECT_DOUBLE_EQ(loss->options.label_smoothing(), 0.1);
  EXPECT_EQ(
      value(loss(logits, target)),
      value(F::cross_entropy(
          logits, target, F::CrossEntropyFuncOptions().ignore_index(1).label_smoothing(0.1).weight(weight))));
  EXPECT_EQ(value(loss(logits, target)),
            value(torch::cross_entropy(logits, target, weight, torch::kMean, 1, 0.1)));
  // The class weights are a buffer, as libtorch's.
  EXPECT_EQ(loss->named_buffers().size(), 1u);
  EXPECT_EQ(printed(loss), "torch::nn::CrossEntropyLoss()");
  // Defaults: ignore_index -100, no smoothing: the plain fused loss.
  EXPECT_EQ(torch::nn::CrossEntropyLossOptions().ignore_index(), -100);
  EXPECT_EQ(value(torch::nn::CrossEntropyLoss()(logits, target)),
            value(torch::cross_entropy(logits, target)));
}

TEST(LossModules, EachModuleMatchesItsFunction) {
  torch::Tensor input = torch::randn({4, 3});
  torch::Tensor target = torch::randn({4, 3});
  torch::Tensor probabilities = torch::rand({4, 3}) * 0.9 + 0.05;
  torch::Tensor counts = torch::rand({4, 3}) * 4.0;

  EXPECT_EQ(value(torch::nn::L1Loss(torch::kSum)(input, target)),
            value(torch::l1_loss(input, target, torch::kSum)));
  EXPECT_EQ(value(torch::nn::SmoothL1Loss(torch::nn::SmoothL1LossOptions().beta(0.5))(input, target)),
            value(torch::smooth_l1_loss(input, target, torch::kMean, 0.5)));
  // libtorch 1.13's F::smooth_l1_loss also takes beta as a trailing argument.
  EXPECT_EQ(value(F::smooth_l1_loss(input, target, F::SmoothL1LossFuncOptions(torch::kNone), 0.25).sum()),
            value(torch::smooth_l1_loss(input, target, torch::kSum, 0.25)));
  EXPECT_EQ(value(torch::nn::HuberLoss(torch::nn::HuberLossOptions().delta(0.3))(input, target)),
            value(F::huber_loss(input, target, F::HuberLossFuncOptions().delta(0.3))));
  torch::Tensor labels = torch::rand({4, 3}).round();
  torch::Tensor row_weight = torch::rand({3}) + 0.5;
  torch::nn::BCELoss bce(torch::nn::BCELossOptions().weight(row_weight).reduction(torch::kSum));
  EXPECT_EQ(value(bce(probabilities, labels)),
            value(F::binary_cross_entropy(
                probabilities, labels,
                F::BinaryCrossEntropyFuncOptions().weight(row_weight).reduction(torch::kSum))));
  torch::nn::BCEWithLogitsLoss with_logits(torch::nn::BCEWithLogitsLossOptions().pos_weight(row_weight));
  EXPECT_EQ(value(with_logits(input, labels)),
            value(torch::binary_cross_entropy_with_logits(input, labels, torch::Tensor(), row_weight)));
  EXPECT_EQ(with_logits->named_buffers().size(), 1u);

  torch::Tensor log_probs = torch::log_softmax(input, 1);
  torch::Tensor target_probs = torch::softmax(target, 1);
  torch::nn::KLDivLoss kl(torch::nn::KLDivLossOptions().reduction(torch::kBatchMean));
  EXPECT_DOUBLE_EQ(value(kl(log_probs, target_probs)),
                   value(torch::kl_div(log_probs, target_probs, torch::kSum)) / 4);
  EXPECT_EQ(value(torch::nn::KLDivLoss(torch::nn::KLDivLossOptions(torch::kSum).log_target(true))(log_probs,
                                                                                                  log_probs)),
            0.0);

  torch::Tensor picks = classes({2, 0, 1, 1});
  torch::nn::NLLLoss nll(torch::nn::NLLLossOptions().weight(row_weight).ignore_index(0));
  EXPECT_EQ(value(nll(log_probs, picks)),
            value(torch::nll_loss(log_probs, picks, row_weight, torch::kMean, 0)));

  torch::nn::PoissonNLLLoss poisson(torch::nn::PoissonNLLLossOptions().log_input(false).full(true).eps(1e-3));
  EXPECT_EQ(value(poisson(probabilities, counts)),
            value(torch::poisson_nll_loss(probabilities, counts, false, true, 1e-3, torch::kMean)));
  EXPECT_EQ(value(torch::nn::PoissonNLLLoss()(input, counts)),
            value(F::poisson_nll_loss(input, counts, F::PoissonNLLLossFuncOptions())));

  torch::Tensor var = torch::rand({4}) + 0.5;  // one variance per sample
  torch::nn::GaussianNLLLoss gaussian(torch::nn::GaussianNLLLossOptions().full(true).reduction(torch::kSum));
  EXPECT_EQ(value(gaussian(input, target, var)),
            value(torch::gaussian_nll_loss(input, target, var.unsqueeze(1).expand({4, 3}), true, 1e-6,
                                           torch::kSum)));
}

TEST(LossModules, PrintAsLibtorch) {
  EXPECT_EQ(printed(torch::nn::L1Loss()), "torch::nn::L1Loss()");
  EXPECT_EQ(printed(torch::nn::SmoothL1Loss()), "torch::nn::SmoothL1Loss");
  EXPECT_EQ(printed(torch::nn::HuberLoss()), "torch::nn::HuberLoss");
  EXPECT_EQ(printed(torch::nn::BCELoss()), "torch::nn::BCELoss()");
  EXPECT_EQ(printed(torch::nn::KLDivLoss()), "torch::nn::KLDivLoss()");
  EXPECT_EQ(printed(torch::nn::NLLLoss()), "torch::nn::NLLLoss()");
  EXPECT_EQ(printed(torch::nn::PoissonNLLLoss()), "torch::nn::PoissonNLLLoss()");
  EXPECT_EQ(printed(torch::nn::GaussianNLLLoss()), "torch::nn::GaussianNLLLoss()");
}

TEST(LossModules, CloneKeepsWeights) {
  torch::Tensor weight = torch::tensor(std::vector<float>{1.0f, 2.0f, 3.0f});
  torch::nn::NLLLoss loss(torch::nn::NLLLossOptions().weight(weight));
  auto copy = std::dynamic_pointer_cast<torch::nn::NLLLossImpl>(loss->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(torch::equal(copy->named_buffers()["weight"], weight));
  torch::Tensor log_probs = torch::log_softmax(torch::randn({2, 3}), 1);
  EXPECT_EQ(value(copy->forward(log_probs, classes({2, 1}))), value(loss(log_probs, classes({2, 1}))));
  // forward reads the buffer, so converting the module converts the weights it uses.
  loss->to(torch::kFloat64);
  EXPECT_DOUBLE_EQ(
      value(loss(log_probs.to(torch::kFloat64), classes({2, 1}))),
      value(torch::nll_loss(log_probs.to(torch::kFloat64), classes({2, 1}), weight.to(torch::kFloat64))));
}
