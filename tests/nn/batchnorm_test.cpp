// BatchNorm1d/2d/3d and InstanceNorm1d/2d/3d modules (running statistics over several steps against
// PyTorch's modules, tests/fixtures/norm_modules.txt from make_norm_module_fixtures.py), GroupNorm and
// LocalResponseNorm modules; options, defaults, state_dict names, checkpoints, printing and errors.
// The ops' values and gradients are registry rows (tests/support/op_cases/batch_norm.cpp).
#include <algorithm>
#include <cmath>
#include <functional>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <sstream>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"
#include "support/fixture_reader.hpp"

namespace {

using tapegrad_test::FixtureCase;
using tapegrad_test::FixtureRole;
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

std::vector<std::string> keys(const tg::OrderedDict<Tensor>& dict) {
  std::vector<std::string> names;
  for (const auto& item : dict) names.push_back(item.key());
  return names;
}

void expect_close(const Tensor& actual, const Tensor& expected, double tolerance, const std::string& what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const auto got = actual.to(tg::kFloat64).contiguous().to_vector<double>();
  const auto want = expected.to(tg::kFloat64).contiguous().to_vector<double>();
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tolerance * (1.0 + std::abs(want[i]))) << what << " element " << i;
}

const std::vector<FixtureCase>& module_fixtures() {
  static const auto cases =
      tapegrad_test::read_fixture_file(std::string(TAPEGRAD_FIXTURES_DIR) + "/norm_modules.txt");
  return cases;
}

// The modules of make_norm_module_fixtures.py, by case name.
std::shared_ptr<nn::Module> make_module(const std::string& name) {
  if (name == "batch_norm1d_momentum") return nn::BatchNorm1d(nn::BatchNorm1dOptions(3).momentum(0.3)).ptr();
  if (name == "batch_norm2d_cumulative")
    return nn::BatchNorm2d(nn::BatchNorm2dOptions(2).momentum(std::nullopt)).ptr();
  if (name == "batch_norm3d_defaults") return nn::BatchNorm3d(2).ptr();
  if (name == "batch_norm1d_no_affine_eps")
    return nn::BatchNorm1d(nn::BatchNorm1dOptions(4).eps(1e-2).affine(false)).ptr();
  if (name == "batch_norm1d_untracked")
    return nn::BatchNorm1d(nn::BatchNorm1dOptions(3).track_running_stats(false)).ptr();
  if (name == "batch_norm2d_float32") return nn::BatchNorm2d(4).ptr();
  if (name == "instance_norm1d_tracked")
    return nn::InstanceNorm1d(
               nn::InstanceNorm1dOptions(3).affine(true).track_running_stats(true).momentum(0.2))
        .ptr();
  if (name == "instance_norm2d_defaults") return nn::InstanceNorm2d(2).ptr();
  return nullptr;
}

Tensor run(nn::Module& module, const Tensor& x) {
  if (auto* m = module.as<nn::BatchNorm1dImpl>()) return m->forward(x);
  if (auto* m = module.as<nn::BatchNorm2dImpl>()) return m->forward(x);
  if (auto* m = module.as<nn::BatchNorm3dImpl>()) return m->forward(x);
  if (auto* m = module.as<nn::InstanceNorm1dImpl>()) return m->forward(x);
  if (auto* m = module.as<nn::InstanceNorm2dImpl>()) return m->forward(x);
  ADD_FAILURE() << "no forward for " << module.name();
  return {};
}

TEST(BatchNormModules, RunningStatisticsFollowPyTorchOverSeveralSteps) {
  ASSERT_EQ(module_fixtures().size(), 8u);
  for (const FixtureCase& c : module_fixtures()) {
    SCOPED_TRACE(c.name);
    std::shared_ptr<nn::Module> module = make_module(c.name);
    ASSERT_NE(module, nullptr);
    const bool float32 = c.name.find("float32") != std::string::npos;
    module->to(float32 ? tg::kFloat32 : tg::kFloat64);
    const double tolerance = float32 ? 2e-5 : 1e-12;
    auto params = module->named_parameters();
    for (const char* label : {"weight", "bias"}) {
      if (const auto* value = c.find(FixtureRole::Input, label)) {
        tg::NoGradGuard no_grad;
        params[label].copy_(value->to_tensor());
      }
    }
    for (const auto* input : c.with_role(FixtureRole::Input)) {
      if (input->label == "weight" || input->label == "bias") continue;
      module->train(input->label.rfind("train", 0) == 0);
      const Tensor y = run(*module, input->to_tensor());
      const auto* expected = c.find(FixtureRole::Output, "y_" + input->label);
      ASSERT_NE(expected, nullptr) << input->label;
      expect_close(y, expected->to_tensor(), tolerance, "y_" + input->label);
    }
    const auto buffers = module->named_buffers();
    if (const auto* expected = c.find(FixtureRole::Output, "num_batches_tracked")) {
      expect_close(buffers["running_mean"], c.find(FixtureRole::Output, "running_mean")->to_tensor(),
                   tolerance, "running_mean");
      expect_close(buffers["running_var"], c.find(FixtureRole::Output, "running_var")->to_tensor(), tolerance,
                   "running_var");
      EXPECT_EQ(buffers["num_batches_tracked"].dtype(), tg::kInt64);
      // InstanceNorm counts no batches (PyTorch's modules neither).
      EXPECT_EQ(buffers["num_batches_tracked"].item<std::int64_t>(), expected->int_values.at(0));
    } else {
      EXPECT_EQ(buffers.size(), 0u);
    }
  }
}

