// nn pooling layers and F:: forms (nn/pooling.hpp, nn/functional/pooling.hpp) beyond the op rows of
// tests/support/op_cases/pooling.cpp: values and gradients of the layers against the PyTorch fixtures,
// option defaults, libtorch's printing, adaptive sizes left to the input, unpooling round trips, errors,
// and libtorch-style code under `namespace torch = tg;`.
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

// Runs `layer` on the case's input x and checks the output and x's gradient against PyTorch's.
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

TEST(PoolingLayers, MatchPyTorchValuesAndGradients) {
  expect_matches_fixture("max_pool2d", nn::MaxPool2d(2));
  expect_matches_fixture(
      "max_pool2d_padding_ceil",
      nn::MaxPool2d(nn::MaxPool2dOptions({3, 2}).stride({2, 1}).padding(1).ceil_mode(true)));
  expect_matches_fixture(
      "max_pool1d_ceil_dilation",
      nn::MaxPool1d(nn::MaxPool1dOptions(2).stride(2).padding(1).dilation(2).ceil_mode(true)));
  expect_matches_fixture(
      "max_pool3d",
      nn::MaxPool3d(
          nn::MaxPool3dOptions({2, 3, 2}).stride({1, 2, 2}).padding({1, 1, 0}).dilation({1, 1, 2})));
  expect_matches_fixture(
      "avg_pool2d_exclude_pad",
      nn::AvgPool2d(
          nn::AvgPool2dOptions({3, 2}).stride({2, 1}).padding(1).ceil_mode(true).count_include_pad(false)));
  expect_matches_fixture("avg_pool2d_divisor",
                         nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1).divisor_override(5)));
  expect_matches_fixture("avg_pool1d", nn::AvgPool1d(nn::AvgPool1dOptions(3).stride(2).padding(1)));
  expect_matches_fixture("avg_pool3d_divisor", nn::AvgPool3d(nn::AvgPool3dOptions(2).divisor_override(3)));
  expect_matches_fixture("adaptive_avg_pool2d", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({3, 4})));
  expect_matches_fixture("adaptive_avg_pool1d", nn::AdaptiveAvgPool1d(4));
  expect_matches_fixture("adaptive_avg_pool3d",
                         nn::AdaptiveAvgPool3d(nn::AdaptiveAvgPool3dOptions({2, 3, 2})));
  expect_matches_fixture("adaptive_max_pool2d", nn::AdaptiveMaxPool2d(nn::AdaptiveMaxPool2dOptions({3, 4})));
  expect_matches_fixture("adaptive_max_pool1d", nn::AdaptiveMaxPool1d(3));
  expect_matches_fixture("adaptive_max_pool3d",
                         nn::AdaptiveMaxPool3d(nn::AdaptiveMaxPool3dOptions({2, 3, 2})));
}

TEST(PoolingLayers, ForwardWithIndicesMatchesPyTorchIndices) {
  const auto& c = fixture("max_pool2d_indices");
  const Tensor x = c.find(FixtureRole::Input, "x")->to_tensor();
  nn::MaxPool2d pool(nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true));
  auto [values, indices] = pool->forward_with_indices(x);
  EXPECT_EQ(indices.dtype(), tg::kInt64);
  EXPECT_EQ(indices.to_vector<std::int64_t>(), c.find(FixtureRole::Output, "out")->int_values);
  EXPECT_LT(max_abs_difference(values, pool(x)), 0.0 + 1e-300);

  const auto& adaptive = fixture("adaptive_max_pool2d_indices");
  const Tensor y = adaptive.find(FixtureRole::Input, "x")->to_tensor();
  auto [adaptive_values, adaptive_indices] =
      nn::AdaptiveMaxPool2d(nn::AdaptiveMaxPool2dOptions({3, 4}))->forward_with_indices(y);
  EXPECT_EQ(adaptive_indices.to_vector<std::int64_t>(),
            adaptive.find(FixtureRole::Output, "out")->int_values);
}

TEST(PoolingLayers, MaxUnpoolMatchesPyTorch) {
  for (const char* name : {"max_unpool2d", "max_unpool2d_overlap"}) {
    SCOPED_TRACE(name);
    const auto& c = fixture(name);
    // Values only (the fixture has no gradients): unpooling's gradient is gradchecked by the op registry.
    const Tensor x = c.find(FixtureRole::Input, "x")->to_tensor();
    const Tensor indices = c.find(FixtureRole::Input, "indices")->to_tensor();
    nn::MaxUnpool2d unpool(std::string(name) == "max_unpool2d"
                               ? nn::MaxUnpool2dOptions(2)
                               : nn::MaxUnpool2dOptions(3).stride(2).padding(1));
    const std::vector<std::int64_t> size = std::string(name) == "max_unpool2d"
                                               ? std::vector<std::int64_t>{5, 7}
                                               : std::vector<std::int64_t>{6, 5};
    const Tensor out = unpool(x, indices, size);
    EXPECT_LT(max_abs_difference(out, c.find(FixtureRole::Output, "out")->to_tensor()), 1e-12);
  }
}

