// Rows for autograd/ops/reduction.cpp: sum, mean, max (values and indices), argmax, var.
#include <cstdint>
#include <tuple>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

// Dims go through a named vector: a braced {1} would also match var(bool unbiased).
const std::vector<std::int64_t> kDim1{1}, kDims02{0, 2};

std::vector<OpCase> sum_mean_rows() {
  return {
      {.name = "sum",
       .fn = [](const tensor_list& in) { return in[0].sum(); },
       .samples = {{{3, 4}}, {{}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{3}},
                .message = "sum: expected input to be float32 or float64, got int64",
                .dtypes = {kInt64}}},
       .empty_samples = kReductionEmpty,
       .fixtures = {"sum_all"}},
      {.name = "sum_dims",
       .fn =
           [](const tensor_list& in) {
             return in[0].sum({0, 2});
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "sum: dim 2 is out of range for a tensor of rank 2 (expected a dim in [-2, 1])",
                .fn = [](const tensor_list& in) { return in[0].sum({2}); }},
               {{{2, 3}}, "sum: dim 2 is out of range for a tensor of rank 2"},
               {.shapes = {{2, 3}},
                .message = "sum: dim -1 appears more than once in [1, -1]",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].sum({1, -1});
                    }}},
       .empty_samples = {{{2, 0, 4}}, {{0, 3, 4}}, {{2, 3, 0}}}},
      {.name = "sum_keepdim",
       .fn = [](const tensor_list& in) { return in[0].sum(1, true); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{3, 0}}, {{0, 4}}}},
      {.name = "sum_dim",
       .fn = [](const tensor_list& in) { return in[0].sum(kDim1); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{3, 0}}, {{0, 4}}},
       .fixtures = {"sum_dim"}},
      {.name = "sum_dims_keepdim",
       .fn = [](const tensor_list& in) { return in[0].sum(kDims02, true); },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{2, 0, 4}}, {{2, 3, 0}}},
       .fixtures = {"sum_dims_keepdim"}},
      {.name = "sum_permuted",
       .fn =
           [](const tensor_list& in) {
             return in[0].permute({2, 0, 1}).sum(kDim1);
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{2, 0, 4}}, {{0, 3, 4}}},
       .fixtures = {"sum_permuted"}},
      {.name = "mean",
       .fn = [](const tensor_list& in) { return in[0].mean(); },
       .samples = {{{3, 4}}, {{}}},
       .double_backward = true,
       .empty_samples = kReductionEmpty,
       .fixtures = {"mean_all"}},
      {.name = "mean_dims",
       .fn = [](const tensor_list& in) { return in[0].mean({-1}, true); },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "mean: dim -3 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return in[0].mean({-3}); }}},
       .empty_samples = {{{2, 3, 0}}, {{0, 3, 4}}}},
      {.name = "mean_dim",
       .fn = [](const tensor_list& in) { return in[0].mean({-1}); },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{2, 3, 0}}, {{0, 3, 4}}},
       .fixtures = {"mean_dim"}},
      {.name = "mean_dims_keepdim",
       .fn =
           [](const tensor_list& in) {
             return in[0].mean({0, 1}, true);
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{2, 3, 0}}, {{0, 3, 4}}},
       .fixtures = {"mean_dims_keepdim"}},
  };
}

// max(dim) returns (values, indices): the values are a differentiable row, the indices another,
// non-differentiable one.
std::vector<OpCase> max_rows() {
  return {
      {.name = "max",
       .fn = [](const tensor_list& in) { return in[0].max(); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .bad = {{{{0, 3}}, "max: cannot take the maximum of an empty"},
               {{{0}}, "max: cannot take the maximum of an empty tensor of shape [0]"}},
       .fixtures = {"max_all", "max_all_ties"}},
      {.name = "max_dim",
       .fn = [](const tensor_list& in) { return std::get<0>(in[0].max(1)); },
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{{{3, 0}}, "max: cannot take the maximum of an empty"},
               {.shapes = {{2, 3}},
                .message = "max: dim 5 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return std::get<0>(max(in[0], 5)); }}},
       .empty_samples = {{{0, 4}}, {{2, 3, 0, 4}}},
       .fixtures = {"max_dim"}},
      {.name = "max_dim_keepdim",
       .fn = [](const tensor_list& in) { return std::get<0>(in[0].max(0, true)); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{3, 0}}},
       .fixtures = {"max_dim_keepdim"}},
      {.name = "max_dim_transposed",
       .fn = [](const tensor_list& in) { return std::get<0>(in[0].t().max(1)); },
       .samples = {{{4, 3}}},
       .double_backward = true,
       .empty_samples = {{{4, 0}}},
       .fixtures = {"max_dim_transposed"}},
      {.name = "max_dim_indices",
       .fn = [](const tensor_list& in) { return std::get<1>(in[0].max(1)); },
       .fixtures = {"max_dim_indices"},
       .differentiable = false},
      {.name = "max_dim_keepdim_indices",
       .fn = [](const tensor_list& in) { return std::get<1>(in[0].max(0, true)); },
       .fixtures = {"max_dim_keepdim_indices"},
       .differentiable = false},
      {.name = "max_dim_transposed_indices",
       .fn = [](const tensor_list& in) { return std::get<1>(in[0].t().max(1)); },
       .fixtures = {"max_dim_transposed_indices"},
       .differentiable = false},
      {.name = "argmax",
       .fn = [](const tensor_list& in) { return in[0].argmax(); },
       .bad = {{{{0, 2}}, "argmax: cannot take the argmax of an empty tensor"}},
       .fixtures = {"argmax"},
       .differentiable = false},
      {.name = "argmax_dim1",
       .fn = [](const tensor_list& in) { return in[0].argmax(1); },
       .bad = {{.shapes = {{2, 3}},
                .message = "argmax: dim -4 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return in[0].argmax(-4); }}},
       .fixtures = {"argmax_dim1"},
       .differentiable = false},
  };
}

std::vector<OpCase> var_rows() {
  return {
      {.name = "var",
       .fn = [](const tensor_list& in) { return in[0].var(); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = kReductionEmpty,
       .fixtures = {"var_all_unbiased"}},
      {.name = "var_biased",
       .fn = [](const tensor_list& in) { return in[0].var(false); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = kReductionEmpty,
       .fixtures = {"var_all_biased"}},
      {.name = "var_dim",
       .fn = [](const tensor_list& in) { return in[0].var(kDim1); },
       .samples = {{{3, 5}}},
       .double_backward = true,
       .empty_samples = {{{0, 5}}, {{3, 0}}},
       .fixtures = {"var_dim_unbiased"}},
      {.name = "var_dims_biased",
       .fn = [](const tensor_list& in) { return in[0].var(kDim1, false, true); },
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}, {{3, 0}}, {{2, 3, 0}}}},
      {.name = "var_dims_biased_keepdim",
       .fn = [](const tensor_list& in) { return in[0].var(kDims02, false, true); },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{2, 0, 4}}},
       .fixtures = {"var_dims_biased_keepdim"}},
      {.name = "var_transposed",
       .fn = [](const tensor_list& in) { return in[0].t().var(kDim1); },
       .samples = {{{4, 3}}},
       .double_backward = true,
       .empty_samples = {{{4, 0}}},
       .fixtures = {"var_transposed"}},
  };
}

}  // namespace

std::vector<OpCase> reduction_cases() {
  std::vector<OpCase> cases;
  for (auto group : {sum_mean_rows(), max_rows(), var_rows()})
    cases.insert(cases.end(), group.begin(), group.end());
  return cases;
}

}  // namespace tg::testing
