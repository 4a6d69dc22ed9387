// Rows for autograd/ops/scatter.cpp. Index tensors are int64 inputs (not differentiated). Rows of ops
// whose duplicate indices overwrite (scatter, index_copy) use indices of size 1 along dim so no position
// is written twice and finite differences see every src element; their fixtures use distinct indices.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {
OpCase triangle_row(std::string name, OpFn fn, std::string fixture) {
  return {.name = std::move(name),
          .fn = std::move(fn),
          .samples = {{{3, 4}}, {{4, 3}}, {{2, 3, 3}}, {{1, 2, 4, 2}}},
          .double_backward = true,
          .bad = {{{{4}}, "input tensor must have at least 2 dimensions, got shape [4]"}},
          .empty_samples = {{{0, 3}}, {{3, 0}}, {{0, 2, 2}}},
          .fixtures = {std::move(fixture)}};
}
}  // namespace

std::vector<OpCase> scatter_cases() {
  return {
      {.name = "scatter",
       .fn = [](const tensor_list& in) { return in[0].scatter(1, in[1], in[2]); },
       // src larger than index, and a batched one
       .samples = {{{3, 4}, {3, 1}, {3, 2}}, {{2, 3, 4}, {2, 1, 3}, {2, 2, 4}}},
       .domains = {kAny, kIndices, kAny},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}, {1, 2}},
                .message = "scatter: index 5 at position 1 is out of bounds for dimension 1 with size 4",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter(1, int64s({0, 5}, {1, 2}), in[1]);
                    }},
               {.shapes = {{3, 4}, {1, 2}},
                .message = "scatter: expected dtype int64 for index, got float64",
                .dtypes = {kFloat64},
                .fn = [](const tensor_list& in) { return in[0].scatter(1, in[1], in[1]); }},
               {.shapes = {{3, 4}, {1, 1}},
                .message =
                    "scatter: expected index [1, 2] to be smaller than self [3, 4] apart from dimension 1 "
                    "and to be smaller size than src [1, 1] (index.size(1) = 2)",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter(1, int64s({0, 1}, {1, 2}), in[1]);
                    }},
               {.shapes = {{3, 4}, {5, 1}},
                .message =
                    "scatter: expected index [4, 1] to be smaller than self [3, 4] apart from dimension 1",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter(1, int64s({0, 1, 2, 3}, {4, 1}), in[1]);
                    }},
               {.shapes = {{3, 4}, {2}},
                .message = "scatter: index tensor must have the same number of dimensions as self tensor",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter(0, int64s({0, 1}), in[1]);
                    }},
               {.shapes = {{3, 4}, {1, 2}},
                .message = "scatter: expected self.dtype to be equal to src.dtype, got float64 and float32",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter(1, int64s({0, 1}, {1, 2}), in[1].to(kFloat32));
                    }}},
       .empty_samples = {{{3, 4}, {3, 0}, {3, 2}}, {{0, 4}, {0, 1}, {0, 1}}, {{3, 4}, {0, 1}, {2, 2}}},
       .fixtures = {"scatter_dim1", "scatter_src_larger"}},
      {.name = "scatter_dim0",
       .fn = [](const tensor_list& in) { return in[0].scatter(0, in[1], in[2]); },
       .samples = {{{4, 3}, {1, 3}, {2, 3}}, {{3, 2}, {1, 1}, {1, 2}}, {{}, {}, {}}},
       .domains = {kAny, kIndices, kAny},
       .double_backward = true,
       .empty_samples = {{{4, 3}, {1, 0}, {1, 3}}},
       .fixtures = {"scatter_dim0"}},
      {.name = "scatter_value",
       .fn = [](const tensor_list& in) { return in[0].scatter(-1, in[1], 2.5); },
       .samples = {{{3, 4}, {3, 2}}, {{2, 3, 4}, {2, 2, 3}}, {{}, {}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}},
                .message = "scatter: index -1 at position 2 is out of bounds for dimension 1 with size 4",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter(1, int64s({0, 1, -1}, {1, 3}), 1.0);
                    }}},
       .empty_samples = {{{3, 4}, {3, 0}}, {{0, 4}, {0, 2}}},
       .fixtures = {"scatter_value"}},
      {.name = "scatter_reduce_add",
       .fn = [](const tensor_list& in) { return in[0].scatter(1, in[1], in[2], "add"); },
       .bad = {{.shapes = {{3, 4}, {1, 2}},
                .message = "scatter: reduce argument must be either add or multiply, got \"max\"",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter(1, int64s({0, 1}, {1, 2}), in[1], "max");
                    }}},
       .fixtures = {"scatter_reduce_add"},
       .differentiable = false},
      {.name = "scatter_reduce_multiply",
       .fn = [](const tensor_list& in) { return in[0].scatter(0, in[1], in[2], "multiply"); },
       .fixtures = {"scatter_reduce_multiply"},
       .differentiable = false},
      {.name = "scatter_value_multiply",
       .fn = [](const tensor_list& in) { return in[0].scatter(1, in[1], -3.0, "multiply"); },
       .fixtures = {"scatter_value_multiply"},
       .differentiable = false},
      {.name = "scatter_add",
       .fn = [](const tensor_list& in) { return in[0].scatter_add(1, in[1], in[2]); },
       // repeated indices accumulate, so any index values are fine
       .samples = {{{3, 4}, {3, 5}, {3, 5}}, {{3, 4}, {2, 3}, {3, 4}}},
       .domains = {kAny, kIndices, kAny},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}, {1, 1}},
                .message = "scatter_add: expected index [1, 2] to be smaller than self [3, 4] apart from "
                           "dimension 1 and to be smaller size than src [1, 1]",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter_add(1, int64s({0, 1}, {1, 2}), in[1]);
                    }},
               {.shapes = {{3, 4}, {1, 2}},
                .message = "scatter_add: index 4 at position 1 is out of bounds for dimension 1 with size 4",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].scatter_add(1, int64s({0, 4}, {1, 2}), in[1]);
                    }}},
       .empty_samples = {{{3, 4}, {3, 0}, {3, 2}}, {{0, 4}, {0, 2}, {0, 2}}},
       .fixtures = {"scatter_add_repeated"}},
      {.name = "scatter_add_dim0",
       .fn = [](const tensor_list& in) { return in[0].scatter_add(0, in[1], in[2]); },
       .samples = {{{4, 3}, {5, 3}, {5, 3}}, {{}, {}, {}}},
       .domains = {kAny, kIndices, kAny},
       .double_backward = true,
       .empty_samples = {{{4, 3}, {0, 3}, {0, 3}}}},
      {.name = "index_add",
       .fn = [](const tensor_list& in) { return in[0].index_add(0, in[1], in[2]); },
       .samples = {{{5, 3}, {4}, {4, 3}}, {{3, 2, 2}, {2}, {2, 2, 2}}},
       .domains = {kAny, kIndices, kAny},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}, {2, 4}},
                .message = "index_add: index 5 at position 1 is out of bounds for dimension 0 with size 3",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index_add(0, int64s({0, 5}), in[1]);
                    }},
               {.shapes = {{3, 4}, {3, 4}},
                .message =
                    "index_add: number of indices (2) should be equal to source.size(dim) (3), for dim: 0",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index_add(0, int64s({0, 1}), in[1]);
                    }},
               {.shapes = {{3, 4}, {2, 3}},
                .message = "index_add: source [2, 3] and self [3, 4] differ at dimension 1 (3 vs 4)",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index_add(0, int64s({0, 1}), in[1]);
                    }},
               {.shapes = {{3, 4}, {2, 4}},
                .message = "index_add: index must be a vector or a scalar, got shape [1, 2]",
                .dtypes = {kFloat64},
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index_add(0, int64s({0, 1}, {1, 2}), in[1]);
                    }},
               {.shapes = {{3, 4}, {2}, {2, 4}},
                .message = "index_add: expected dtype int64 for index, got int32",
                .dtypes = {kFloat64, kInt32, kFloat64}}},
       .empty_samples = {{{5, 3}, {0}, {0, 3}}, {{3, 0}, {2}, {2, 0}}},
       .fixtures = {"index_add_repeated"}},
      {.name = "index_add_alpha_dim1",
       .fn = [](const tensor_list& in) { return in[0].index_add(1, in[1], in[2], -1.5); },
       .samples = {{{3, 4}, {5}, {3, 5}}},
       .domains = {kAny, kIndices, kAny},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {2}, {0, 2}}},
       .fixtures = {"index_add_alpha_dim1"}},
      {.name = "index_fill",
       .fn = [](const tensor_list& in) { return in[0].index_fill(1, in[1], -2.0); },
       .samples = {{{3, 4}, {3}}, {{2, 3, 4}, {2}}, {{4, 3}, {}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}},
                .message = "index_fill: index 4 at position 0 is out of bounds for dimension 1 with size 4",
                .fn = [](const tensor_list& in) { return in[0].index_fill(1, int64s({4}), 0.0); }}},
       .empty_samples = {{{3, 4}, {0}}, {{0, 4}, {2}}},
       .fixtures = {"index_fill_dim1"}},
      {.name = "index_fill_tensor_value",
       .fn = [](const tensor_list& in) { return in[0].index_fill(0, in[1], in[2]); },
       .samples = {{{4, 3}, {3}, {}}, {{3}, {2}, {}}},
       .domains = {kAny, kIndices, kAny},
       .double_backward = true,
       .bad = {{{{3, 4}, {2}, {1}},
                "index_fill: only supports a 0-dimensional value tensor, but got tensor with 1"}},
       .empty_samples = {{{4, 3}, {0}, {}}, {{0, 3}, {0}, {}}},
       .fixtures = {"index_fill_tensor_value"}},
      {.name = "index_copy",
       .fn = [](const tensor_list& in) { return in[0].index_copy(0, in[1], in[2]); },
       .samples = {{{4, 3}, {1}, {1, 3}}, {{3, 2, 2}, {1}, {1, 2, 2}}},
       .domains = {kAny, kIndices, kAny},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}, {2, 4}},
                .message =
                    "index_copy: expected self.dtype to be equal to source.dtype, got float64 and float32",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index_copy(0, int64s({0, 1}), in[1].to(kFloat32));
                    }}},
       .empty_samples = {{{4, 3}, {0}, {0, 3}}, {{4, 0}, {1}, {1, 0}}},
       .fixtures = {"index_copy"}},
      {.name = "take_along_dim",
       .fn = [](const tensor_list& in) { return in[0].take_along_dim(in[1], 1); },
       // plain, indices broadcast over dim 0, self broadcast over dim 0
       .samples = {{{3, 4}, {3, 2}}, {{3, 4}, {1, 5}}, {{1, 3, 4}, {2, 2, 4}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{{{3, 4}, {3}},
                "take_along_dim: input and indices should have the same number of dimensions, but got 2 "
                "dimensions for input, and 1 dimensions for indices"},
               {.shapes = {{3, 4}},
                .message =
                    "take_along_dim: index 4 at position 1 is out of bounds for dimension 1 with size 4",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].take_along_dim(int64s({0, 4}, {1, 2}), 1);
                    }},
               {.shapes = {{3, 4}, {2, 2}},
                .message = "take_along_dim: dtype of indices should be int64 but got float64",
                .dtypes = {kFloat64},
                .fn = [](const tensor_list& in) { return in[0].take_along_dim(in[1], 1); }}},
       .empty_samples = {{{3, 4}, {3, 0}}, {{0, 4}, {1, 2}}},
       .fixtures = {"take_along_dim_dim1", "take_along_dim_broadcast"}},
      {.name = "take_along_dim_flat",
       .fn = [](const tensor_list& in) { return tg::take_along_dim(in[0], in[1]); },
       .samples = {{{3, 4}, {5}}, {{3, 4}, {2, 3}}, {{}, {2}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}},
                .message =
                    "take_along_dim: index 12 at position 1 is out of bounds for dimension 0 with size 12",
                .fn =
                    [](const tensor_list& in) {
                      return tg::take_along_dim(in[0], int64s({11, 12}));
                    }}},
       .empty_samples = {{{3, 4}, {0}}, {{0, 4}, {0}}},
       .fixtures = {"take_along_dim_flat"}},
      {.name = "one_hot",
       .fn = [](const tensor_list& in) { return tg::nn::functional::one_hot(in[0]); },
       .bad = {{.shapes = {{2}},
                .message = "one_hot: Class values must be non-negative. (got -1 at position 1)",
                .fn =
                    [](const tensor_list&) {
                      return tg::one_hot(int64s({0, -1}));
                    }},
               {.shapes = {{2}},
                .message =
                    "one_hot: Class values must be smaller than num_classes. (got 3 at position 1 with "
                    "num_classes = 3)",
                .fn =
                    [](const tensor_list&) {
                      return tg::one_hot(int64s({0, 3}), 3);
                    }},
               {.shapes = {{2}},
                .message = "one_hot: one_hot is only applicable to index tensor (int64), got float64",
                .fn = [](const tensor_list& in) { return tg::one_hot(in[0], 3); }},
               {.shapes = {{2}},
                .message = "one_hot: Can not infer total number of classes from empty tensor.",
                .fn = [](const tensor_list&) { return tg::one_hot(int64s({})); }}},
       .fixtures = {"one_hot"},
       .differentiable = false},
      {.name = "one_hot_num_classes",
       .fn = [](const tensor_list& in) { return tg::one_hot(in[0], 6); },
       .fixtures = {"one_hot_num_classes"},
       .differentiable = false},
      triangle_row(
          "tril", [](const tensor_list& in) { return in[0].tril(); }, "tril"),
      triangle_row(
          "tril_above", [](const tensor_list& in) { return tg::tril(in[0], 1); }, "tril_diagonal_1"),
      triangle_row(
          "triu", [](const tensor_list& in) { return in[0].triu(); }, "triu"),
      triangle_row(
          "triu_below", [](const tensor_list& in) { return tg::triu(in[0], -1); }, "triu_diagonal_neg1"),
  };
}

}  // namespace tg::testing