// Pooling then unpooling keeps each window's maximum in its place and zeroes the rest; the default output
// size is what the pool maps back to.
TEST(PoolingLayers, UnpoolingRestoresTheMaximaInPlace) {
  tg::manual_seed(3);
  // Positive values: the zeros unpooling writes must not beat a window's maximum when repooled.
  const Tensor x = tg::rand({2, 3, 6, 8}) + 0.5;
  auto [pooled, indices] = F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2));
  const Tensor restored = nn::MaxUnpool2d(2)(pooled, indices);
  ASSERT_EQ(restored.sizes(), x.sizes());
  const Tensor kept = restored.ne(0);
  EXPECT_EQ(kept.sum().item<std::int64_t>(), pooled.numel());
  EXPECT_LT(max_abs_difference(tg::where(kept, x, tg::zeros_like(x)), restored), 1e-300);
  // Repooling the restored tensor gives the same values back.
  EXPECT_LT(max_abs_difference(F::max_pool2d(restored, F::MaxPool2dFuncOptions(2)), pooled), 1e-300);
  // 1-d and 3-d round trips.
  const Tensor line = tg::randn({2, 3, 9});
  auto [pooled_line, line_indices] = F::max_pool1d_with_indices(line, F::MaxPool1dFuncOptions(3));
  EXPECT_EQ(nn::MaxUnpool1d(3)(pooled_line, line_indices).sizes(), line.sizes());
  const Tensor volume = tg::rand({1, 2, 4, 4, 6}) + 0.5;
  auto [pooled_volume, volume_indices] = F::max_pool3d_with_indices(volume, F::MaxPool3dFuncOptions(2));
  EXPECT_LT(max_abs_difference(
                F::max_pool3d(nn::MaxUnpool3d(2)(pooled_volume, volume_indices), F::MaxPool3dFuncOptions(2)),
                pooled_volume),
            1e-300);
}

TEST(PoolingLayers, OptionDefaultsAreLibtorchs) {
  const nn::MaxPool2dOptions max(3);
  EXPECT_EQ(*max.stride(), (std::array<std::int64_t, 2>{3, 3}));
  EXPECT_EQ(*max.padding(), (std::array<std::int64_t, 2>{0, 0}));
  EXPECT_EQ(*max.dilation(), (std::array<std::int64_t, 2>{1, 1}));
  EXPECT_FALSE(max.ceil_mode());
  const nn::AvgPool3dOptions avg({1, 2, 3});
  EXPECT_EQ(*avg.stride(), (std::array<std::int64_t, 3>{1, 2, 3}));
  EXPECT_TRUE(avg.count_include_pad());
  EXPECT_FALSE(avg.divisor_override().has_value());
  const F::MaxUnpool2dFuncOptions unpool(2);
  EXPECT_FALSE(unpool.output_size().has_value());
  EXPECT_EQ(*unpool.stride(), (std::array<std::int64_t, 2>{2, 2}));
  // Pooling layers hold nothing to train or save.
  EXPECT_TRUE(nn::MaxPool2d(2)->parameters().empty());
  EXPECT_TRUE(nn::AdaptiveAvgPool2d(1)->buffers().empty());
}

TEST(PoolingLayers, AdaptiveSizeLeftOutKeepsTheInputSize) {
  tg::manual_seed(4);
  const Tensor x = tg::randn({2, 3, 5, 7});
  const Tensor out = nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({2, std::nullopt}))(x);
  EXPECT_EQ(out.sizes(), (tg::Shape{2, 3, 2, 7}));
  EXPECT_LT(max_abs_difference(out, tg::adaptive_avg_pool2d(x, {2, 7})), 1e-300);
  const Tensor max_out = F::adaptive_max_pool3d(
      tg::randn({2, 4, 3, 5}), F::AdaptiveMaxPool3dFuncOptions({std::nullopt, 2, std::nullopt}));
  EXPECT_EQ(max_out.sizes(), (tg::Shape{2, 4, 2, 5}));
  // A global average is the mean over the plane.
  EXPECT_LT(max_abs_difference(nn::AdaptiveAvgPool2d(1)(x).flatten(1), x.mean({2, 3})), 1e-6);
}

