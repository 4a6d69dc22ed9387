// Rows for autograd/ops/shape.cpp: views and copies that change shape, cat and stack.
#include <cstdint>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

std::vector<OpCase> reshape_rows() {
  return {
      {.name = "reshape",
       .fn =
           [](const tensor_list& in) {
             return in[0].reshape({-1, 2});
           },
       .samples = {{{3, 4}}, {{2, 3, 2}}},
       .double_backward = true,
       .bad = {{{{3, 3}}, "reshape: shape [-1, 2] is invalid for input of shape [3, 3]"},
               {.shapes = {{2, 3}},
                .message = "reshape: shape [4, 2] is invalid for input of shape [2, 3] (6 elements)",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].reshape({4, 2});
                    }},
               {.shapes = {{2, 3}},
                .message = "reshape: shape [4, -1] is invalid for input of shape [2, 3] (6 elements)",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].reshape({4, -1});
                    }},
               {.shapes = {{2, 3}},
                .message = "reshape: only one dimension can be -1, got [-1, -1]",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].reshape({-1, -1});
                    }},
               {.shapes = {{2, 3}},
                .message = "reshape: invalid size -2 in [-2, 3]",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].reshape({-2, 3});
                    }}},
       .empty_samples = {{{0, 4}}, {{2, 0, 2}}}},
      {.name = "reshape_explicit",
       .fn =
           [](const tensor_list& in) {
             return in[0].reshape({2, 6});
           },
       .samples = {{{3, 4}}, {{12}}},
       .double_backward = true,
       .bad = {{{{0, 4}}, "reshape: shape [2, 6] is invalid for input of shape [0, 4]"}},
       .fixtures = {"reshape"}},
      {.name = "reshape_infer",
       .fn =
           [](const tensor_list& in) {
             return in[0].reshape({-1, 4});
           },
       .samples = {{{2, 3, 4}}, {{4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}, {{2, 0, 4}}},
       .fixtures = {"reshape_infer"}},
      {.name = "reshape_non_contiguous",
       .fn = [](const tensor_list& in) { return in[0].t().reshape({-1}); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"reshape_non_contiguous"}},
      {.name = "view",
       .fn =
           [](const tensor_list& in) {
             return in[0].contiguous().view({in[0].size(-1), -1});
           },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message =
                    "view: the input of shape [3, 2] with strides [1, 3] is not contiguous; use reshape()",
                .fn = [](const tensor_list& in) { return in[0].t().view({6}); }},
               {.shapes = {{2, 3}},
                .message = "view: shape [4] is invalid for input of shape [2, 3] (6 elements)",
                .fn = [](const tensor_list& in) { return in[0].view({4}); }}},
       .empty_samples = {{{0, 4}}, {{2, 3, 0, 5}}}},
      // contiguous() first: the strided-input test feeds transposed layouts, which view rejects.
      {.name = "view_3d",
       .fn =
           [](const tensor_list& in) {
             return in[0].contiguous().view({3, 2, -1});
           },
       .samples = {{{2, 6}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"view"}},
      {.name = "flatten",
       .fn = [](const tensor_list& in) { return in[0].flatten(1); },
       .samples = {{{2, 3, 2}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 4}},
                .message = "flatten: start_dim 2 comes after end_dim 1",
                .fn = [](const tensor_list& in) { return in[0].flatten(2, 1); }}},
       .empty_samples = {{{2, 0, 2}}, {{0, 3, 2}}},
       .fixtures = {"flatten"}},
  };
}

