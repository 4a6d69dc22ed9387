// Rows for autograd/ops/rounding.cpp (and sign, whose zero gradient is recorded the same way).
// Inputs stay clear of integers and half-integers, where these ops jump.
#include "support/op_cases/elementwise_rows.hpp"

namespace tg::testing {
using namespace elementwise_rows;

namespace {
OpCase rounding_row(const std::string& name, Fn fn, Domain domain = Domain::AwayFromIntegers) {
  return {.name = name,
          .fn = std::move(fn),
          .samples = kUnarySamples,
          .domains = {domain},
          .double_backward = true,
          .empty_samples = kUnaryEmpty,
          .fixtures = {name}};
}

OpCase remainder_row(const std::string& name, Tensor (*op)(const Tensor&, const Tensor&)) {
  return {.name = name,
          .fn = binary(op),
          .samples = kBinarySamples,
          .domains = {Domain::AwayFromIntegers, Domain::NonZero},
          .double_backward = true,
          .bad = kBinaryBad,
          .empty_samples = kBinaryEmpty,
          .fixtures = {name}};
}
}  // namespace

std::vector<OpCase> rounding_cases() {
  return {
      rounding_row("floor", unary(floor)),
      rounding_row("ceil", unary(ceil)),
      rounding_row("round", unary(tg::round)),
      rounding_row("round_decimals", [](const tensor_list& in) { return tg::round(in[0] * 10.0, 1); }),
      rounding_row("trunc", unary(trunc)),
      rounding_row("frac", unary(frac)),
      rounding_row("sign", unary(sign), Domain::AwayFromKinks),
      remainder_row("fmod", fmod),
      remainder_row("remainder", remainder),
      rounding_row("fmod_scalar", [](const tensor_list& in) { return fmod(in[0], -1.5); }),
      rounding_row("remainder_scalar", [](const tensor_list& in) { return remainder(in[0], -1.5); }),
  };
}

}  // namespace tg::testing
