// float32 convolutions through oneDNN's primitives (autograd/kernels/dnnl_conv.cpp, Note [oneDNN
// convolutions]): the output and every gradient agree with the float64 convolution (im2col + GEMM, which
// the fixtures and gradchecks cover) across strides, padding, dilation, groups, 1-3 spatial dims, transposed
// convolutions, odd batches split over two threads and a batch of one; and exactly the expected products
// took oneDNN (it declines 1x1 kernels, the input gradient of few input channels, and output sizes that
// are not the formula's).
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <tapegrad/autograd/kernels/dnnl_conv.hpp>
#include <tapegrad/autograd/kernels/dnnl_gemm.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

struct ConvCase {
  std::string name;
  std::vector<std::int64_t> input, weight;
  std::vector<std::int64_t> stride{1}, padding{0}, dilation{1}, output_padding{0};
  std::int64_t groups = 1;
  bool transposed = false;
  // How many of the three products (forward, input gradient, weight gradient) oneDNN runs.
  std::int64_t dnnl_calls = 3;
};

Tensor convolve(const ConvCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
  return tg::convolution(x, w, b, c.stride, c.padding, c.dilation, c.transposed, c.output_padding, c.groups);
}

void expect_near_float64(const Tensor& actual32, const Tensor& expected64, const std::string& what) {
  ASSERT_TRUE(actual32.defined()) << what;
  ASSERT_EQ(actual32.sizes(), expected64.sizes()) << what;
  const double scale = expected64.abs().max().item<double>() + 1;
  const auto got = actual32.detach().to(tg::kFloat64).to_vector<double>();
  const auto want = expected64.detach().to_vector<double>();
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 2e-5 * scale) << what << " element " << i;
}

// Runs the case in float32 and in float64 with the same values; returns how many oneDNN convolutions the
// float32 run made.
std::int64_t check_case(const ConvCase& c) {
  SCOPED_TRACE(c.name);
  const std::int64_t out_channels = c.transposed ? c.weight[1] * c.groups : c.weight[0];
  const Tensor x64 = tg::randn(c.input, tg::kFloat64), w64 = tg::randn(c.weight, tg::kFloat64),
               b64 = tg::randn({out_channels}, tg::kFloat64);
  const Tensor x64g = x64.clone().requires_grad_(), w64g = w64.clone().requires_grad_(),
               b64g = b64.clone().requires_grad_();
  const Tensor y64 = convolve(c, x64g, w64g, b64g);
  const Tensor g64 = tg::randn(y64.sizes(), tg::kFloat64);
  (y64 * g64).sum().backward();

  const Tensor x32 = x64.to(tg::kFloat32).requires_grad_(), w32 = w64.to(tg::kFloat32).requires_grad_(),
               b32 = b64.to(tg::kFloat32).requires_grad_();
  const std::int64_t before = tg::kernels::dnnl_conv_count();
  const Tensor y32 = convolve(c, x32, w32, b32);
  (y32 * g64.to(tg::kFloat32)).sum().backward();
  const std::int64_t calls = tg::kernels::dnnl_conv_count() - before;

  expect_near_float64(y32, y64, "output");
  expect_near_float64(x32.grad(), x64g.grad(), "input gradient");
  expect_near_float64(w32.grad(), w64g.grad(), "weight gradient");
  expect_near_float64(b32.grad(), b64g.grad(), "bias gradient");
  return calls;
}

