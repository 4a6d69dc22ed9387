// nn::Upsample, F::interpolate's option handling and nn::PixelShuffle / PixelUnshuffle beyond their op
// rows (tests/support/op_cases/upsampling.cpp): the layers against the PyTorch fixtures, defaults, printing
// as libtorch, and libtorch-style code under `namespace torch = tg;`.
#include <cmath>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/fixture_reader.hpp"

namespace {

using tg::Tensor;
namespace nn = tg::nn;
namespace F = tg::nn::functional;
using tapegrad_test::FixtureRole;

const tapegrad_test::FixtureCase& fixture(const std::string& name) {
  static const auto cases =
      tapegrad_test::read_fixture_file(std::string(TAPEGRAD_FIXTURES_DIR) + "/torch_ops.txt");
  for (const auto& c : cases)
    if (c.name == name) return c;
  throw std::runtime_error("no fixture case " + name);
}

double max_abs_difference(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  const auto x = a.to(tg::kFloat64).contiguous().to_vector<double>();
  const auto y = b.to(tg::kFloat64).contiguous().to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

template <class Layer>
void expect_matches_fixture(const std::string& name, Layer&& layer) {
  SCOPED_TRACE(name);
  const auto& c = fixture(name);
  const Tensor x = c.find(FixtureRole::Input, "x")->to_tensor().requires_grad_(true);
  const Tensor out = layer(x);
  EXPECT_LT(max_abs_difference(out, c.find(FixtureRole::Output, "out")->to_tensor()), 1e-12);
  out.backward(c.find(FixtureRole::Upstream, "out")->to_tensor());
  EXPECT_LT(max_abs_difference(x.grad(), c.find(FixtureRole::Grad, "x")->to_tensor()), 1e-12);
}

TEST(UpsamplingLayers, MatchPyTorchValuesAndGradients) {
  expect_matches_fixture("upsample_nearest2d_scale",
                         nn::Upsample(nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 1.5})));
  expect_matches_fixture("upsample_bilinear2d_align", nn::Upsample(nn::UpsampleOptions()
                                                                       .size(std::vector<std::int64_t>{5, 3})
                                                                       .mode(tg::kBilinear)
                                                                       .align_corners(true)));
  expect_matches_fixture(
      "upsample_bilinear2d_scale",
      nn::Upsample(nn::UpsampleOptions().scale_factor(std::vector<double>{1.7, 2.5}).mode(tg::kBilinear)));
  expect_matches_fixture(
      "upsample_trilinear3d",
      nn::Upsample(nn::UpsampleOptions().size(std::vector<std::int64_t>{3, 5, 4}).mode(tg::kTrilinear)));
  expect_matches_fixture("pixel_shuffle", nn::PixelShuffle(2));
  expect_matches_fixture("pixel_unshuffle", nn::PixelUnshuffle(3));
}

TEST(UpsamplingLayers, DefaultsAndPrinting) {
  const nn::UpsampleOptions options;
  EXPECT_TRUE(std::holds_alternative<tg::enumtype::kNearest>(options.mode()));
  EXPECT_FALSE(options.size().has_value());
  EXPECT_FALSE(options.align_corners().has_value());
  const F::InterpolateFuncOptions interpolate;
  EXPECT_FALSE(interpolate.recompute_scale_factor().has_value());
  EXPECT_FALSE(interpolate.antialias());
  const auto text = [](const auto& module) {
    std::ostringstream out;
    out << module;
    return out.str();
  };
  EXPECT_EQ(text(nn::Upsample(nn::UpsampleOptions()
                                  .scale_factor(std::vector<double>{2, 2})
                                  .mode(tg::kBilinear)
                                  .align_corners(false))),
            "torch::nn::Upsample(scale_factor=[2, 2], mode=kBilinear)");
  EXPECT_EQ(text(nn::Upsample(nn::UpsampleOptions().size(std::vector<std::int64_t>{4, 5}))),
            "torch::nn::Upsample(size=[4, 5], mode=kNearest)");
  EXPECT_EQ(text(nn::PixelShuffle(2)), "torch::nn::PixelShuffle(upscale_factor=2)");
  EXPECT_EQ(text(nn::PixelUnshuffle(3)), "torch::nn::PixelUnshuffle(downscale_factor=3)");
}

TEST(UpsamplingLayers, PixelUnshuffleInvertsPixelShuffle) {
  tg::manual_seed(5);
  const Tensor x = tg::randn({2, 18, 3, 4});
  const Tensor shuffled = F::pixel_shuffle(x, 3);
  EXPECT_EQ(shuffled.sizes(), (tg::Shape{2, 2, 9, 12}));
  EXPECT_EQ(max_abs_difference(F::pixel_unshuffle(shuffled, 3), x), 0.0);
  // out[c, h * r + i, w * r + j] = in[c * r * r + i * r + j, h, w]
  EXPECT_EQ(shuffled.index({1, 1, 4, 7}).item<double>(), x.index({1, 9 + 1 * 3 + 1, 1, 2}).item<double>());
}

namespace torch = tg;

TEST(UpsamplingLayers, LibtorchStyleCodeCompilesAndRuns) {
  torch::nn::Sequential decoder(
      torch::nn::Upsample(
          torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kNearest)),
      torch::nn::PixelShuffle(2));
  const torch::Tensor x = torch::randn({1, 8, 3, 3}, torch::requires_grad());
  const torch::Tensor y = decoder->forward(x);
  EXPECT_EQ(y.sizes(), (tg::Shape{1, 2, 12, 12}));
  y.sum().backward();
  // Nearest upsampling by 2 copies each value 4 times: each input gets gradient 4.
  EXPECT_EQ(x.grad().max().item<double>(), 4.0);
  const torch::Tensor z =
      torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                .size(std::vector<int64_t>{5, 5})
                                                .mode(torch::kBicubic)
                                                .align_corners(true));
  EXPECT_EQ(z.sizes(), (tg::Shape{1, 8, 5, 5}));
  EXPECT_EQ(torch::upsample_bilinear2d(x, {6, 6}, false).sizes(), (tg::Shape{1, 8, 6, 6}));
}

}  // namespace
