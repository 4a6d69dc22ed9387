// Rows for the exp/log relatives of autograd/ops/unary.cpp (rsqrt, reciprocal, log1p, expm1, log2,
// log10, exp2, square).
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

std::vector<OpCase> exp_log_cases() {
  return {
      unary_row("rsqrt", rsqrt, Domain::Positive), unary_row("reciprocal", reciprocal, Domain::NonZero),
      unary_row("log1p", log1p, Domain::Positive), unary_row("expm1", expm1, Domain::Wide),
      unary_row("log2", log2, Domain::Positive),   unary_row("log10", log10, Domain::Positive),
      unary_row("exp2", exp2, Domain::Wide),       unary_row("square", square),
  };
}

}  // namespace tg::testing
