// Rows for autograd/ops/batch_norm.cpp (batch_norm: the fused per-channel kernels in training and
// evaluation, the composed double backward; instance_norm, built on it) and autograd/ops/group_norm.cpp
// (group_norm on layer_norm's rows), plus nn::functional::local_response_norm (composed).
// Running statistics are constants: evaluation rows take running_var = v * v + 0.5 so it is positive.
// tests/nn/batchnorm_test.cpp has the running-statistics updates, modules and PyTorch trajectories.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

namespace F = nn::functional;

const Samples kAffineSamples = {{{4, 3}, {3}, {3}},          {{2, 3, 5}, {3}, {3}}, {{2, 3, 2, 3}, {3}, {3}},
                                {{2, 2, 1, 2, 3}, {2}, {2}}, {{3, 1, 2}, {1}, {1}}, {{8, 4, 3, 3}, {4}, {4}}};
const Samples kAffineEmpty = {{{0, 3}, {3}, {3}}, {{2, 3, 0}, {3}, {3}}, {{2, 0, 4}, {0}, {0}}};
const Samples kEvalSamples = {
    {{3, 4, 5}, {4}, {4}, {4}, {4}}, {{4, 3}, {3}, {3}, {3}, {3}}, {{2, 2, 3, 2}, {2}, {2}, {2}, {2}}};
const std::vector<Domain> kEvalDomains = {kAny, kAny, kAny, kConstant, kConstant};

Tensor positive(const Tensor& v) { return v * v + 0.5; }

Tensor train(const tensor_list& in) {
  return batch_norm(in[0], in[1], in[2], {}, {}, /*training=*/true, 0.1, 1e-5);
}

}  // namespace