TEST(PoolingLayers, PrintLikeLibtorch) {
  const auto text = [](const auto& module) {
    std::ostringstream out;
    out << module;
    return out.str();
  };
  EXPECT_EQ(text(nn::MaxPool2d(2)),
            "torch::nn::MaxPool2d(kernel_size=[2, 2], stride=[2, 2], padding=[0, 0], dilation=[1, 1], "
            "ceil_mode=false)");
  EXPECT_EQ(text(nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(2).padding(1).dilation(2).ceil_mode(true))),
            "torch::nn::MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=true)");
  EXPECT_EQ(text(nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).count_include_pad(false))),
            "torch::nn::AvgPool2d(kernel_size=[3, 3], stride=[2, 2], padding=[0, 0])");
  EXPECT_EQ(text(nn::AvgPool1d(2)), "torch::nn::AvgPool1d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(text(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({5, std::nullopt}))),
            "torch::nn::AdaptiveAvgPool2d(output_size=[5, None])");
  EXPECT_EQ(text(nn::AdaptiveAvgPool1d(7)), "torch::nn::AdaptiveAvgPool1d(output_size=7)");
  EXPECT_EQ(text(nn::AdaptiveMaxPool3d(nn::AdaptiveMaxPool3dOptions({2, 3, 4}))),
            "torch::nn::AdaptiveMaxPool3d(output_size=[2, 3, 4])");
  EXPECT_EQ(text(nn::MaxUnpool2d(nn::MaxUnpool2dOptions(2).stride(1))),
            "torch::nn::MaxUnpool2d(kernel_size=[2, 2], stride=[1, 1], padding=[0, 0])");
}