std::vector<OpCase> dim_order_rows() {
  return {
      {.name = "transpose",
       .fn = [](const tensor_list& in) { return in[0].transpose(0, -1); },
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "transpose: dim 3 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return in[0].transpose(0, 3); }}},
       .empty_samples = {{{0, 4}}, {{2, 0, 4}}},
       .fixtures = {"transpose"}},
      {.name = "t",
       .fn = [](const tensor_list& in) { return in[0].t(); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .bad = {{{{2, 3, 4}},
                "t: expects a tensor of rank <= 2, got shape [2, 3, 4]; use transpose(dim0, dim1)"}},
       .empty_samples = {{{0, 4}}, {{0}}},
       .fixtures = {"t"}},
      {.name = "permute",
       .fn =
           [](const tensor_list& in) {
             return in[0].permute({1, 2, 0});
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .bad = {{{{2, 3}}, "permute: got 3 dims"},
               {.shapes = {{2, 3}},
                .message = "permute: dim 0 appears more than once in [0, 0]",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].permute({0, 0});
                    }},
               {.shapes = {{2, 3}},
                .message = "permute: got 1 dims [0] for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return in[0].permute({0}); }}},
       .empty_samples = {{{2, 0, 4}}},
       .fixtures = {"permute"}},
      {.name = "squeeze",
       .fn = [](const tensor_list& in) { return in[0].squeeze(); },
       .samples = {{{3, 1, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 1, 4}}},
       .fixtures = {"squeeze"}},
      {.name = "squeeze_dim",
       .fn = [](const tensor_list& in) { return in[0].squeeze(1); },
       .samples = {{{3, 1, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 1, 4}}},
       .fixtures = {"squeeze_dim"}},
      {.name = "unsqueeze",
       .fn = [](const tensor_list& in) { return in[0].unsqueeze(-1); },
       .samples = {{{3, 4}}, {{}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "unsqueeze: dim 4 is out of range for a tensor of rank 3",
                .fn = [](const tensor_list& in) { return in[0].unsqueeze(4); }}},
       .empty_samples = kUnaryEmpty,
       .fixtures = {"unsqueeze"}},
      {.name = "expand",
       .fn =
           [](const tensor_list& in) {
             return in[0].expand({2, 3, 4});
           },
       .samples = {{{3, 1}}, {{1, 4}}},
       .double_backward = true,
       .bad = {{{{3, 2}}, "expand: cannot expand shape [3, 2] to [2, 3, 4]"},
               {.shapes = {{3}},
                .message = "expand: cannot expand shape [3] to [4] (dim 0: 3 vs 4)",
                .fn = [](const tensor_list& in) { return in[0].expand({4}); }},
               {.shapes = {{2, 3}},
                .message = "expand: cannot expand shape [2, 3] to fewer dims [3]",
                .fn = [](const tensor_list& in) { return in[0].expand({3}); }},
               {.shapes = {{1}},
                .message = "expand: sizes [1099511627776, 1099511627776] overflow int64",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].expand({std::int64_t{1} << 40, std::int64_t{1} << 40});
                    }}},
       // expand to a zero-size leading dim: the input is not empty, its gradient is all zeros
       .empty_samples = {{{3, 1}}, {{1, 4}}},
       .empty_fn =
           [](const tensor_list& in) {
             return in[0].expand({0, 3, 4});
           },
       .fixtures = {"expand_new_dim"}},
      {.name = "expand_same_rank",
       .fn =
           [](const tensor_list& in) {
             return in[0].expand({3, 4});
           },
       .samples = {{{3, 1}}, {{1, 4}}},
       .double_backward = true,
       .bad = {{{{0, 1}}, "expand: cannot expand shape [0, 1] to [3, 4]"}},
       .fixtures = {"expand"}},
  };
}

