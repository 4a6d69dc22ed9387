// nn::Conv*d, nn::ConvTranspose*d, nn::Fold and nn::Unfold against PyTorch 1.13: the fixture
// tests/fixtures/torch_conv.safetensors (made by make_conv_fixtures.py, which documents its keys) holds each
// case's weights, input, output and gradients; every test builds the same module, loads the state_dict by
// name and compares. Also options, defaults, printing, errors and a libtorch-style snippet.
#include <cmath>
#include <gtest/gtest.h>
#include <sstream>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;
namespace nn = tg::nn;
namespace F = tg::nn::functional;

const tg::SafetensorsFile& fixtures() {
  static const tg::SafetensorsFile file =
      tg::load_safetensors(std::string(TAPEGRAD_FIXTURES_DIR) + "/torch_conv.safetensors");
  return file;
}

Tensor fixture(const std::string& name, const std::string& kind, const std::string& entry) {
  const Tensor* found = fixtures().tensors.find(name + "/" + kind + "/" + entry);
  if (found == nullptr) throw std::runtime_error("no fixture tensor " + name + "/" + kind + "/" + entry);
  return found->clone();
}

bool has(const std::string& name, const std::string& kind, const std::string& entry) {
  return fixtures().tensors.find(name + "/" + kind + "/" + entry) != nullptr;
}

void expect_close(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_TRUE(actual.defined()) << what;
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const auto got = actual.detach().to(tg::kFloat64).to_vector<double>();
  const auto want = expected.to(tg::kFloat64).to_vector<double>();
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-10 * std::max(1.0, std::abs(want[i]))) << what << " element " << i;
}

// Loads the PyTorch state_dict into the module (float64), runs forward, sum(out * g) backward, compares.
template <class Forward>
void expect_matches_torch(const std::string& name, nn::Module& module, Forward forward) {
  SCOPED_TRACE(name);
  std::size_t stored = 0;
  for (const auto& item : fixtures().tensors)
    if (item.key().rfind(name + "/param/", 0) == 0) ++stored;
  auto parameters = module.named_parameters();
  ASSERT_EQ(parameters.size(), stored);
  for (auto& item : parameters) {
    ASSERT_TRUE(has(name, "param", item.key())) << "PyTorch has no parameter " << item.key();
    item.value().set_data(fixture(name, "param", item.key()));
  }
  Tensor x = fixture(name, "input", "x").requires_grad_();
  Tensor out = forward(x);
  expect_close(out, fixture(name, "output", "out"), "output");
  (out * fixture(name, "grad_output", "out")).sum().backward();
  expect_close(x.grad(), fixture(name, "grad", "x"), "d/dx");
  for (const auto& item : module.named_parameters())
    expect_close(item.value().grad(), fixture(name, "grad", "param." + item.key()), "d/d" + item.key());
}

template <class Holder>
void expect_module_matches(const std::string& name, Holder module) {
  expect_matches_torch(name, *module, [&](const Tensor& x) { return module(x); });
}

TEST(ConvModules, MatchPyTorch) {
  expect_module_matches(
      "conv1d_reflect",
      nn::Conv1d(nn::Conv1dOptions(3, 4, 3).stride(2).padding(2).padding_mode(tg::kReflect)));
  expect_module_matches("conv2d_same",
                        nn::Conv2d(nn::Conv2dOptions(2, 3, {3, 4}).padding(tg::kSame).dilation({2, 1})));
  expect_module_matches(
      "conv2d_circular_groups",
      nn::Conv2d(
          nn::Conv2dOptions(4, 6, 3).padding({1, 2}).groups(2).bias(false).padding_mode(tg::kCircular)));
  expect_module_matches("conv2d_fashion", nn::Conv2d(1, 8, 3));
  expect_module_matches(
      "conv3d_replicate",
      nn::Conv3d(
          nn::Conv3dOptions(2, 3, {2, 3, 2}).stride({1, 2, 1}).padding(1).padding_mode(tg::kReplicate)));
  expect_module_matches(
      "conv_transpose1d",
      nn::ConvTranspose1d(nn::ConvTranspose1dOptions(3, 2, 4).stride(3).padding(1).output_padding(2)));
  nn::ConvTranspose2d transposed(nn::ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1).groups(2));
  expect_matches_torch("conv_transpose2d_output_size", *transposed, [&](const Tensor& x) {
    return transposed->forward(x, tg::IntArrayRef({8, 6}));
  });
  expect_module_matches(
      "conv_transpose3d",
      nn::ConvTranspose3d(
          nn::ConvTranspose3dOptions(2, 3, {2, 3, 2}).stride({2, 1, 1}).dilation({1, 2, 1}).bias(false)));
  expect_module_matches("unfold",
                        nn::Unfold(nn::UnfoldOptions({2, 3}).dilation({1, 2}).padding(1).stride({2, 1})));
  expect_module_matches("fold", nn::Fold(nn::FoldOptions({5, 6}, {2, 3}).padding(1).stride({1, 2})));
}

