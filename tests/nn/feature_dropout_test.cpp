// Channel-wise dropouts (Dropout2d, Dropout3d, FeatureAlphaDropout and ATen's feature_dropout): whole
// (n, c) channels are dropped together, the kept ones scaled by 1/(1-p); evaluation is the identity; the
// gradient is the mask times the scale; libtorch 1.13's unbatched handling, options, printing and errors.
#include <cmath>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sstream>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::HasSubstr;
using tg::Tensor;
using tg::testing::error_message;
namespace nn = tg::nn;
namespace F = tg::nn::functional;

template <class M>
std::string printed(const M& module) {
  std::ostringstream out;
  out << module;
  return out.str();
}

// Checks that every channel (a row of the [channels, plane] view) is constant and equals either
// dropped_value or kept_value; returns how many channels were dropped.
int count_dropped_channels(const Tensor& y, std::int64_t channels, double kept_value, double dropped_value) {
  const auto values = y.contiguous().to(tg::kFloat64).to_vector<double>();
  const auto plane = static_cast<std::size_t>(y.numel() / channels);
  int dropped = 0;
  for (std::size_t c = 0; c < static_cast<std::size_t>(channels); ++c) {
    const double first = values[c * plane];
    const bool is_dropped = std::abs(first - dropped_value) < 1e-6;
    EXPECT_TRUE(is_dropped || std::abs(first - kept_value) < 1e-6) << "channel " << c << " holds " << first;
    for (std::size_t j = 1; j < plane; ++j)
      EXPECT_EQ(values[c * plane + j], first) << "channel " << c << " is not dropped as a whole";
    dropped += is_dropped ? 1 : 0;
  }
  return dropped;
}

TEST(FeatureDropout, Dropout2dDropsWholeChannelsWithProbabilityPAndScalesTheRest) {
  tg::manual_seed(3);
  nn::Dropout2d dropout(0.3);
  const Tensor y = dropout(tg::ones({40, 50, 3, 5}, tg::kFloat64));
  EXPECT_EQ(y.sizes(), (tg::Shape{40, 50, 3, 5}));
  const int dropped = count_dropped_channels(y, 40 * 50, 1.0 / 0.7, 0.0);
  // 2000 channels: binomial standard deviation ~20.5, the bounds are ~5 sigma.
  EXPECT_GT(dropped, 600 - 100);
  EXPECT_LT(dropped, 600 + 100);
}

TEST(FeatureDropout, Dropout3dDropsWholeVolumes) {
  tg::manual_seed(4);
  const Tensor y = F::dropout3d(tg::ones({10, 30, 2, 3, 2}), F::Dropout3dFuncOptions().p(0.5));
  const int dropped = count_dropped_channels(y, 300, 2.0, 0.0);
  EXPECT_GT(dropped, 150 - 45);
  EXPECT_LT(dropped, 150 + 45);
  nn::Dropout3d module(nn::Dropout3dOptions().p(0.25));
  tg::manual_seed(5);
  const int module_dropped =
      count_dropped_channels(module(tg::ones({10, 30, 2, 3, 2})), 300, 1.0 / 0.75, 0.0);
  EXPECT_GT(module_dropped, 75 - 40);
  EXPECT_LT(module_dropped, 75 + 40);
}

TEST(FeatureDropout, EvaluationAndZeroProbabilityAreTheIdentity) {
  const Tensor x = tg::randn({2, 3, 4, 4});
  nn::Dropout2d dropout2d(0.5);
  dropout2d->eval();
  EXPECT_TRUE(dropout2d(x).is_same(x));
  EXPECT_TRUE(F::dropout2d(x, F::Dropout2dFuncOptions().training(false)).is_same(x));
  EXPECT_TRUE(F::dropout2d(x, F::Dropout2dFuncOptions().p(0.0)).is_same(x));
  nn::Dropout3d dropout3d(0.5);
  dropout3d->eval();
  const Tensor v = tg::randn({2, 3, 2, 2, 2});
  EXPECT_TRUE(dropout3d(v).is_same(v));
  EXPECT_TRUE(tg::feature_dropout(x, 0.5, /*train=*/false).is_same(x));
  nn::FeatureAlphaDropout alpha(0.5);
  alpha->eval();
  EXPECT_TRUE(alpha(x).is_same(x));
  EXPECT_TRUE(F::feature_alpha_dropout(x).is_same(x));  // libtorch's default training=false
  // Unbatched evaluation keeps the values.
  const Tensor unbatched = tg::randn({3, 4, 4});
  EXPECT_TRUE(dropout2d(unbatched).equal(unbatched));
}

