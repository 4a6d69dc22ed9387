// Rows for the activations added to autograd/ops/activation.cpp after the first set (softplus, the elu
// family, the hard activations, mish, log_sigmoid, softsign, glu, prelu, logit).
#include "support/op_cases/elementwise_rows.hpp"

namespace tg::testing {
using namespace elementwise_rows;

namespace {
OpCase activation_row(const std::string& name, Fn fn, Domain domain) {
  return {.name = name,
          .fn = std::move(fn),
          .samples = kUnarySamples,
          .domains = {domain},
          .double_backward = true,
          .empty_samples = kUnaryEmpty,
          .fixtures = {name}};
}
}  // namespace

std::vector<OpCase> activation_extra_cases() {
  std::vector<OpCase> rows = {
      activation_row("softplus", unary([](const Tensor& x) { return softplus(x); }), Domain::Wide),
      activation_row("softplus_beta_threshold", unary([](const Tensor& x) { return softplus(x, 2.0, 1.0); }),
                     Domain::Wide),
      activation_row("elu", unary([](const Tensor& x) { return elu(x); }), Domain::AwayFromKinks),
      activation_row("elu_scaled", unary([](const Tensor& x) { return elu(x, 0.5, 2.0, 1.5); }),
                     Domain::AwayFromKinks),
      activation_row("selu", unary(selu), Domain::AwayFromKinks),
      activation_row("celu", unary([](const Tensor& x) { return celu(x, 0.5); }), Domain::AwayFromKinks),
      activation_row("hardtanh", unary([](const Tensor& x) { return hardtanh(x); }), Domain::Wide),
      activation_row("hardtanh_bounds", unary([](const Tensor& x) { return hardtanh(x, -0.5, 2.0); }),
                     Domain::Wide),
      activation_row("relu6", unary(relu6), Domain::Wide),
      activation_row("hardsigmoid", unary(hardsigmoid), Domain::Wide),
      activation_row("hardswish", unary(hardswish), Domain::Wide),
      activation_row("mish", unary(mish), Domain::Wide),
      activation_row("log_sigmoid", unary(log_sigmoid), Domain::Wide),
      activation_row("softsign", unary(softsign), Domain::AwayFromKinks),
      activation_row("logit", unary([](const Tensor& x) { return logit(x); }), Domain::OpenUnit),
      activation_row("logit_eps", unary([](const Tensor& x) { return logit(x, 0.2); }), Domain::OpenUnit),
  };
  for (OpCase& row : rows)
    if (row.name == "celu")
      row.bad = {{.shapes = {{2}},
                  .message = "celu: ZeroDivisionError: alpha cannot be 0 for CELU",
                  .fn = [](const tensor_list& in) { return celu(in[0], 0.0); }}};
  rows.push_back({.name = "glu",
                  .fn = [](const tensor_list& in) { return glu(in[0]); },
                  .samples = {{{3, 4}}, {{2, 3, 6}}, {{4}}},
                  .double_backward = true,
                  .bad = {{{{3, 5}}, "glu: Halving dimension must be even, but dimension 1 is size 5"},
                          {{{}}, "glu does not support scalars"}},
                  .empty_samples = {{{0, 4}}, {{3, 0}}},
                  .fixtures = {"glu"}});
  rows.push_back({.name = "glu_dim0",
                  .fn = [](const tensor_list& in) { return glu(in[0], 0); },
                  .samples = {{{4, 3}}, {{2, 3, 2}}},
                  .double_backward = true,
                  .bad = {{{{3, 4}}, "dimension 0 is size 3"}},
                  .empty_samples = {{{2, 0}}, {{0, 3}}},
                  .fixtures = {"glu_dim0"}});
  rows.push_back({.name = "prelu",
                  .fn = binary(prelu),
                  .samples = {{{3, 4}, {4}}, {{3, 4}, {1}}, {{2, 3, 4}, {3}}, {{5}, {1}}, {{}, {}}},
                  .domains = {Domain::AwayFromKinks, Domain::Any},
                  .double_backward = true,
                  .bad = {{{{3, 4}, {3}},
                           "prelu: Mismatch of parameter numbers and input channel size. Found parameter "
                           "numbers = 3 and channel size = 4"},
                          {{{3, 4}, {2, 2}}, "prelu: Expected `weight` to be a scalar or 1D tensor"}},
                  .empty_samples = {{{0, 4}, {4}}, {{2, 0}, {1}}, {{2, 0, 3}, {0}}},
                  .fixtures = {"prelu", "prelu_shared_weight"}});
  return rows;
}

}  // namespace tg::testing
