// Rows for autograd/ops/norm.cpp: norm for each kind of p, frobenius_norm, linalg_vector_norm and the
// matrix norms of linalg_norm. Inputs stay away from 0 (|x| has a kink there).
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

OpFn norm_over(double p, std::vector<std::int64_t> dims, bool keepdim = false) {
  return [p, dims, keepdim](const tensor_list& in) { return in[0].norm(p, dims, keepdim); };
}

}  // namespace

std::vector<OpCase> norm_cases() {
  return {
      {.name = "norm",
       .fn = [](const tensor_list& in) { return in[0].norm(); },
       .samples = {{{3, 4}}, {{5}}, {{}}, {{2, 3, 4}}},
       .domains = {kKinks},
       .double_backward = true,
       .bad = {{.shapes = {{3}},
                .message = "norm: input dtype should be either floating point or complex. Got int64 instead.",
                .dtypes = {kInt64}}},
       .empty_samples = {{{0, 4}}, {{0}}},
       .fixtures = {"norm_2"}},
      {.name = "norm_dim",
       .fn = norm_over(3, {1}, /*keepdim=*/true),
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .domains = {kKinks},
       .double_backward = true,
       .bad = {{{{3}}, "norm: dim 1 is out of range"}},
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"norm_dim"}},
      {.name = "norm_1",
       .fn = norm_over(1, {0}),
       .samples = {{{3, 4}}, {{5}}},
       .domains = {kKinks},
       .double_backward = true,
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"norm_1"}},
      {.name = "norm_inf",
       .fn = norm_over(kInf, {-1}),
       .samples = {{{3, 4}}, {{5}}},
       .domains = {kKinks},
       .double_backward = true,
       .bad = {{{{3, 0}},
                "norm: cannot compute the inf norm on the dimension 1 because this dimension is empty"}},
       .empty_samples = {{{0, 4}}},
       .fixtures = {"norm_inf"}},
      {.name = "norm_neg_inf",
       .fn = [](const tensor_list& in) { return in[0].norm(-kInf); },
       .samples = {{{3, 4}}, {{5}}},
       .domains = {kKinks},
       .double_backward = true,
       .bad = {{{{0, 3}},
                "norm: cannot compute the -inf norm on the dimension 0 because this dimension is empty"}},
       .fixtures = {"norm_neg_inf"}},
      {.name = "norm_0",
       .fn = norm_over(0, {1}),
       .samples = {{{3, 4}}},
       .domains = {kKinks},
       .double_backward = true,
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"norm_0"}},
      {.name = "norm_fractional",
       .fn = norm_over(0.5, {}),
       .samples = {{{3, 4}}, {{5}}},
       .domains = {kKinks},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"norm_fractional"}},
      {.name = "frobenius_norm",
       .fn =
           [](const tensor_list& in) {
             return frobenius_norm(in[0], {0, 2}, /*keepdim=*/true);
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 4}},
                .message = "frobenius_norm: Expected at most 2 dimensions, but got 3 dimensions instead",
                .fn =
                    [](const tensor_list& in) {
                      return frobenius_norm(in[0], {0, 1, 2});
                    }}},
       .empty_samples = {{{0, 3, 4}}},
       .fixtures = {"frobenius_norm"}},
      {.name = "linalg_vector_norm",
       .fn =
           [](const tensor_list& in) {
             return linalg::vector_norm(in[0], 3, IntArrayRef{0, 2});
           },
       .samples = {{{2, 3, 4}}, {{2, 3, 1}}},
       .domains = {kKinks},
       .double_backward = true,
       .bad = {{.shapes = {{3}},
                .message =
                    "linalg.vector_norm: Expected a floating point or complex tensor as input. Got int64",
                .dtypes = {kInt64}}},
       .empty_samples = {{{0, 3, 4}}, {{2, 0, 4}}},
       .fixtures = {"linalg_vector_norm"}},
      {.name = "linalg_norm_flat",
       .fn = [](const tensor_list& in) { return linalg::norm(in[0]); },
       .samples = {{{2, 3, 4}}, {{}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}}},
       .fixtures = {"linalg_norm_flat"}},
      {.name = "linalg_norm_matrix_1",
       .fn = [](const tensor_list& in) { return linalg::norm(in[0], 1); },
       .samples = {{{3, 4}}},
       .domains = {kKinks},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}},
                .message = "linalg.norm: Order 2 not supported",
                .fn = [](const tensor_list& in) { return linalg::norm(in[0], 2); }},
               {{{2, 3, 4}}, "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D"},
               {{{0, 4}}, "linalg.norm: cannot compute the 1 matrix norm of an empty matrix [0, 4]"}},
       .fixtures = {"linalg_norm_matrix_1"}},
      {.name = "linalg_norm_matrix_inf",
       .fn =
           [](const tensor_list& in) {
             return linalg::norm(in[0], -kInf, IntArrayRef{2, 0}, /*keepdim=*/true);
           },
       .samples = {{{3, 2, 4}}},
       .domains = {kKinks},
       .double_backward = true,
       .bad = {{{{0, 2, 4}}, "linalg.norm: cannot compute the -inf matrix norm of an empty matrix"}},
       .empty_samples = {{{3, 0, 4}}},
       .fixtures = {"linalg_norm_matrix_inf"}},
      {.name = "linalg_norm_fro",
       .fn =
           [](const tensor_list& in) {
             return linalg::norm(in[0], "fro", IntArrayRef{1, 2});
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}},
                .message = "linalg.norm: the nuclear norm needs singular values and is not supported",
                .fn = [](const tensor_list& in) { return linalg::norm(in[0], "nuc"); }}},
       .empty_samples = {{{0, 3, 4}}},
       .fixtures = {"linalg_norm_fro"}},
  };
}

}  // namespace tg::testing