TEST(FeatureDropout, ProbabilityOneZeroesEverything) {
  const Tensor y = F::dropout2d(tg::randn({2, 3, 4, 4}), F::Dropout2dFuncOptions().p(1.0));
  EXPECT_EQ(tg::count_nonzero(y).item<std::int64_t>(), 0);
  const Tensor a = F::feature_alpha_dropout(tg::randn({2, 3, 4}),
                                            F::FeatureAlphaDropoutFuncOptions().p(1.0).training(true));
  EXPECT_EQ(tg::count_nonzero(a).item<std::int64_t>(), 0);
}

TEST(FeatureDropout, GradientIsTheMaskTimesTheScale) {
  tg::manual_seed(6);
  const Tensor x = tg::ones({6, 7, 3, 2}, tg::kFloat64).requires_grad_();
  const Tensor upstream = tg::randn({6, 7, 3, 2}, tg::kFloat64);
  const Tensor y = F::dropout2d(x, F::Dropout2dFuncOptions().p(0.4));
  (y * upstream).sum().backward();
  // With x = 1 the output is the mask times 1/(1-p).
  EXPECT_TRUE(x.grad().allclose(y.detach() * upstream, 0, 1e-14));
  const int dropped = count_dropped_channels(y.detach(), 42, 1.0 / 0.6, 0.0);
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, 42);
}

TEST(FeatureDropout, UnbatchedInputIsOneSampleAsInLibtorch) {
  tg::manual_seed(7);
  // [C, H, W] for dropout2d: channels along dim 0.
  const Tensor y = F::dropout2d(tg::ones({200, 3, 3}), F::Dropout2dFuncOptions().p(0.5));
  EXPECT_EQ(y.sizes(), (tg::Shape{200, 3, 3}));
  const int dropped = count_dropped_channels(y, 200, 2.0, 0.0);
  EXPECT_GT(dropped, 100 - 35);
  EXPECT_LT(dropped, 100 + 35);
  // [C, D, H, W] for dropout3d.
  const Tensor v = F::dropout3d(tg::ones({100, 2, 2, 2}), F::Dropout3dFuncOptions().p(0.5));
  EXPECT_EQ(v.sizes(), (tg::Shape{100, 2, 2, 2}));
  count_dropped_channels(v, 100, 2.0, 0.0);
}

TEST(FeatureDropout, InplaceWritesIntoTheInput) {
  tg::manual_seed(8);
  Tensor x = tg::ones({4, 25, 2, 2});
  const Tensor y = F::dropout2d(x, F::Dropout2dFuncOptions().p(0.5).inplace(true));
  EXPECT_TRUE(y.is_same(x));
  const int dropped = count_dropped_channels(x, 100, 2.0, 0.0);
  EXPECT_GT(dropped, 0);
  nn::Dropout2d module(nn::Dropout2dOptions(0.5).inplace(true));
  Tensor z = tg::ones({4, 25, 2, 2});
  EXPECT_TRUE(module(z).is_same(z));
  count_dropped_channels(z, 100, 2.0, 0.0);
  Tensor unbatched = tg::ones({50, 2, 2});
  EXPECT_TRUE(module(unbatched).is_same(unbatched));
  count_dropped_channels(unbatched, 50, 2.0, 0.0);
  Tensor aten = tg::ones({10, 20, 3});
  EXPECT_TRUE(tg::feature_dropout_(aten, 0.5, true).is_same(aten));
  count_dropped_channels(aten, 200, 2.0, 0.0);
}

TEST(FeatureDropout, FeatureAlphaDropoutSetsDroppedChannelsToTheSaturationValue) {
  tg::manual_seed(9);
  const double p = 0.2, alpha = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((alpha * alpha * p + 1.0) * (1.0 - p));
  nn::FeatureAlphaDropout module(p);
  const Tensor x = tg::full({20, 25, 4}, 0.5, tg::kFloat64);
  // Kept: a*x + alpha*a*p; dropped: alpha*a*(p-1) (the affine map of SELU's saturation value).
  const int dropped = count_dropped_channels(module(x), 500, a * 0.5 + alpha * a * p, alpha * a * (p - 1.0));
  EXPECT_GT(dropped, 100 - 45);
  EXPECT_LT(dropped, 100 + 45);
  // The gradient is a on kept channels and 0 on dropped ones.
  const Tensor leaf = x.clone().requires_grad_();
  const Tensor y = tg::feature_alpha_dropout(leaf, p, true);
  y.sum().backward();
  const auto grads = leaf.grad().to_vector<double>();
  const auto outputs = y.detach().to_vector<double>();
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const bool kept = std::abs(outputs[i] - alpha * a * (p - 1.0)) > 1e-12;
    EXPECT_NEAR(grads[i], kept ? a : 0.0, 1e-14) << i;
  }
}