std::vector<OpCase> part_rows() {
  return {
      {.name = "slice",
       .fn = [](const tensor_list& in) { return in[0].slice(1, 1, 5, 2); },
       .samples = {{{3, 6}}},
       .double_backward = true,
       .bad = {{.shapes = {{4}},
                .message = "slice: step must be positive, got 0",
                .fn = [](const tensor_list& in) { return in[0].slice(0, 0, 4, 0); }}},
       .empty_samples = {{{3, 0}}, {{0, 6}}}},
      {.name = "slice_dim0",
       .fn = [](const tensor_list& in) { return in[0].slice(0, 1, 6, 2); },
       .samples = {{{7, 3}}},
       .double_backward = true,
       .empty_samples = {{{7, 0}}, {{0, 3}}},
       .fixtures = {"slice_step"}},
      {.name = "narrow",
       .fn = [](const tensor_list& in) { return in[0].narrow(0, 1, 2); },
       .samples = {{{4, 3}}},
       .double_backward = true,
       .bad = {{{{1, 3}}, "narrow: start 1 and length 2 are out of range"},
               {.shapes = {{4}},
                .message = "narrow: start 2 and length 3 are out of range for dim 0 of size 4",
                .fn = [](const tensor_list& in) { return in[0].narrow(0, 2, 3); }}},
       .empty_samples = {{{4, 0}}}},
      {.name = "narrow_dim1",
       .fn = [](const tensor_list& in) { return in[0].narrow(1, 1, 3); },
       .samples = {{{4, 5}}},
       .double_backward = true,
       .empty_samples = {{{0, 5}}},
       .fixtures = {"narrow"}},
      {.name = "select",
       .fn = [](const tensor_list& in) { return in[0].select(1, -1); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{3, 2}},
                .message = "select: index 5 is out of range for dim 0 of size 3",
                .fn = [](const tensor_list& in) { return in[0].select(0, 5); }},
               {.shapes = {{3, 2}},
                .message = "select: index -3 is out of range for dim 1 of size 2",
                .fn = [](const tensor_list& in) { return in[0].select(1, -3); }}},
       .empty_samples = {{{0, 4}}, {{3, 2, 0}}}},
      {.name = "select_index_2",
       .fn = [](const tensor_list& in) { return in[0].select(1, 2); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"select"}},
  };
}

std::vector<OpCase> join_rows() {
  return {
      {.name = "cat",
       .fn = [](const tensor_list& in) { return cat(in, 1); },
       .samples = {{{2, 3}, {2, 2}}},
       .double_backward = true,
       .bad = {{{{2, 3}, {3, 2}}, "cat: tensor 1 has shape [3, 2] which does not match"}},
       .empty_samples = {{{2, 3}, {2, 0}}, {{0, 3}, {0, 2}}, {{2, 0}, {2, 0}}},
       .fixtures = {"cat_dim1"}},
      {.name = "cat_dim0",
       .fn = [](const tensor_list& in) { return cat(in, 0); },
       .samples = {{{2, 3}, {4, 3}}},
       .double_backward = true,
       .bad = {{{{2, 3}, {2, 4}},
                "cat: tensor 1 has shape [2, 4] which does not match tensor 0's shape [2, 3] outside dim 0"},
               {{{2, 3}, {6}},
                "cat: tensor 1 has shape [6] which does not match tensor 0's shape [2, 3] outside dim 0"},
               {.shapes = {{2}, {2}},
                .message = "cat: tensor 1 is float64 but tensor 0 is float32",
                .dtypes = {kFloat32, kFloat64}},
               {.shapes = {}, .message = "cat: expects a non-empty list of tensors"},
               {.shapes = {Shape{}, Shape{}}, .message = "cat: cannot concatenate 0-d tensors; use stack()"}},
       .empty_samples = {{{0, 3}, {2, 3}}, {{2, 0}, {4, 0}}},
       .fixtures = {"cat_dim0"}},
      {.name = "cat_views",
       .fn =
           [](const tensor_list& in) {
             return cat({in[0].t(), in[1].slice(0, 1, 3)}, 0);
           },
       .samples = {{{3, 2}, {4, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 2}, {4, 0}}},
       .fixtures = {"cat_views"}},
      {.name = "stack",
       .fn = [](const tensor_list& in) { return stack(in, -1); },
       .samples = {{{2, 3}, {2, 3}}},
       .double_backward = true,
       .bad = {{{{2, 3}, {3, 2}}, "stack: tensor 1 has shape [3, 2]"}},
       .empty_samples = {{{0, 3}, {0, 3}}, {{2, 0}, {2, 0}}},
       .fixtures = {"stack_dim_last"}},
      {.name = "stack_dim0",
       .fn = [](const tensor_list& in) { return stack(in, 0); },
       .samples = {{{2, 3}, {2, 3}, {2, 3}}},
       .double_backward = true,
       .bad = {{{{2}, {3}}, "stack: tensor 1 has shape [3] but tensor 0 has shape [2]; all must match"}},
       .empty_samples = {{{0, 3}, {0, 3}}},
       .fixtures = {"stack_dim0"}},
  };
}