std::vector<OpCase> batch_norm_cases() {
  return {
      {.name = "batch_norm_train",
       .fn = train,
       .samples = kAffineSamples,
       .double_backward = true,
       .bad = {{{{4, 3}, {2}, {3}}, "batch_norm: weight should contain 3 elements not 2"},
               {{{4, 3}, {3}, {4}}, "batch_norm: bias should contain 3 elements not 4"},
               {{{3}, {3}, {3}},
                "batch_norm: expected input of shape [N, C, *] with at least 2 dims, got input "
                "of shape [3]"},
               {.shapes = {{4, 3}, {3}, {3}},
                .message = "batch_norm: running_mean should contain 3 elements not 4",
                .fn =
                    [](const tensor_list& in) {
                      return batch_norm(in[0], in[1], in[2], zeros({4}, kFloat64), ones({4}, kFloat64), true,
                                        0.1, 1e-5);
                    }},
               {.shapes = {{4, 3}, {3}, {3}},
                .message = "batch_norm: running_mean and running_var must be defined in evaluation mode",
                .fn =
                    [](const tensor_list& in) {
                      return batch_norm(in[0], in[1], in[2], {}, {}, false, 0.1, 1e-5);
                    }},
               {.shapes = {{4, 3}, {3}, {3}},
                .message = "batch_norm: expected input to be float32 or float64, got int64",
                .dtypes = {kInt64}},
               {.shapes = {{4, 3}, {3}, {3}},
                .message = "batch_norm: expected weight to have input's dtype float64, got float32",
                .dtypes = {kFloat64, kFloat32, kFloat64}}},
       .empty_samples = kAffineEmpty,
       .fixtures = {"batch_norm_train", "batch_norm_train_3d", "batch_norm_train_5d",
                    "batch_norm_train_f32"}},
      {.name = "batch_norm_train_eps",
       .fn = [](const tensor_list& in) { return batch_norm(in[0], in[1], in[2], {}, {}, true, 0.1, 1e-3); },
       .samples = {{{2, 3, 2, 3}, {3}, {3}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 2, 3}, {3}, {3}}},
       .fixtures = {"batch_norm_train_4d"}},
      // The running statistics do not change the training output (they are only updated).
      {.name = "batch_norm_train_tracking",
       .fn =
           [](const tensor_list& in) {
             return batch_norm(in[0], in[1], in[2], in[3].detach().clone(), positive(in[4]).detach(), true,
                               0.3, 1e-5);
           },
       .samples = kEvalSamples,
       .domains = kEvalDomains,
       .double_backward = true,
       .empty_samples = {{{0, 4}, {4}, {4}, {4}, {4}}}},
      {.name = "batch_norm_eval",
       .fn =
           [](const tensor_list& in) {
             return batch_norm(in[0], in[1], in[2], in[3], positive(in[4]), /*training=*/false, 0.1, 1e-5);
           },
       .samples = kEvalSamples,
       .domains = kEvalDomains,
       .double_backward = true,
       .empty_samples = {{{0, 4}, {4}, {4}, {4}, {4}}, {{2, 4, 0}, {4}, {4}, {4}, {4}}},
       .fixtures = {"batch_norm_eval"}},
      {.name = "batch_norm_no_affine",
       .fn =
           [](const tensor_list& in) {
             return F::batch_norm(in[0], {}, {}, F::BatchNormFuncOptions().training(true).eps(1e-3));
           },
       .samples = {{{2, 3, 4}}, {{5, 2}}, {{2, 2, 3, 3}}},
       .double_backward = true,
       .bad = {{{{1, 3}},
                "batch_norm: Expected more than 1 value per channel when training, got input size [1, 3]"},
               {{{1, 3, 1, 1}},
                "batch_norm: Expected more than 1 value per channel when training, got input size [1, 3, 1, "
                "1]"}},
       .empty_samples = {{{0, 3}}, {{2, 3, 0}}},
       .fixtures = {"batch_norm_no_affine"}},
      {.name = "batch_norm_weight_only",
       .fn =
           [](const tensor_list& in) {
             return F::batch_norm(in[0], {}, {},
                                  F::BatchNormFuncOptions().weight(in[1]).training(true).eps(1e-4));
           },
       .samples = {{{5, 2}, {2}}, {{3, 4, 2}, {4}}},
       .double_backward = true,
       .empty_samples = {{{0, 2}, {2}}},
       .fixtures = {"batch_norm_weight_only"}},
      {.name = "instance_norm",
       .fn =
           [](const tensor_list& in) { return instance_norm(in[0], in[1], in[2], {}, {}, true, 0.1, 1e-5); },
       .samples = {{{2, 3, 4}, {3}, {3}}, {{1, 3, 5}, {3}, {3}}, {{2, 2, 2, 3}, {2}, {2}}},
       .double_backward = true,
       .bad = {{{{2, 3, 4}, {4}, {3}}, "instance_norm: weight should contain 3 elements not 4"},
               {.shapes = {{2, 3, 4}},
                .message = "instance_norm: Expected running_mean and running_var to be defined when "
                           "use_input_stats is false",
                .fn =
                    [](const tensor_list& in) {
                      return instance_norm(in[0], {}, {}, {}, {}, false, 0.1, 1e-5);
                    }}},
       .empty_samples = {{{0, 3, 4}, {3}, {3}}, {{2, 3, 0}, {3}, {3}}},
       .fixtures = {"instance_norm"}},
      {.name = "instance_norm_eps",
       .fn =
           [](const tensor_list& in) { return instance_norm(in[0], in[1], in[2], {}, {}, true, 0.1, 1e-3); },
       .samples = {{{2, 2, 3, 3}, {2}, {2}}},
       .double_backward = true,
       .empty_samples = {{{2, 2, 0, 3}, {2}, {2}}},
       .fixtures = {"instance_norm_4d"}},
      {.name = "instance_norm_no_affine",
       .fn = [](const tensor_list& in) { return F::instance_norm(in[0]); },
       .samples = {{{3, 2, 5}}, {{2, 3, 2, 2}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 5}}, {{2, 3, 0}}},
       .fixtures = {"instance_norm_no_affine"}},
      {.name = "instance_norm_eval",
       .fn =
           [](const tensor_list& in) {
             return F::instance_norm(in[0], F::InstanceNormFuncOptions()
                                                .running_mean(in[1])
                                                .running_var(positive(in[2]))
                                                .use_input_stats(false));
           },
       .samples = {{{2, 3, 4}, {3}, {3}}, {{3, 2, 2, 2}, {2}, {2}}},
       .domains = {kAny, kConstant, kConstant},
       .double_backward = true,
       .empty_samples = {{{0, 3, 4}, {3}, {3}}},
       .fixtures = {"instance_norm_eval"}},
      {.name = "group_norm",
       .fn = [](const tensor_list& in) { return group_norm(in[0], 2, in[1], in[2]); },
       .samples =
           {{{2, 4, 3}, {4}, {4}}, {{3, 2, 2, 2}, {2}, {2}}, {{2, 6}, {6}, {6}}, {{1, 4, 1, 2, 3}, {4}, {4}}},
       .double_backward = true,
       .bad = {{{{2, 3, 4}, {3}, {3}},
                "group_norm: Expected number of channels in input to be divisible by num_groups, but got "
                "input of "
                "shape [2, 3, 4] and num_groups=2"},
               {{{2, 4, 3}, {3}, {4}},
                "group_norm: Expected weight to be a vector of size equal to the number of channels in "
                "input, but "
                "got weight of shape [3] and input of shape [2, 4, 3]"},
               {{{4}, {4}, {4}},
                "group_norm: Expected at least 2 dimensions for input tensor but received 1"}},
       .empty_samples = {{{0, 4, 3}, {4}, {4}}, {{2, 4, 0}, {4}, {4}}},
       .fixtures = {"group_norm"}},
      {.name = "group_norm_3_groups",
       .fn =
           [](const tensor_list& in) {
             return F::group_norm(in[0], F::GroupNormFuncOptions(3).weight(in[1]).bias(in[2]).eps(1e-3));
           },
       .samples = {{{3, 6, 2, 2}, {6}, {6}}},
       .double_backward = true,
       .empty_samples = {{{0, 6, 2, 2}, {6}, {6}}},
       .fixtures = {"group_norm_4d"}},
      {.name = "group_norm_4_groups",
       .fn = [](const tensor_list& in) { return group_norm(in[0], 4, in[1], in[2]); },
       .samples = {{{2, 8, 2, 3}, {8}, {8}}},
       .double_backward = true,
       .empty_samples = {{{2, 8, 0, 3}, {8}, {8}}},
       .fixtures = {"group_norm_f32"}},
      {.name = "group_norm_no_affine",
       .fn = [](const tensor_list& in) { return group_norm(in[0], 1); },
       .samples = {{{2, 3, 4}}, {{3, 2}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 4}}, {{2, 3, 0}}},
       .fixtures = {"group_norm_no_affine"}},
      {.name = "local_response_norm",
       .fn =
           [](const tensor_list& in) {
             return F::local_response_norm(in[0],
                                           F::LocalResponseNormFuncOptions(3).alpha(0.5).beta(0.75).k(1.5));
           },
       .samples = {{{2, 5, 4}}, {{2, 4, 3, 3}}, {{1, 1, 3}}, {{1, 3, 2, 2, 2}}},
       .double_backward = true,
       .bad = {{{{2, 5}},
                "local_response_norm: Expected 3D or higher dimensionality input (got 2 dimensions)"}},
       .empty_samples = {{{0, 5, 4}}, {{2, 0, 4}}, {{2, 5, 0}}},
       .fixtures = {"local_response_norm", "local_response_norm_4d"}},
      {.name = "local_response_norm_even",
       .fn =
           [](const tensor_list& in) {
             return F::local_response_norm(in[0],
                                           F::LocalResponseNormFuncOptions(2).alpha(0.3).beta(0.5).k(2.0));
           },
       .samples = {{{1, 3, 2, 2, 2}}, {{2, 4, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 2, 2, 2}}},
       .fixtures = {"local_response_norm_5d_even"}},
      {.name = "local_response_norm_defaults",
       .fn =
           [](const tensor_list& in) {
             return F::local_response_norm(in[0], F::LocalResponseNormFuncOptions(5));
           },
       .samples = {{{2, 7, 3}}},
       .double_backward = true,
       .empty_samples = {{{2, 7, 0}}},
       .fixtures = {"local_response_norm_defaults"}},
  };
}

}  // namespace tg::testing