TEST(PoolingLayers, ErrorsNameTheOpAndShapes) {
  const auto message = [](const auto& call) {
    try {
      call();
    } catch (const tg::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const Tensor x = tg::randn({1, 1, 4, 4});
  // Named tensors, not a structured binding: clang 14 cannot capture bindings in the lambdas below.
  const auto pooled_and_indices = nn::MaxPool2d(2)->forward_with_indices(x);
  const Tensor pooled = std::get<0>(pooled_and_indices), indices = std::get<1>(pooled_and_indices);
  EXPECT_NE(message([&] {
              nn::MaxUnpool2d(2)(pooled, indices, std::vector<std::int64_t>{9, 9});
            }).find("max_unpool2d: invalid output_size [9, 9] (dim 0 must be between 2 and 6)"),
            std::string::npos);
  EXPECT_NE(
      message([&] {
        nn::MaxUnpool2d(2)(pooled, indices, std::vector<std::int64_t>{1, 2, 3});
      })
          .find("max_unpool2d: output_size should be a sequence containing 2 or 4 elements, but it has a "
                "length of '3'"),
      std::string::npos);
  // Leading dims in output_size are accepted, as in libtorch.
  EXPECT_EQ(nn::MaxUnpool2d(2)(pooled, indices, std::vector<std::int64_t>{1, 1, 5, 5}).sizes(),
            (tg::Shape{1, 1, 5, 5}));
  EXPECT_NE(message([&] {
              nn::MaxPool2d(3)(tg::randn({1, 1, 2, 2}));
            })
                .find("max_pool2d: Given input size: (1x2x2). Calculated output size: (1x0x0). Output size "
                      "is too small"),
            std::string::npos);
  EXPECT_NE(
      message([&] {
        nn::AvgPool2d(2)(tg::randn({4, 4}));
      }).find("avg_pool2d: non-empty 3D or 4D (batch mode) tensor expected for input, but got shape [4, 4]"),
      std::string::npos);
}

// libtorch's MNIST example network, written as there.
namespace torch = tg;

struct Net : torch::nn::Module {
  Net() : pool(torch::nn::MaxPool2dOptions(2).stride(2)) { register_module("pool", pool); }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(torch::max_pool2d(x, 2));
    x = pool->forward(x);
    x = torch::nn::functional::avg_pool2d(x, torch::nn::functional::AvgPool2dFuncOptions(2).ceil_mode(true));
    return torch::nn::functional::adaptive_avg_pool2d(x,
                                                      torch::nn::functional::AdaptiveAvgPool2dFuncOptions(1));
  }
  torch::nn::MaxPool2d pool;
};

TEST(PoolingLayers, LibtorchStyleCodeCompilesAndRuns) {
  auto net = std::make_shared<Net>();
  const torch::Tensor x = torch::randn({2, 3, 24, 24}, torch::requires_grad());
  const torch::Tensor y = net->forward(x);
  EXPECT_EQ(y.sizes(), (tg::Shape{2, 3, 1, 1}));
  y.sum().backward();
  EXPECT_EQ(x.grad().sizes(), x.sizes());
  auto [values, indices] = torch::max_pool2d_with_indices(x, {2, 2});
  EXPECT_EQ(torch::max_unpool2d(values, indices, {24, 24}).sizes(), x.sizes());
  EXPECT_EQ(std::get<0>(torch::adaptive_max_pool2d(x, {3, 3})).sizes(), (tg::Shape{2, 3, 3, 3}));
}

// The vectorized 2x2 / stride-2 path (with a scalar tail) and the general path for stride 1: NaN wins over
// numbers and the last NaN of a window (row by row) gives the index, ties keep the first maximum. Expected
// values from PyTorch 1.13 (F.max_pool2d(x, 2, return_indices=True) on this input).
TEST(PoolingLayers, MaxPoolNaNAndIndicesMatchPyTorchOnTheFastPath) {
  const float nan = std::nanf("");
  std::vector<float> values(80);
  for (int i = 0; i < 80; ++i) values[i] = static_cast<float>(i * 7 % 13 - 6);
  for (int i : {3, 10, 41, 50, 51, 79, 22, 63}) values[i] = nan;
  for (const auto dtype : {tg::kFloat32, tg::kFloat64}) {
    const Tensor x = tg::tensor(values).view({1, 1, 2, 40}).to(dtype);
    const auto [pooled, indices] = F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2));
    const std::vector<float> expected_values = {nan, nan, 3, 4, 5, nan, 1, 2, 3, 4,
                                                5,   nan, 6, 1, 2, 3,   4, 5, 6, nan};
    const std::vector<std::int64_t> expected_indices = {41, 3,  5,  7,  9,  51, 53, 55, 57, 59,
                                                        61, 63, 24, 27, 29, 31, 33, 35, 37, 79};
    const Tensor got = pooled.to(tg::kFloat32).contiguous();
    for (std::size_t o = 0; o < expected_values.size(); ++o) {
      const float v = got.data_ptr<float>()[o];
      if (std::isnan(expected_values[o]))
        EXPECT_TRUE(std::isnan(v)) << "output " << o;
      else
        EXPECT_EQ(v, expected_values[o]) << "output " << o;
      EXPECT_EQ(indices.data_ptr<std::int64_t>()[o], expected_indices[o]) << "output " << o;
    }
    const auto [strided, strided_indices] =
        F::max_pool2d_with_indices(x.slice(3, 0, 6), F::MaxPool2dFuncOptions(2).stride(1));
    EXPECT_TRUE(tg::equal(strided_indices.view({-1}), tg::tensor(std::vector<std::int64_t>{7, 7, 3, 3, 5})));
    EXPECT_EQ(strided.view({-1})[4].item<double>(), 3.0);
    EXPECT_TRUE(std::isnan(strided.view({-1})[0].item<double>()));
  }
}

// float32 2x2 windows run on AVX-512 in 16-output steps with masked tails where the CPU has it; float64
// runs the plain loop. Same values (ties and NaNs included) give the same outputs and indices for every row
// length around the vector width, and for odd heights and widths that leave a row or column out.
TEST(PoolingLayers, MaxPool2x2Float32MatchesFloat64ForEveryRowLength) {
  tg::manual_seed(21);
  for (const std::int64_t width : {2, 3, 4, 8, 9, 14, 16, 24, 30, 32, 33, 34, 48, 66}) {
    for (const std::int64_t height : {2, 5, 8}) {
      SCOPED_TRACE(std::to_string(height) + "x" + std::to_string(width));
      const Tensor x = tg::randint(-4, 5, {3, 2, height, width}, tg::kFloat64)  // small integers: many ties
                           .masked_fill(tg::rand({3, 2, height, width}, tg::kFloat64) < 0.1, std::nan(""));
      const auto [values64, indices64] = F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2));
      const auto [values32, indices32] =
          F::max_pool2d_with_indices(x.to(tg::kFloat32), F::MaxPool2dFuncOptions(2));
      ASSERT_TRUE(tg::equal(indices32, indices64));
      EXPECT_TRUE(tg::allclose(values32.to(tg::kFloat64), values64, 0, 0, /*equal_nan=*/true));
      EXPECT_GT(values64.isnan().sum().item<std::int64_t>(), 0);  // NaN windows were there
    }
  }
}

}  // namespace