// movedim and the aliases, view_as/reshape_as/expand_as, unflatten, narrow_copy.
std::vector<OpCase> alias_rows() {
  return {
      {.name = "movedim",
       .fn =
           [](const tensor_list& in) {
             return in[0].movedim({0, -1}, {-1, 1});
           },
       .samples = {{{2, 3, 4}}, {{2, 3, 4, 1}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 4}},
                .message =
                    "movedim: Invalid source or destination dims: source ([0, 1] dims) should contain the "
                    "same number of dims as destination ([1] dims)",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].movedim({0, 1}, {1});
                    }},
               {.shapes = {{2, 3, 4}},
                .message = "movedim: repeated dim in `source` ([0, 0])",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].movedim({0, 0}, {1, 2});
                    }}},
       .empty_samples = {{{0, 3, 4}}, {{2, 3, 0}}},
       .fixtures = {"movedim"}},
      {.name = "moveaxis_int",
       .fn = [](const tensor_list& in) { return moveaxis(in[0], 0, -1); },
       .samples = {{{2, 3, 4}}, {{}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}}},
       .fixtures = {"moveaxis_int"}},
      {.name = "swapaxes",
       .fn = [](const tensor_list& in) { return in[0].swapaxes(0, 2) * 2.0 + swapdims(in[0], -1, 0); },
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 4}}},
       .fixtures = {"swapaxes"}},
      {.name = "view_as",
       .fn = [](const tensor_list& in) { return in[0].contiguous().view_as(in[1]) * in[1]; },
       .samples = {{{3, 4}, {2, 6}}},
       .double_backward = true,
       .bad = {{{{3, 4}, {5}}, "view: shape [5] is invalid for input of shape [3, 4]"}},
       .empty_samples = {{{0, 4}, {2, 0}}}},
      {.name = "reshape_as",
       .fn = [](const tensor_list& in) { return in[0].t().reshape_as(in[1]) * in[1]; },
       .samples = {{{3, 4}, {2, 6}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {2, 0}}},
       .fixtures = {"reshape_as"}},
      {.name = "expand_as",
       .fn = [](const tensor_list& in) { return in[0].expand_as(in[1]) * in[1]; },
       .samples = {{{3, 1}, {2, 3, 4}}, {{}, {2, 3}}},
       .double_backward = true,
       .empty_samples = {{{3, 1}, {0, 3, 4}}},
       .fixtures = {"expand_as"}},
      {.name = "unflatten",
       .fn =
           [](const tensor_list& in) {
             return in[0].unflatten(-1, {2, -1});
           },
       .samples = {{{3, 4}}, {{2, 3, 6}}},
       .double_backward = true,
       .bad =
           {{{{3, 5}}, "unflatten: shape [2, -1] is invalid for input of shape [5]"},
            {.shapes = {{2, 3}},
             .message =
                 "unflatten: Provided sizes [2, 2] don't multiply up to the size of dim 1 (3) in the input "
                 "tensor",
             .fn =
                 [](const tensor_list& in) {
                   return in[0].unflatten(1, {2, 2});
                 }},
            {.shapes = {{2, 3}},
             .message = "unflatten: sizes must be non-empty",
             .fn = [](const tensor_list& in) { return in[0].unflatten(1, {}); }}},
       .empty_samples = {{{0, 4}}},
       .fixtures = {"unflatten"}},
      {.name = "narrow_copy",
       .fn = [](const tensor_list& in) { return in[0].narrow_copy(1, -3, 2); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .bad = {{{{3, 2}}, "narrow_copy: start (-3) + length (2) exceeds dimension size (2)"}},
       .empty_samples = {{{0, 4}}},
       .fixtures = {"narrow_copy"}},
  };
}

}  // namespace

std::vector<OpCase> shape_cases() {
  std::vector<OpCase> cases;
  for (auto group : {reshape_rows(), dim_order_rows(), part_rows(), join_rows(), alias_rows()})
    cases.insert(cases.end(), group.begin(), group.end());
  return cases;
}

}  // namespace tg::testing