TEST(FeatureDropout, OptionsPrintingAndErrors) {
  EXPECT_EQ(printed(nn::Dropout2d()), "torch::nn::Dropout2d(p=0.5, inplace=false)");
  EXPECT_EQ(printed(nn::Dropout3d(nn::Dropout3dOptions(0.2).inplace(true))),
            "torch::nn::Dropout3d(p=0.2, inplace=true)");
  EXPECT_EQ(printed(nn::FeatureAlphaDropout(0.1)), "torch::nn::FeatureAlphaDropout(p=0.1, inplace=false)");
  EXPECT_EQ(nn::Dropout2d()->options.p(), 0.5);
  EXPECT_FALSE(nn::Dropout2d()->options.inplace());
  EXPECT_FALSE(F::FeatureAlphaDropoutFuncOptions().training());
  EXPECT_TRUE(F::Dropout2dFuncOptions().training());

  EXPECT_THAT(error_message([] { nn::Dropout2d(1.5); }),
              HasSubstr("Dropout2d: dropout probability has to be between 0 and 1, but got 1.5"));
  EXPECT_THAT(error_message([] { nn::Dropout3d(-0.1); }), HasSubstr("between 0 and 1, but got -0.1"));
  EXPECT_THAT(error_message([] { nn::FeatureAlphaDropout(2.0); }), HasSubstr("between 0 and 1, but got 2"));
  const Tensor x = tg::ones({2, 3, 4, 4});
  EXPECT_THAT(error_message([&] { F::dropout2d(x, F::Dropout2dFuncOptions().p(1.1)); }),
              HasSubstr("dropout2d: dropout probability has to be between 0 and 1, but got 1.1"));
  EXPECT_THAT(error_message([&] { F::dropout2d(x, F::Dropout2dFuncOptions().p(1.1).training(false)); }),
              HasSubstr("between 0 and 1"));
  EXPECT_THAT(error_message([&] { tg::feature_dropout(x, -1.0, true); }), HasSubstr("between 0 and 1"));
  EXPECT_THAT(error_message([] { tg::feature_dropout(tg::ones({5}), 0.5, true); }),
              HasSubstr("feature_dropout: Feature dropout requires at least 2 dimensions in the input"));
  EXPECT_THAT(error_message([] { F::dropout2d(tg::ones({}), F::Dropout2dFuncOptions()); }),
              HasSubstr("Feature dropout requires at least 2 dimensions"));
  EXPECT_THAT(error_message([] {
                F::feature_alpha_dropout(tg::ones({5}), F::FeatureAlphaDropoutFuncOptions().training(true));
              }),
              HasSubstr("Feature dropout requires at least 2 dimensions"));
  EXPECT_THAT(error_message([] {
                F::dropout2d(tg::ones({2, 3, 4, 4}, tg::kInt64), F::Dropout2dFuncOptions());
              }),
              HasSubstr("dropout2d"));
}

TEST(FeatureDropout, LibtorchStyleCodeCompiles) {
  namespace torch = tg;
  struct Net : torch::nn::Module {
    Net() : drop(register_module("drop", torch::nn::Dropout2d(torch::nn::Dropout2dOptions().p(0.25)))) {}
    torch::Tensor forward(torch::Tensor x) {
      x = drop->forward(x);
      x = torch::nn::functional::dropout3d(
          x.unsqueeze(2), torch::nn::functional::Dropout3dFuncOptions().p(0.1).training(is_training()));
      return torch::feature_alpha_dropout(x.squeeze(2), 0.1, is_training());
    }
    torch::nn::Dropout2d drop;
  };
  Net net;
  net.eval();
  const torch::Tensor x = torch::randn({2, 3, 4, 4});
  EXPECT_TRUE(net.forward(x).equal(x));
  net.train();
  EXPECT_EQ(net.forward(x).sizes(), x.sizes());
}

}  // namespace
