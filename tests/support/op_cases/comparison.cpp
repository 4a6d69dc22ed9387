// Rows for autograd/ops/comparison.cpp: comparisons, logical/bitwise ops, masks and selection.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {
// A non-differentiable row checked against PyTorch's values (and the bool/int64 dtype of its result).
OpCase values_row(std::string name, OpFn fn, std::vector<std::string> fixtures,
                  std::vector<BadInput> bad = {}) {
  return {.name = std::move(name),
          .fn = std::move(fn),
          .samples = {{{3, 4}, {4}}},
          .bad = std::move(bad),
          .keeps_dtype = false,
          .fixtures = std::move(fixtures),
          .differentiable = false};
}
}  // namespace

std::vector<OpCase> comparison_cases() {
  const Samples where_samples = {
      {{3, 4}, {3, 4}, {3, 4}}, {{3, 4}, {4}, {3, 1}}, {{3, 1}, {1, 4}, {}}, {{}, {2, 3}, {2, 3}}};
  return {
      values_row("eq", binary(eq), {"eq", "eq_int64_float64"},
                 {{{{3, 4}, {5}}, "eq: shapes [3, 4] and [5] do not broadcast"}}),
      values_row("ne", binary(ne), {"ne"}),
      values_row("lt", binary(lt), {"lt"}),
      values_row("le", binary(le), {"le"}),
      values_row("gt", binary(gt), {"gt"}),
      values_row("ge", binary(ge), {"ge"}),
      values_row("eq_scalar", [](const tensor_list& in) { return in[0] == 1; }, {"eq_scalar"}),
      values_row("ne_scalar", [](const tensor_list& in) { return in[0] != 1; }, {"ne_scalar"}),
      values_row("lt_scalar", [](const tensor_list& in) { return in[0] < 1; }, {"lt_scalar"}),
      values_row("le_scalar", [](const tensor_list& in) { return in[0] <= 1; }, {"le_scalar"}),
      values_row("gt_scalar", [](const tensor_list& in) { return in[0] > 1; }, {"gt_scalar"}),
      values_row("ge_scalar", [](const tensor_list& in) { return in[0] >= 1; }, {"ge_scalar"}),
      values_row("logical_and", binary(logical_and), {"logical_and"}),
      values_row("logical_or", binary(logical_or), {"logical_or"}),
      values_row("logical_xor", binary(logical_xor), {"logical_xor"}),
      values_row("logical_not", unary(logical_not), {"logical_not"}),
      values_row("bitwise_and", binary(bitwise_and), {"bitwise_and"},
                 {{.shapes = {{2}, {2}},
                   .message = "bitwise_and: is only supported for integer and bool tensors, got float32",
                   .dtypes = {kFloat32}}}),
      values_row("bitwise_xor", binary(bitwise_xor), {"bitwise_xor_bool"}),
      values_row("isnan", unary(isnan), {"isnan"}),
      values_row("isinf", unary(isinf), {"isinf"}),
      values_row("isfinite", unary(isfinite), {"isfinite"}),
      values_row("any_dim", [](const tensor_list& in) { return any(in[0], 1); }, {"any_dim1"},
                 {{{{3}}, "any: dim 1 is out of range"}}),
      values_row("all_dim", [](const tensor_list& in) { return all(in[0], 0); }, {"all_dim0"}),
      values_row("count_nonzero_dim", [](const tensor_list& in) { return count_nonzero(in[0], 1); },
                 {"count_nonzero_dim1"}),
      values_row("nonzero", unary(nonzero), {"nonzero"}),
      {.name = "where",
       .fn = [](const tensor_list& in) { return where(in[0], in[1], in[2]); },
       .samples = where_samples,
       .domains = {Domain::Mask, kAny},
       .double_backward = true,
       .bad = {{{{3, 4}, {3, 4}, {5}}, "where: shapes [3, 4] and [5] do not broadcast"},
               {.shapes = {{2}, {2}, {2}},
                .message =
                    "where: expected condition to be a boolean tensor, but got a tensor with dtype float32",
                .dtypes = {kFloat32}}},
       .empty_samples = {{{0, 4}, {0, 4}, {4}}, {{3, 0}, {3, 1}, {3, 0}}},
       .fixtures = {"where", "where_broadcast"}},
      {.name = "masked_fill",
       .fn = [](const tensor_list& in) { return masked_fill(in[0], in[1], -2.5); },
       .samples = {{{3, 4}, {4}}, {{3, 4}, {3, 4}}, {{}, {}}},
       .domains = {kAny, Domain::Mask},
       .double_backward = true,
       .bad = {{.shapes = {{4}, {3, 4}},
                .message = "masked_fill: mask of shape [3, 4] cannot be broadcast to the input's shape [4]",
                .fn = [](const tensor_list& in) { return masked_fill(in[0], in[1].to(kBool), 1.0); }}},
       .empty_samples = {{{0, 4}, {4}}, {{3, 0}, {3, 0}}},
       .fixtures = {"masked_fill"}},
      {.name = "masked_select",
       .fn = [](const tensor_list& in) { return masked_select(in[0], in[1]); },
       .samples = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{4}, {3, 4}}},
       .domains = {kAny, Domain::Mask},
       .empty_samples = {{{0, 4}, {4}}, {{3, 0}, {3, 0}}},
       .fixtures = {"masked_select"}},
  };
}

}  // namespace tg::testing
