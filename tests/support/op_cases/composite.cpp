// Computations built from several ops (no autograd/ops file of their own): gradients that
// accumulate over an input used several times, kernels fed views, and a small MLP.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> composite_cases() {
  return {
      {.name = "reuse_accumulates",
       .fn = [](const tensor_list& in) { return in[0] * exp(in[0]) + in[0].sum({0}) - in[0]; },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"reuse_accumulates"}},
      {.name = "elementwise_on_views",
       .fn =
           [](const tensor_list& in) {
             const Tensor &x = in[0], &y = in[1];
             return tanh(x.narrow(1, 1, 4)) * y.t().slice(1, 1, 5) + sigmoid(y.slice(0, 0, 8, 2).t());
           },
       .samples = {{{4, 6}, {8, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 6}, {8, 0}}},
       .fixtures = {"elementwise_on_views"}},
      // x does not require grad; the target's classes are the first input's last size, so the
      // samples keep 3 input features for 3 classes.
      {.name = "mlp_6_5_4_3",
       .fn =
           [](const tensor_list& in) {
             Tensor h1 = tanh(linear(in[0], in[1], in[2]));
             Tensor h2 = relu(linear(h1, in[3], in[4]));
             return cross_entropy(linear(h2, in[5], in[6]), in[7]);
           },
       .samples = {{{8, 3}, {5, 3}, {5}, {4, 5}, {4}, {3, 4}, {3}, {8}}},
       .domains = {kConstant, kAny, kAny, kAny, kAny, kAny, kAny, kClasses},
       // no hidden units in the first layer: the loss depends on the second bias only
       .empty_samples = {{{8, 3}, {0, 3}, {0}, {4, 0}, {4}, {3, 4}, {3}, {8}}},
       .fixtures = {"mlp_6_5_4_3"}},
  };
}

}  // namespace tg::testing