std::vector<ConvCase> cases() {
  std::vector<ConvCase> out;
  out.push_back({"2d 3x3 padding 1", {5, 8, 10, 9}, {4, 8, 3, 3}, {1}, {1}});
  out.push_back({"2d 5x5 stride 2 padding 2", {4, 8, 12, 13}, {6, 8, 5, 5}, {2}, {2}});
  out.push_back({"2d dilation 2, rectangular", {3, 16, 11, 13}, {16, 16, 3, 2}, {1}, {0}, {2}});
  out.push_back({"2d per-dim stride/padding/dilation", {3, 8, 14, 12}, {8, 8, 3, 3}, {2, 1}, {0, 2}, {1, 3}});
  ConvCase grouped{"2d groups 2", {3, 4, 9, 9}, {6, 2, 3, 3}, {1}, {1}};
  grouped.groups = 2;
  out.push_back(grouped);
  ConvCase depthwise{"2d depthwise", {2, 16, 10, 10}, {16, 1, 3, 3}, {1}, {1}};
  depthwise.groups = 16;
  out.push_back(depthwise);
  out.push_back({"2d batch of one", {1, 12, 8, 8}, {10, 12, 3, 3}, {1}, {1}});
  // Declined by measurement (Note [oneDNN convolutions]): the input gradient of few input channels, and
  // 1x1 convolutions altogether.
  ConvCase few_channels{"2d three input channels", {5, 3, 10, 9}, {4, 3, 3, 3}, {1}, {1}};
  few_channels.dnnl_calls = 2;
  out.push_back(few_channels);
  ConvCase first_layer{"2d one input channel", {7, 1, 28, 28}, {32, 1, 5, 5}};
  first_layer.dnnl_calls = 2;
  out.push_back(first_layer);
  ConvCase pointwise{"2d 1x1", {3, 16, 7, 7}, {8, 16, 1, 1}};
  pointwise.dnnl_calls = 0;
  out.push_back(pointwise);
  out.push_back({"2d 1x1 stride 2", {3, 16, 7, 7}, {8, 16, 1, 1}, {2}});
  out.push_back({"1d", {3, 8, 17}, {7, 8, 4}, {3}, {1}});
  out.push_back({"3d", {2, 8, 6, 7, 5}, {4, 8, 2, 3, 2}, {1}, {1}});
  ConvCase transposed{"2d transposed, output_padding 1", {3, 8, 5, 5}, {8, 8, 3, 3}, {2}, {1}};
  transposed.output_padding = {1};
  transposed.transposed = true;
  out.push_back(transposed);
  ConvCase transposed_grouped{"2d transposed, groups 2", {2, 8, 6, 7}, {8, 3, 3, 3}, {1}, {1}};
  transposed_grouped.groups = 2;
  transposed_grouped.transposed = true;
  out.push_back(transposed_grouped);
  // output_padding 2 >= stride 1 (allowed by dilation 3): every product's output size differs from the
  // formula's, which oneDNN requires.
  ConvCase odd_gradient{"2d transposed, output_padding >= stride", {2, 8, 4, 4}, {8, 8, 2, 2}, {1}, {0}, {3}};
  odd_gradient.output_padding = {2};
  odd_gradient.transposed = true;
  odd_gradient.dnnl_calls = 0;
  out.push_back(odd_gradient);
  return out;
}

struct ThreadCountGuard {
  int previous = tg::get_num_threads();
  ~ThreadCountGuard() { tg::set_num_threads(previous); }
};

TEST(DnnlConvolution, Float32MatchesFloat64OnEveryPath) {
  const ThreadCountGuard guard;
  const bool dnnl = tg::kernels::dnnl_gemm_available();
  tg::manual_seed(3);
  for (const int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    tg::set_num_threads(threads);
    for (const ConvCase& c : cases()) {
      const std::int64_t calls = check_case(c);
      EXPECT_EQ(calls, dnnl ? c.dnnl_calls : 0) << c.name;
    }
  }
  if (!dnnl) GTEST_SKIP() << "built without oneDNN, TG_DNNL=0, or the baseline instruction-set level";
}

TEST(DnnlConvolution, TurnedOffFallsBackToIm2col) {
  if (!tg::kernels::dnnl_gemm_available())
    GTEST_SKIP() << "built without oneDNN, TG_DNNL=0, or the baseline instruction-set level";
  tg::manual_seed(4);
  const Tensor x = tg::randn({4, 6, 9, 9}), w = tg::randn({5, 6, 3, 3});
  const Tensor on = tg::conv2d(x, w, {}, 1, 1);
  tg::kernels::set_gemm_dnnl(false);
  const std::int64_t before = tg::kernels::dnnl_conv_count();
  const Tensor off = tg::conv2d(x, w, {}, 1, 1);
  const std::int64_t calls = tg::kernels::dnnl_conv_count() - before;
  tg::kernels::set_gemm_dnnl(true);
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(tg::allclose(on, off, 1e-5, 1e-5));
}

}  // namespace
