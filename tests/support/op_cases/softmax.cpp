// Rows for autograd/ops/softmax.cpp.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> softmax_cases() {
  return {
      {.name = "softmax",
       .fn = [](const tensor_list& in) { return softmax(in[0], 1); },
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{{{3}}, "softmax: dim 1 is out of range"},
               {.shapes = {{2, 3}},
                .message = "softmax: dim 2 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return in[0].softmax(2); }}},
       .empty_samples = kSoftmaxEmpty,
       .fixtures = {"softmax_dim1", "softmax_3d_middle", "softmax_large", "softmax_f32"}},
      {.name = "softmax_dim0",
       .fn = [](const tensor_list& in) { return softmax(in[0], 0); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"softmax_dim0"}},
      {.name = "softmax_transposed",
       .fn = [](const tensor_list& in) { return softmax(in[0].t(), 1); },
       .samples = {{{5, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}}, {{5, 0}}},
       .fixtures = {"softmax_transposed"}},
      {.name = "log_softmax",
       .fn = [](const tensor_list& in) { return log_softmax(in[0], -1); },
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "log_softmax: dim -3 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return in[0].log_softmax(-3); }}},
       .empty_samples = kSoftmaxEmpty,
       .fixtures = {"log_softmax_dim1", "log_softmax_3d_last", "log_softmax_large", "log_softmax_f32"}},
      {.name = "log_softmax_dim0",
       .fn = [](const tensor_list& in) { return log_softmax(in[0], 0); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"log_softmax_dim0"}},
      {.name = "log_softmax_permuted",
       .fn =
           [](const tensor_list& in) {
             return log_softmax(in[0].permute({2, 0, 1}), 1);
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{2, 0, 4}}, {{2, 3, 0}}},
       .fixtures = {"log_softmax_permuted"}},
  };
}

}  // namespace tg::testing
