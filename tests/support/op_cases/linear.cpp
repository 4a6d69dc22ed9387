// Rows for autograd/ops/linear.cpp.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> linear_cases() {
  return {
      {.name = "linear",
       .fn = [](const tensor_list& in) { return linear(in[0], in[1], in[2]); },
       .samples = {{{5, 4}, {3, 4}, {3}}, {{2, 3, 4}, {3, 4}, {3}}, {{4}, {2, 4}, {2}}},
       .double_backward = true,
       .bad = {{{{5, 4}, {3, 5}, {3}},
                "linear: input of shape [5, 4] has 4 features but weight of shape [3, 5]"},
               {{{5, 4}, {3, 4}, {4}}, "linear: bias must have shape [3]"},
               {{{8, 4}, {3, 4}, {4}},
                "linear: bias must have shape [3] for weight of shape [3, 4], got [4]"}},
       .empty_samples = {{{0, 4}, {3, 4}, {3}}, {{5, 0}, {3, 0}, {3}}, {{5, 4}, {0, 4}, {0}}},
       .fixtures = {"linear", "linear_3d", "linear_1d", "linear_f32"}},
      // weight_t is the weight's values transposed; the gradient goes to the weight, as for linear.
      {.name = "linear_pretransposed",
       .fn =
           [](const tensor_list& in) {
             return linear_pretransposed(in[0], in[1], in[1].detach().t().contiguous(), in[2]);
           },
       .samples = {{{5, 4}, {3, 4}, {3}}, {{2, 3, 4}, {3, 4}, {3}}, {{4}, {2, 4}, {2}}},
       .double_backward = true,
       .bad = {{{{5, 4}, {3, 5}, {3}},
                "linear: input of shape [5, 4] has 4 features but weight of shape [3, 5]"}},
       .empty_samples = {{{0, 4}, {3, 4}, {3}}, {{5, 0}, {3, 0}, {3}}, {{5, 4}, {0, 4}, {0}}},
       .fixtures = {"linear_pretransposed"}},
      {.name = "linear_no_bias",
       .fn = [](const tensor_list& in) { return linear(in[0], in[1]); },
       .samples = {{{5, 4}, {3, 4}}},
       .double_backward = true,
       .bad = {{{{8, 5}, {3, 4}},
                "linear: input of shape [8, 5] has 5 features but weight of shape [3, 4] expects 4"},
               {{{8, 4}, {4}}, "linear: weight must be 2-D [out_features, in_features], got [4]"},
               {.shapes = {{8, 4}, {3, 4}},
                .message = "linear: input is float32 but weight is float64",
                .dtypes = {kFloat32, kFloat64}}},
       .empty_samples = {{{0, 4}, {3, 4}}, {{5, 0}, {3, 0}}, {{5, 4}, {0, 4}}},
       .fixtures = {"linear_no_bias"}},
      {.name = "linear_transposed_weight",
       .fn = [](const tensor_list& in) { return linear(in[0], in[1].t(), in[2]); },
       .samples = {{{5, 4}, {4, 3}, {3}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {4, 3}, {3}}, {{5, 0}, {0, 3}, {3}}},
       .fixtures = {"linear_transposed_weight"}},
      {.name = "linear_sliced_input",
       .fn = [](const tensor_list& in) { return linear(in[0].slice(1, 1, 5), in[1], in[2]); },
       .samples = {{{5, 6}, {3, 4}, {3}}},
       .double_backward = true,
       .empty_samples = {{{0, 6}, {3, 4}, {3}}},
       .fixtures = {"linear_sliced_input"}},
  };
}

}  // namespace tg::testing
