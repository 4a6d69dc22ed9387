// Rows for autograd/ops/trigonometric.cpp.
#include "support/op_cases/elementwise_rows.hpp"

namespace tg::testing {
using namespace elementwise_rows;

namespace {
OpCase unary_row(const std::string& name, Tensor (*op)(const Tensor&), Domain domain = Domain::Any) {
  return {.name = name,
          .fn = unary(op),
          .samples = kUnarySamples,
          .domains = {domain},
          .double_backward = true,
          .empty_samples = kUnaryEmpty,
          .fixtures = {name}};
}
}  // namespace

std::vector<OpCase> trigonometric_cases() {
  std::vector<OpCase> rows = {
      unary_row("sin", sin),
      unary_row("cos", cos),
      unary_row("tan", tan),
      unary_row("asin", asin, Domain::InsideUnit),
      unary_row("acos", acos, Domain::InsideUnit),
      unary_row("atan", atan, Domain::Wide),
      unary_row("sinh", sinh, Domain::Wide),
      unary_row("cosh", cosh, Domain::Wide),
      unary_row("asinh", asinh, Domain::Wide),
      unary_row("acosh", acosh, Domain::AboveOne),
      unary_row("atanh", atanh, Domain::InsideUnit),
  };
  rows.push_back({.name = "atan2",
                  .fn = binary(atan2),
                  .samples = kBinarySamples,
                  .domains = {Domain::NonZero},
                  .double_backward = true,
                  .bad = kBinaryBad,
                  .empty_samples = kBinaryEmpty,
                  .fixtures = {"atan2"}});
  rows.push_back({.name = "hypot",
                  .fn = binary(hypot),
                  .samples = kBinarySamples,
                  .domains = {Domain::NonZero},
                  .double_backward = true,
                  .bad = kBinaryBad,
                  .empty_samples = kBinaryEmpty,
                  .fixtures = {"hypot"}});
  return rows;
}

}  // namespace tg::testing
