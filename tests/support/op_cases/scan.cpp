// Rows for autograd/ops/scan.cpp: cumsum, cumprod, cummax/cummin (values and indices), logcumsumexp.
#include <tuple>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

std::vector<OpCase> cumsum_cumprod_rows() {
  return {
      {.name = "cumsum",
       .fn = [](const tensor_list& in) { return in[0].cumsum(1); },
       .samples = {{{3, 4}}, {{2, 3, 4}}, {{3, 1}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "cumsum: dim 2 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return cumsum(in[0], 2); }}},
       .empty_samples = {{{0, 4}}, {{3, 0}}, {{2, 0, 4}}},
       .fixtures = {"cumsum_dim1"}},
      {.name = "cumsum_last",
       .fn = [](const tensor_list& in) { return cumsum(in[0], -1); },
       .samples = {{{5}}, {{}}, {{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0}}, {{2, 0}}},
       .fixtures = {"cumsum_last_3d"}},
      {.name = "cumsum_transposed",
       .fn = [](const tensor_list& in) { return in[0].t().cumsum(0); },
       .samples = {{{4, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}}},
       .fixtures = {"cumsum_dim0_transposed"}},
      {.name = "cumsum_to_float64",
       .fn = [](const tensor_list& in) { return in[0].cumsum(0, kFloat64); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .keeps_dtype = false,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"cumsum_float32_to_float64"}},
      // integer and bool inputs: int64 running sums and products, no gradient
      {.name = "cumsum_integer",
       .fn = [](const tensor_list& in) { return in[0].cumsum(1); },
       .bad = {{.shapes = {{2, 3}},
                .message = "cumsum: not implemented for bool results",
                .fn = [](const tensor_list& in) { return in[0].cumsum(1, kBool); }}},
       .keeps_dtype = false,
       .fixtures = {"cumsum_int32", "cumsum_bool"},
       .differentiable = false},
      {.name = "cumprod",
       .fn = [](const tensor_list& in) { return in[0].cumprod(1); },
       .samples = {{{3, 5}}, {{2, 3, 4}}, {{3, 1}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "cumprod: dim -3 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return cumprod(in[0], -3); }}},
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"cumprod_dim1", "cumprod_zeros"}},
      {.name = "cumprod_dim0",
       .fn = [](const tensor_list& in) { return in[0].cumprod(0); },
       .samples = {{{3, 2, 4}}, {{}}, {{4}}},
       .double_backward = true,
       .empty_samples = {{{0, 2}}, {{3, 0}}},
       .fixtures = {"cumprod_dim0_3d"}},
      {.name = "cumprod_integer",
       .fn = [](const tensor_list& in) { return in[0].cumprod(1); },
       .fixtures = {"cumprod_int64"},
       .differentiable = false},
  };
}

std::vector<OpCase> cumulative_extreme_rows() {
  return {
      {.name = "cummax",
       .fn = [](const tensor_list& in) { return std::get<0>(in[0].cummax(1)); },
       .samples = {{{3, 5}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "cummax: dim 2 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return std::get<0>(cummax(in[0], 2)); }}},
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"cummax_dim1"}},
      {.name = "cummax_dim0",
       .fn = [](const tensor_list& in) { return std::get<0>(cummax(in[0], 0)); },
       .samples = {{{3, 2, 4}}, {{}}, {{5}}},
       .double_backward = true,
       .empty_samples = {{{0}}, {{0, 3}}},
       .fixtures = {"cummax_dim0_3d"}},
      {.name = "cummax_indices",
       .fn = [](const tensor_list& in) { return std::get<1>(in[0].cummax(1)); },
       .fixtures = {"cummax_dim1_indices", "cummax_ties_int64_indices"},
       .differentiable = false},
      {.name = "cummin",
       .fn = [](const tensor_list& in) { return std::get<0>(in[0].cummin(1)); },
       .samples = {{{3, 5}}, {{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"cummin_dim1"}},
      {.name = "cummin_transposed",
       .fn = [](const tensor_list& in) { return std::get<0>(in[0].t().cummin(0)); },
       .samples = {{{5, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}}},
       .fixtures = {"cummin_dim0_transposed"}},
      {.name = "cummin_indices",
       .fn = [](const tensor_list& in) { return std::get<1>(in[0].cummin(1)); },
       .fixtures = {"cummin_dim1_indices"},
       .differentiable = false},
      {.name = "cummin_integer_values",
       .fn = [](const tensor_list& in) { return std::get<0>(in[0].cummin(0)); },
       .fixtures = {"cummin_int32_values"},
       .differentiable = false},
  };
}

std::vector<OpCase> logcumsumexp_rows() {
  return {
      {.name = "logcumsumexp",
       .fn = [](const tensor_list& in) { return in[0].logcumsumexp(1); },
       .samples = {{{3, 5}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "logcumsumexp: expected input to be float32 or float64, got int64",
                .dtypes = {kInt64}},
               {.shapes = {{2, 3}},
                .message = "logcumsumexp: dim 2 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return logcumsumexp(in[0], 2); }}},
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"logcumsumexp_dim1", "logcumsumexp_large"}},
      {.name = "logcumsumexp_dim0",
       .fn = [](const tensor_list& in) { return logcumsumexp(in[0], 0); },
       .samples = {{{3, 2, 4}}, {{}}, {{4}}},
       .double_backward = true,
       .empty_samples = {{{0, 2}}},
       .fixtures = {"logcumsumexp_dim0_3d"}},
  };
}

}  // namespace

std::vector<OpCase> scan_cases() {
  std::vector<OpCase> cases = cumsum_cumprod_rows();
  for (auto* family : {cumulative_extreme_rows, logcumsumexp_rows})
    for (OpCase& row : family()) cases.push_back(std::move(row));
  return cases;
}

}  // namespace tg::testing
