// Rows for autograd/ops/activation.cpp.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> activation_cases() {
  return {
      {.name = "relu",
       .fn = unary(relu),
       .samples = {{{3, 4}}, {{}}},
       .domains = {kKinks},
       .double_backward = true,
       .empty_samples = kUnaryEmpty,
       .fixtures = {"relu"}},
      {.name = "leaky_relu",
       .fn = [](const tensor_list& in) { return leaky_relu(in[0], 0.1); },
       .samples = {{{3, 4}}},
       .domains = {kKinks},
       .double_backward = true,
       .empty_samples = kUnaryEmpty,
       .fixtures = {"leaky_relu"}},
      {.name = "sigmoid",
       .fn = unary(sigmoid),
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = kUnaryEmpty,
       .fixtures = {"sigmoid"}},
      {.name = "tanh",
       .fn = unary(tanh),
       .samples = {{{3, 4}}, {{}}},
       .double_backward = true,
       .empty_samples = kUnaryEmpty,
       .fixtures = {"tanh"}},
      {.name = "gelu",
       .fn = [](const tensor_list& in) { return gelu(in[0]); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2}},
                .message = "gelu: approximate must be \"none\" or \"tanh\", got \"fast\"",
                .fn = [](const tensor_list& in) { return gelu(in[0], "fast"); }}},
       .empty_samples = kUnaryEmpty,
       .fixtures = {"gelu"}},
      {.name = "gelu_tanh",
       .fn = [](const tensor_list& in) { return gelu(in[0], "tanh"); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = kUnaryEmpty,
       .fixtures = {"gelu_tanh"}},
      {.name = "silu",
       .fn = unary(silu),
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = kUnaryEmpty,
       .fixtures = {"silu"}},
  };
}

}  // namespace tg::testing