TEST(ConvModules, DefaultsAndParameters) {
  nn::Conv2d conv(1, 32, 3);
  EXPECT_EQ(conv->weight.sizes(), tg::Shape({32, 1, 3, 3}));
  EXPECT_EQ(conv->bias.sizes(), tg::Shape({32}));
  EXPECT_EQ((*conv->options.stride())[1], 1);
  EXPECT_TRUE(std::holds_alternative<tg::ExpandingArray<2>>(conv->options.padding()));
  EXPECT_EQ(conv->options.groups(), 1);
  EXPECT_TRUE(conv->options.bias());
  EXPECT_TRUE(std::holds_alternative<tg::enumtype::kZeros>(conv->options.padding_mode()));
  const auto names = conv->named_parameters().keys();
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias"}));
  // kaiming_uniform_(a = sqrt(5)) and the bias bound are both 1 / sqrt(fan_in) = 1/3 here.
  EXPECT_LE(conv->weight.abs().max().item<double>(), 1.0 / 3.0 + 1e-6);
  EXPECT_LE(conv->bias.abs().max().item<double>(), 1.0 / 3.0 + 1e-6);
  EXPECT_GT(conv->weight.abs().max().item<double>(), 0.25);

  nn::ConvTranspose2d transposed(nn::ConvTranspose2dOptions(4, 6, {3, 2}).groups(2).bias(false));
  EXPECT_EQ(transposed->weight.sizes(), tg::Shape({4, 3, 3, 2}));
  EXPECT_FALSE(transposed->bias.defined());
  EXPECT_EQ(transposed->named_parameters().size(), 1u);

  nn::Conv3d cube(nn::Conv3dOptions(2, 4, {1, 2, 3}).groups(2));
  EXPECT_EQ(cube->weight.sizes(), tg::Shape({4, 1, 1, 2, 3}));
  EXPECT_EQ(cube(tg::randn({1, 2, 3, 4, 5})).sizes(), tg::Shape({1, 4, 3, 3, 3}));
  EXPECT_EQ(cube(tg::randn({2, 3, 4, 5})).sizes(), tg::Shape({4, 3, 3, 3}));  // unbatched
}

std::string printed(const nn::Module& module) {
  std::ostringstream out;
  module.pretty_print(out);
  return out.str();
}

TEST(ConvModules, PrintAsLibtorch) {
  EXPECT_EQ(printed(*nn::Conv2d(1, 32, 3)), "torch::nn::Conv2d(1, 32, kernel_size=[3, 3], stride=[1, 1])");
  EXPECT_EQ(printed(*nn::Conv1d(nn::Conv1dOptions(3, 4, 3).stride(2).padding(2).padding_mode(tg::kReflect))),
            "torch::nn::Conv1d(3, 4, kernel_size=3, stride=2, padding=2, padding_mode=kReflect)");
  EXPECT_EQ(
      printed(*nn::Conv2d(nn::Conv2dOptions(4, 6, 3).padding(tg::kSame).dilation(2).groups(2).bias(false))),
      "torch::nn::Conv2d(4, 6, kernel_size=[3, 3], stride=[1, 1], padding='same', dilation=[2, 2], "
      "groups=2, bias=false)");
  EXPECT_EQ(printed(*nn::ConvTranspose2d(
                nn::ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1).output_padding(1))),
            "torch::nn::ConvTranspose2d(4, 6, kernel_size=[3, 3], stride=[2, 2], padding=[1, 1], "
            "output_padding=[1, 1])");
  EXPECT_EQ(printed(*nn::Unfold(nn::UnfoldOptions(2).padding(1))),
            "torch::nn::Unfold(kernel_size=[2, 2], dilation=[1, 1], padding=[1, 1], stride=[1, 1])");
  EXPECT_EQ(printed(*nn::Fold(nn::FoldOptions({4, 5}, 2))),
            "torch::nn::Fold(output_size=[4, 5], kernel_size=[2, 2], dilation=[1, 1], padding=[0, 0], "
            "stride=[1, 1])");
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ConvModules, Errors) {
  EXPECT_NE(error_of([] {
              nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2));
            }).find("Conv2d: in_channels must be divisible by groups"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              nn::Conv2d(nn::Conv2dOptions(4, 3, 3).groups(2));
            }).find("Conv2d: out_channels must be divisible by groups"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              nn::Conv1d(nn::Conv1dOptions(4, 4, 3).stride(2).padding(tg::kSame));
            }).find("padding='same' is not supported for strided convolutions"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4, 4, 3).padding_mode(tg::kReflect));
            }).find("Only \"zeros\" padding mode is supported for ConvTranspose2d"),
            std::string::npos);
  nn::Conv2d conv(1, 32, 3);
  EXPECT_NE(
      error_of([&] {
        conv(tg::randn({64, 3, 28, 28}));
      })
          .find(
              "conv2d: Given groups=1, weight of size [32, 1, 3, 3], expected input[64, 3, 28, 28] to have 1 "
              "channels, but got 3 channels instead"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              conv(tg::randn({28, 28}));
            })
                .find("conv2d: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of "
                      "size: [28, 28]"),
            std::string::npos);
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(2, 2, 3).stride(2));
  EXPECT_NE(
      error_of([&] {
        up->forward(tg::randn({1, 2, 4, 4}), tg::IntArrayRef({12, 9}));
      })
          .find("ConvTranspose2d: requested an output size of [12, 9], but valid sizes range from [9, 9] to "
                "[10, 10] (for an input of [1, 2, 4, 4])"),
      std::string::npos);
}

