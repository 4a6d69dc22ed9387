// clip_grad_norm_ / clip_grad_value_ edge cases (values against PyTorch are in
// torch_optim_fixture_test.cpp).
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "optim/optim_test_helpers.hpp"

namespace {

using optim_test::set_grad;
using tg::nn::utils::clip_grad_norm_;
using tg::nn::utils::clip_grad_value_;

tg::Tensor param_with_grad(const std::vector<double>& grad) {
  const tg::Tensor p = tg::zeros({static_cast<std::int64_t>(grad.size())}, tg::kFloat64).requires_grad_();
  set_grad(p, tg::tensor(grad, tg::kFloat64));
  return p;
}

TEST(ClipGradNorm, NoGradientsGiveZeroAndChangeNothing) {
  const tg::Tensor p = tg::zeros({3}, tg::kFloat64).requires_grad_();
  EXPECT_EQ(clip_grad_norm_({p}, 1.0), 0.0);
  EXPECT_EQ(clip_grad_norm_({}, 1.0), 0.0);
  EXPECT_FALSE(p.grad().defined());
}

TEST(ClipGradNorm, ScalesAllGradientsTogetherInPlace) {
  const tg::Tensor a = param_with_grad({3.0, 0.0});
  const tg::Tensor b = param_with_grad({0.0, 4.0});
  const tg::Tensor grad_a = a.grad();
  const double total = clip_grad_norm_({a, b}, 1.0);
  EXPECT_DOUBLE_EQ(total, 5.0);
  const double coef = 1.0 / (5.0 + 1e-6);
  EXPECT_TRUE(a.grad().is_same(grad_a)) << "the gradient is scaled in place";
  EXPECT_DOUBLE_EQ(a.grad().to_vector<double>()[0], 3.0 * coef);
  EXPECT_DOUBLE_EQ(b.grad().to_vector<double>()[1], 4.0 * coef);
}

// As PyTorch: the factor is max_norm / (total + 1e-6), so a total equal to max_norm is still scaled
// (by a hair), and only a total below max_norm - 1e-6 is left alone.
TEST(ClipGradNorm, UsesPyTorchsEpsilonAtTheBoundary) {
  const tg::Tensor at_max = param_with_grad({3.0, 4.0});
  clip_grad_norm_({at_max}, 5.0);
  EXPECT_DOUBLE_EQ(at_max.grad().to_vector<double>()[0], 3.0 * 5.0 / (5.0 + 1e-6));
  const tg::Tensor below = param_with_grad({3.0, 4.0});
  clip_grad_norm_({below}, 5.1);
  EXPECT_EQ(below.grad().to_vector<double>(), (std::vector<double>{3.0, 4.0}));
}

TEST(ClipGradNorm, InfinityNormIsTheLargestMagnitude) {
  const tg::Tensor a = param_with_grad({-7.0, 2.0});
  const tg::Tensor b = param_with_grad({5.0});
  EXPECT_EQ(clip_grad_norm_({a, b}, 100.0, std::numeric_limits<double>::infinity()), 7.0);
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{-7.0, 2.0}));
}

TEST(ClipGradNorm, NonFiniteTotals) {
  const tg::Tensor a = param_with_grad({std::nan(""), 1.0});
  EXPECT_THROW(clip_grad_norm_({a}, 1.0, 2.0, /*error_if_nonfinite=*/true), tg::Error);
  EXPECT_EQ(a.grad().to_vector<double>()[1], 1.0) << "an error leaves the gradients alone";
  // Without the flag, PyTorch scales by the NaN factor.
  EXPECT_TRUE(std::isnan(clip_grad_norm_({a}, 1.0)));
  EXPECT_TRUE(std::isnan(a.grad().to_vector<double>()[1]));
}

TEST(ClipGradNorm, Float32Gradients) {
  const tg::Tensor p = tg::zeros({2}).requires_grad_();
  set_grad(p, tg::tensor({3.0, 4.0}));
  EXPECT_DOUBLE_EQ(clip_grad_norm_({p}, 0.5), 5.0);
  EXPECT_NEAR(p.grad().to_vector<double>()[1], 0.4, 1e-6);
  EXPECT_EQ(p.grad().dtype(), tg::kFloat32);
}

TEST(ClipGradValue, ClampsEveryElementAndSkipsMissingGradients) {
  const tg::Tensor a = param_with_grad({-3.0, 0.2, 0.7});
  const tg::Tensor none = tg::zeros({2}, tg::kFloat64).requires_grad_();
  const tg::Tensor grad = a.grad();
  clip_grad_value_({a, none}, 0.5);
  EXPECT_TRUE(a.grad().is_same(grad));
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{-0.5, 0.2, 0.5}));
  EXPECT_FALSE(none.grad().defined());
  EXPECT_THROW(clip_grad_value_({a}, -1.0), tg::Error);
}

}  // namespace

namespace {

TEST(ClipGradNorm, SingleTensorOverloadAndInfinityNormClipping) {
  const tg::Tensor p = tg::zeros({3}, tg::kFloat64).requires_grad_();
  optim_test::set_grad(p, tg::tensor(std::vector<double>{1, -4, 2}, {3}, tg::kFloat64));
  // inf-norm 4 > max_norm 2: scaled by 2 / (4 + 1e-6)
  EXPECT_EQ(tg::nn::utils::clip_grad_norm_(p, 2.0, std::numeric_limits<double>::infinity()), 4.0);
  EXPECT_NEAR(p.grad()[1].item<double>(), -4 * 2 / (4 + 1e-6), 1e-15);
  tg::nn::utils::clip_grad_value_(p, 0.25);
  EXPECT_EQ(p.grad().to_vector<double>(), (std::vector<double>{0.25, -0.25, 0.25}));
}

TEST(ClipGradNorm, ErrorIfNonfiniteNamesTheNorm) {
  const tg::Tensor p = tg::zeros({2}, tg::kFloat64).requires_grad_();
  optim_test::set_grad(
      p, tg::tensor(std::vector<double>{1, std::numeric_limits<double>::infinity()}, {2}, tg::kFloat64));
  try {
    tg::nn::utils::clip_grad_norm_(p, 1.0, std::numeric_limits<double>::infinity(), true);
    FAIL() << "no error";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("clip_grad_norm_"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("is inf"), std::string::npos) << e.what();
  }
}

TEST(ConvertParameters, RoundTripAndGradientFlow) {
  const tg::Tensor w = tg::tensor(std::vector<double>{1, 2, 3, 4}, {2, 2}, tg::kFloat64).requires_grad_();
  const tg::Tensor b = tg::tensor(std::vector<double>{5}, {1}, tg::kFloat64).requires_grad_();
  const tg::Tensor flat = tg::nn::utils::parameters_to_vector({w, b});
  EXPECT_EQ(flat.to_vector<double>(), (std::vector<double>{1, 2, 3, 4, 5}));
  // Differentiable, as torch.cat of views.
  (flat * tg::tensor(std::vector<double>{1, 2, 3, 4, 5}, {5}, tg::kFloat64)).sum().backward();
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{5}));

  tg::nn::utils::vector_to_parameters(tg::tensor(std::vector<double>{9, 8, 7, 6, 5}, {5}, tg::kFloat64),
                                      {w, b});
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{9, 8, 7, 6}));
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{5}));
  EXPECT_THROW(tg::nn::utils::vector_to_parameters(tg::zeros({4}, tg::kFloat64), {w, b}), tg::Error);
  EXPECT_THROW(tg::nn::utils::vector_to_parameters(tg::zeros({5, 1}, tg::kFloat64), {w, b}), tg::Error);
}

}  // namespace