TEST(BatchNormModules, OptionsDefaultsAndStateDictNames) {
  const nn::BatchNormOptions options(7);
  EXPECT_EQ(options.num_features(), 7);
  EXPECT_EQ(options.eps(), 1e-5);
  EXPECT_EQ(options.momentum(), std::optional<double>(0.1));
  EXPECT_TRUE(options.affine());
  EXPECT_TRUE(options.track_running_stats());
  const F::BatchNormFuncOptions func;
  EXPECT_FALSE(func.training());
  EXPECT_EQ(func.momentum(), std::optional<double>(0.1));
  EXPECT_EQ(func.eps(), 1e-5);

  nn::BatchNorm2d bn(5);
  EXPECT_EQ(keys(bn->named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(keys(bn->named_buffers()),
            (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_TRUE(bn->weight.equal(tg::ones({5})));
  EXPECT_TRUE(bn->bias.equal(tg::zeros({5})));
  EXPECT_TRUE(bn->running_mean.equal(tg::zeros({5})));
  EXPECT_TRUE(bn->running_var.equal(tg::ones({5})));
  EXPECT_EQ(bn->num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), tg::kInt64);
  EXPECT_TRUE(bn->weight.requires_grad());
  EXPECT_FALSE(bn->running_mean.requires_grad());

  nn::BatchNorm1d bare(nn::BatchNorm1dOptions(3).affine(false).track_running_stats(false));
  EXPECT_EQ(bare->named_parameters().size(), 0u);
  EXPECT_EQ(bare->named_buffers().size(), 0u);
  EXPECT_FALSE(bare->weight.defined());
  EXPECT_FALSE(bare->running_mean.defined());

  nn::Sequential net(nn::Linear(4, 3), nn::BatchNorm1d(3));
  EXPECT_EQ(keys(net->named_buffers()),
            (std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"}));
}

TEST(BatchNormModules, Printing) {
  EXPECT_EQ(printed(nn::BatchNorm2d(64)),
            "torch::nn::BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
  EXPECT_EQ(printed(nn::BatchNorm1d(nn::BatchNorm1dOptions(3).momentum(std::nullopt).affine(false))),
            "torch::nn::BatchNorm1d(3, eps=1e-05, momentum=None, affine=false, track_running_stats=true)");
  EXPECT_EQ(printed(nn::BatchNorm3d(nn::BatchNorm3dOptions(2).eps(1e-3).track_running_stats(false))),
            "torch::nn::BatchNorm3d(2, eps=0.001, momentum=0.1, affine=true, track_running_stats=false)");
  EXPECT_EQ(printed(nn::InstanceNorm2d(8)),
            "torch::nn::InstanceNorm2d(8, eps=1e-05, momentum=0.1, affine=false, track_running_stats=false)");
  EXPECT_EQ(printed(nn::GroupNorm(2, 6)), "torch::nn::GroupNorm(2, 6, eps=1e-05, affine=true)");
  EXPECT_EQ(printed(nn::LocalResponseNorm(5)),
            "torch::nn::LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=1)");
}

TEST(BatchNormModules, InputChecks) {
  nn::BatchNorm1d bn1(3);
  nn::BatchNorm2d bn2(3);
  nn::BatchNorm3d bn3(3);
  EXPECT_THAT(error_message([&] {
                bn1(tg::ones({2, 3, 4, 4}));
              }),
              HasSubstr("BatchNorm1d: expected 2D or 3D input (got 4D input)"));
  EXPECT_THAT(error_message([&] {
                bn2(tg::ones({2, 3, 4}));
              }),
              HasSubstr("BatchNorm2d: expected 4D input (got 3D input)"));
  EXPECT_THAT(error_message([&] {
                bn3(tg::ones({2, 3, 4, 4}));
              }),
              HasSubstr("BatchNorm3d: expected 5D input (got 4D input)"));
  EXPECT_THAT(error_message([&] {
                bn1(tg::ones({1, 3}));
              }),
              HasSubstr("Expected more than 1 value per channel when training, got input size [1, 3]"));
  EXPECT_THAT(error_message([&] {
                bn2(tg::ones({1, 3, 1, 1}));
              }),
              HasSubstr("Expected more than 1 value per channel when training, got input size [1, 3, 1, 1]"));
  EXPECT_THAT(error_message([&] {
                bn1(tg::ones({4, 5}));
              }),
              HasSubstr("batch_norm: weight should contain 5 elements not 3"));
  // One value per channel is fine in evaluation mode (the running statistics are used).
  bn1->eval();
  EXPECT_TRUE(bn1(tg::ones({1, 3})).allclose(tg::ones({1, 3}) / std::sqrt(1.0 + 1e-5)));
  nn::InstanceNorm1d in1(3);
  nn::InstanceNorm2d in2(3);
  nn::InstanceNorm3d in3(3);
  EXPECT_THAT(error_message([&] {
                in1(tg::ones({2, 3, 4, 4}));
              }),
              HasSubstr("InstanceNorm1d: expected 2D or 3D input (got 4D input)"));
  EXPECT_THAT(error_message([&] {
                in2(tg::ones({3, 4}));
              }),
              HasSubstr("InstanceNorm2d: expected 3D or 4D input (got 2D input)"));
  EXPECT_THAT(error_message([&] {
                in3(tg::ones({2, 3, 4, 4, 4, 4}));
              }),
              HasSubstr("InstanceNorm3d: expected 4D or 5D input (got 6D input)"));
  EXPECT_THAT(error_message([] {
                F::batch_norm(tg::ones({2, 3}), {}, {},
                              F::BatchNormFuncOptions().training(true).momentum(std::nullopt));
              }),
              HasSubstr("batch_norm: momentum must be set"));
}

TEST(BatchNormModules, TrainingUpdatesRunningStatisticsEvaluationUsesThem) {
  nn::BatchNorm1d bn(nn::BatchNorm1dOptions(2).momentum(0.5));
  const Tensor x = tg::tensor({1.0, 10.0, 3.0, 20.0, 5.0, 30.0}, {3, 2});
  bn(x);
  // mean [3, 20]; unbiased variance [4, 100]; running = 0.5 * initial + 0.5 * batch.
  EXPECT_TRUE(bn->running_mean.allclose(tg::tensor({1.5, 10.0}, {2})));
  EXPECT_TRUE(bn->running_var.allclose(tg::tensor({2.5, 50.5}, {2})));
  EXPECT_EQ(bn->num_batches_tracked.item<std::int64_t>(), 1);
  bn->eval();
  const Tensor y = bn(x);
  EXPECT_TRUE(y.allclose((x - bn->running_mean) / tg::sqrt(bn->running_var + 1e-5)));
  EXPECT_EQ(bn->num_batches_tracked.item<std::int64_t>(), 1);  // evaluation counts nothing
  EXPECT_TRUE(bn->running_mean.allclose(tg::tensor({1.5, 10.0}, {2})));

  // Without running statistics evaluation normalizes by the batch too.
  nn::BatchNorm1d untracked(nn::BatchNorm1dOptions(2).track_running_stats(false));
  untracked->eval();
  const Tensor z = untracked(x);
  EXPECT_NEAR(z.mean({0}).abs().max().item<double>(), 0.0, 1e-6);

  // reset_running_stats / reset_parameters.
  {
    tg::NoGradGuard no_grad;
    bn->weight.fill_(3.0);
  }
  bn->reset_running_stats();
  EXPECT_TRUE(bn->running_mean.equal(tg::zeros({2})));
  EXPECT_TRUE(bn->running_var.equal(tg::ones({2})));
  EXPECT_EQ(bn->num_batches_tracked.item<std::int64_t>(), 0);
  EXPECT_TRUE(bn->weight.equal(tg::full({2}, 3.0)));
  bn->reset_parameters();
  EXPECT_TRUE(bn->weight.equal(tg::ones({2})));
}

TEST(BatchNormModules, GradientsReachWeightAndBias) {
  tg::manual_seed(11);
  nn::BatchNorm2d bn(3);
  const Tensor x = tg::randn({4, 3, 2, 2}).requires_grad_();
  (bn(x) * tg::randn({4, 3, 2, 2})).sum().backward();
  ASSERT_TRUE(bn->weight.grad().defined());
  ASSERT_TRUE(bn->bias.grad().defined());
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(bn->weight.grad().sizes(), (tg::Shape{3}));
  // The input's gradient of a normalized batch sums to zero per channel.
  EXPECT_NEAR(x.grad().sum({0, 2, 3}).abs().max().item<double>(), 0.0, 1e-5);
  EXPECT_FALSE(bn->running_mean.grad().defined());
}

TEST(BatchNormModules, CheckpointRoundTripKeepsBuffers) {
  tg::manual_seed(12);
  const auto make = [] {
    return nn::Sequential(nn::Linear(4, 3),
                          nn::BatchNorm1d(nn::BatchNorm1dOptions(3).momentum(std::nullopt)));
  };
  nn::Sequential net = make();
  for (int step = 0; step < 3; ++step) net->forward(tg::randn({5, 4}));
  std::stringstream stream;
  tg::save(net, stream);
  auto names = keys(tg::deserialize_safetensors(stream.str()).tensors);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"0.bias", "0.weight", "1.bias", "1.num_batches_tracked",
                                             "1.running_mean", "1.running_var", "1.weight"}));
  nn::Sequential restored = make();
  tg::load(restored, stream);
  const auto saved = net->named_buffers(), loaded = restored->named_buffers();
  for (const char* name : {"1.running_mean", "1.running_var", "1.num_batches_tracked"})
    EXPECT_TRUE(loaded[name].equal(saved[name])) << name;
  EXPECT_EQ(loaded["1.num_batches_tracked"].item<std::int64_t>(), 3);
  EXPECT_EQ(loaded["1.num_batches_tracked"].dtype(), tg::kInt64);
  net->eval();
  restored->eval();
  const Tensor x = tg::randn({2, 4});
  EXPECT_TRUE(restored->forward(x).equal(net->forward(x)));
  // Clones copy the buffers, not share them.
  auto clone = std::dynamic_pointer_cast<nn::SequentialImpl>(net->clone());
  ASSERT_NE(clone, nullptr);
  EXPECT_TRUE(clone->named_buffers()["1.running_var"].equal(saved["1.running_var"]));
  EXPECT_FALSE(clone->named_buffers()["1.running_var"].is_same(saved["1.running_var"]));
}

TEST(InstanceNormModules, OptionsUnbatchedInputAndTracking) {
  const nn::InstanceNormOptions options(4);
  EXPECT_FALSE(options.affine());
  EXPECT_FALSE(options.track_running_stats());
  EXPECT_EQ(options.momentum(), 0.1);
  EXPECT_TRUE(F::InstanceNormFuncOptions().use_input_stats());
  nn::InstanceNorm2d plain(3);
  EXPECT_EQ(plain->named_parameters().size(), 0u);
  EXPECT_EQ(plain->named_buffers().size(), 0u);
  tg::manual_seed(13);
  const Tensor x = tg::randn({2, 3, 4, 5}, tg::kFloat64);
  const Tensor y = plain(x);
  // Every (sample, channel) plane has mean 0 and biased variance 1 / (1 + eps / var).
  EXPECT_NEAR(y.mean({2, 3}).abs().max().item<double>(), 0.0, 1e-12);
  // An unbatched [C, H, W] input is one sample.
  EXPECT_TRUE(plain(x[1]).allclose(y[1], 1e-12, 1e-12));
  nn::InstanceNorm1d tracked(nn::InstanceNorm1dOptions(3).affine(true).track_running_stats(true));
  EXPECT_EQ(keys(tracked->named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(keys(tracked->named_buffers()),
            (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  tracked(tg::randn({2, 3, 6}));
  EXPECT_FALSE(tracked->running_mean.equal(tg::zeros({3})));
  tracked->eval();
  const Tensor z = tg::randn({3, 5});  // unbatched [C, L] in evaluation: the running statistics
  EXPECT_TRUE(tracked(z).allclose((z - tracked->running_mean.unsqueeze(1)) /
                                  tg::sqrt(tracked->running_var.unsqueeze(1) + 1e-5)));
}

TEST(GroupNormModule, ParametersValuesAndErrors) {
  nn::GroupNorm gn(nn::GroupNormOptions(2, 4).eps(1e-3));
  EXPECT_EQ(keys(gn->named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_TRUE(gn->weight.equal(tg::ones({4})));
  EXPECT_TRUE(gn->bias.equal(tg::zeros({4})));
  EXPECT_EQ(nn::GroupNorm(nn::GroupNormOptions(1, 3).affine(false))->named_parameters().size(), 0u);
  tg::manual_seed(14);
  const Tensor x = tg::randn({3, 4, 5}, tg::kFloat64);
  {
    tg::NoGradGuard no_grad;
    gn->to(tg::kFloat64);
    gn->weight.copy_(tg::randn({4}, tg::kFloat64));
    gn->bias.copy_(tg::randn({4}, tg::kFloat64));
  }
  // Reference: each (sample, group) of 2 channels normalized by its own statistics.
  const Tensor grouped = x.reshape({3, 2, 10});
  const Tensor normalized =
      ((grouped - grouped.mean({2}, true)) / tg::sqrt(grouped.var({2}, false, true) + 1e-3))
          .reshape({3, 4, 5});
  EXPECT_TRUE(
      gn(x).allclose(normalized * gn->weight.view({1, 4, 1}) + gn->bias.view({1, 4, 1}), 1e-10, 1e-12));
  EXPECT_THAT(error_message([] { nn::GroupNorm(3, 4); }),
              HasSubstr("GroupNorm: num_channels must be divisible by num_groups"));
  EXPECT_THAT(error_message([&] {
                gn(tg::randn({2, 6, 3}, tg::kFloat64));
              }),
              HasSubstr("Expected weight to be a vector of size equal to the number of channels in input"));
}

TEST(LocalResponseNormModule, OptionsAndValues) {
  const nn::LocalResponseNormOptions options(3);
  EXPECT_EQ(options.alpha(), 1e-4);
  EXPECT_EQ(options.beta(), 0.75);
  EXPECT_EQ(options.k(), 1.0);
  nn::LocalResponseNorm lrn(nn::LocalResponseNormOptions(2).alpha(1.0).beta(1.0).k(0.0));
  EXPECT_EQ(lrn->named_parameters().size(), 0u);
  // size 2: channel c's window is c - 1 .. c; alpha / size = 0.5, so y = x / (0.5 * (x[c-1]² + x[c]²)).
  const Tensor x = tg::tensor({1.0, 2.0, 3.0}, {1, 3, 1}, tg::kFloat64);
  EXPECT_TRUE(lrn(x).allclose(tg::tensor({1.0 / 0.5, 2.0 / 2.5, 3.0 / 6.5}, {1, 3, 1}, tg::kFloat64)));
  EXPECT_THAT(error_message([&] {
                lrn(tg::ones({2, 3}));
              }),
              HasSubstr("Expected 3D or higher dimensionality input (got 2 dimensions)"));
}

TEST(NormModules, LibtorchStyleCodeCompiles) {
  namespace torch = tg;
  struct Net : torch::nn::Module {
    Net()
        : conv_bn(
              register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(4).momentum(0.01)))),
          in(register_module("in",
                             torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(4).affine(true)))),
          gn(register_module("gn", torch::nn::GroupNorm(torch::nn::GroupNormOptions(2, 4)))),
          lrn(register_module("lrn", torch::nn::LocalResponseNorm(3))),
          fc_bn(register_module("fc_bn", torch::nn::BatchNorm1d(16))) {}
    torch::Tensor forward(torch::Tensor x) {
      x = lrn(gn(in(conv_bn(x))));
      x = torch::nn::functional::batch_norm(x, conv_bn->running_mean, conv_bn->running_var,
                                            torch::nn::functional::BatchNormFuncOptions().training(false));
      return fc_bn(x.view({x.size(0), -1}));
    }
    torch::nn::BatchNorm2d conv_bn;
    torch::nn::InstanceNorm2d in;
    torch::nn::GroupNorm gn;
    torch::nn::LocalResponseNorm lrn;
    torch::nn::BatchNorm1d fc_bn;
  };
  Net net;
  const torch::Tensor y = net.forward(torch::randn({3, 4, 2, 2}));
  EXPECT_EQ(y.sizes(), (torch::Shape{3, 16}));
  EXPECT_EQ(net.named_buffers().size(), 6u);  // the InstanceNorm2d tracks nothing by default
  const torch::Tensor z = torch::batch_norm(torch::randn({3, 4}), {}, {}, {}, {}, true, 0.1, 1e-5, false);
  EXPECT_EQ(z.sizes(), (torch::Shape{3, 4}));
}

}  // namespace