TEST(ConvModules, FunctionalFormsMatchTheOps) {
  tg::manual_seed(3);
  const Tensor x = tg::randn({2, 4, 7, 6}), w = tg::randn({6, 2, 3, 3}), b = tg::randn({6});
  const Tensor expected = tg::conv2d(x, w, b, 2, 1, 1, 2);
  const Tensor got = F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).stride(2).padding(1).groups(2));
  EXPECT_TRUE(tg::allclose(got, expected));
  const Tensor wt = tg::randn({4, 3, 3, 3});
  EXPECT_TRUE(
      tg::allclose(F::conv_transpose2d(x, wt, F::ConvTranspose2dFuncOptions().stride(2).output_padding(1)),
                   tg::conv_transpose2d(x, wt, {}, 2, tg::Shape{0}, 1)));
  EXPECT_EQ(F::conv1d(tg::randn({2, 3, 8}), tg::randn({4, 3, 2}), F::Conv1dFuncOptions().padding(tg::kSame))
                .sizes(),
            tg::Shape({2, 4, 8}));
  EXPECT_EQ(F::conv3d(tg::randn({1, 2, 3, 4, 5}), tg::randn({2, 2, 1, 2, 2})).sizes(),
            tg::Shape({1, 2, 3, 3, 4}));
}

// Float32 forward and backward through the per-sample parallel path (batch > thread chunks) agrees with
// float64.
TEST(ConvModules, Float32MatchesFloat64) {
  tg::manual_seed(5);
  const Tensor x64 = tg::randn({9, 3, 11, 10}, tg::dtype(tg::kFloat64)),
               w64 = tg::randn({5, 3, 3, 3}, tg::dtype(tg::kFloat64));
  const Tensor x32 = x64.to(tg::kFloat32).requires_grad_(), w32 = w64.to(tg::kFloat32).requires_grad_();
  const Tensor y64 = tg::conv2d(x64, w64, {}, 1, 1);
  const Tensor y32 = tg::conv2d(x32, w32, {}, 1, 1);
  EXPECT_TRUE(tg::allclose(y32.to(tg::kFloat64), y64, 1e-4, 1e-4));
  y32.sum().backward();
  EXPECT_EQ(w32.grad().sizes(), w32.sizes());
  EXPECT_EQ(x32.grad().sizes(), x32.sizes());
}

namespace torch = tg;

// A libtorch-style network (the MNIST example's convolutions, without pooling), written as libtorch code.
struct Net : torch::nn::Module {
  Net()
      : conv1(torch::nn::Conv2dOptions(1, 10, /*kernel_size=*/5)),
        conv2(torch::nn::Conv2dOptions(10, 20, /*kernel_size=*/5)),
        fc1(20 * 16 * 16, 50) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("fc1", fc1);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(conv1->forward(x));
    x = torch::relu(conv2->forward(x));
    x = x.view({-1, 20 * 16 * 16});
    return fc1->forward(x);
  }
  torch::nn::Conv2d conv1;
  torch::nn::Conv2d conv2;
  torch::nn::Linear fc1;
};

TEST(ConvModules, LibtorchStyleSnippet) {
  auto net = std::make_shared<Net>();
  torch::Tensor out = net->forward(torch::randn({2, 1, 24, 24}));
  EXPECT_EQ(out.sizes(), torch::Shape({2, 50}));
  out.sum().backward();
  EXPECT_EQ(net->conv1->weight.grad().sizes(), torch::Shape({10, 1, 5, 5}));
  const auto names = net->named_parameters().keys();
  EXPECT_EQ(names[0], "conv1.weight");
  namespace F = torch::nn::functional;
  torch::Tensor y = F::conv_transpose2d(torch::randn({1, 4, 5, 5}), torch::randn({4, 2, 3, 3}),
                                        F::ConvTranspose2dFuncOptions().stride(2).padding(1));
  EXPECT_EQ(y.sizes(), torch::Shape({1, 2, 9, 9}));
}

}  // namespace
