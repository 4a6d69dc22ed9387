// Rows for autograd/ops/indexing.cpp: x.index({...}) (basic views and advanced gathers) and index_put.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;
using indexing::None;
using indexing::Slice;

namespace {
constexpr Domain kMask = Domain::Mask;

Tensor put_rows(const tensor_list& in, bool accumulate, std::vector<std::int64_t> rows) {
  return index_put(in[0], std::vector<std::optional<Tensor>>{int64s(std::move(rows))}, in[1], accumulate);
}
}  // namespace

std::vector<OpCase> indexing_cases() {
  return {
      {.name = "index_basic",
       .fn =
           [](const tensor_list& in) {
             return in[0].index({Slice(1, None), 0, None, "..."});
           },
       .samples = {{{4, 5, 3}}, {{2, 1, 4, 2}}},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}},
                .message = "index: index 5 is out of bounds for dimension 1 with size 4",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index({0, 5});
                    }},
               {.shapes = {{3, 4}},
                .message = "index: index -4 is out of bounds for dimension 0 with size 3",
                .fn = [](const tensor_list& in) { return in[0][-4]; }},
               {.shapes = {{3, 4}},
                .message = "index: too many indices for tensor of dimension 2 (got 3)",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index({0, Slice(), 1});
                    }},
               {.shapes = {{3, 4}},
                .message = "index: step must be greater than zero, got -1",
                .fn = [](const tensor_list& in) { return in[0].index({Slice(None, None, -1)}); }},
               {.shapes = {{3, 4}},
                .message = "index: an index can only have a single ellipsis",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index({"...", 0, "..."});
                    }}},
       .empty_samples = {{{0, 5, 3}}, {{4, 5, 0}}},
       .fixtures = {"index_basic"}},
      {.name = "index_negative_slice",
       .fn =
           [](const tensor_list& in) {
             return in[0].index({Slice(-3, None, 2), -1});
           },
       .samples = {{{5, 4}}, {{2, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"index_negative_slice"}},
      {.name = "index_tensor",
       .fn = [](const tensor_list& in) { return in[0][in[1]]; },
       .samples = {{{5, 3}, {4}}, {{4, 3}, {2, 3}}, {{3}, {5}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{5, 3}},
                .message = "index: index 7 is out of bounds for dimension 0 with size 5",
                .fn =
                    [](const tensor_list& in) {
                      return in[0][int64s({0, 7})];
                    }},
               {.shapes = {{5, 3}},
                .message = "index: index -6 is out of bounds for dimension 0 with size 5",
                .fn = [](const tensor_list& in) { return in[0][int64s({-6})]; }},
               {.shapes = {{5, 3}, {2}},
                .message =
                    "index: tensors used as indices must be long, int, byte or bool tensors, got float32",
                .dtypes = {kFloat64, kFloat32}}},
       .empty_samples = {{{5, 3}, {0}}, {{3, 0}, {2}}},
       .fixtures = {"index_tensor_repeated"}},
      {.name = "index_tensors_adjacent",
       .fn =
           [](const tensor_list& in) {
             return in[0].index({Slice(), in[1], in[2]});
           },
       .samples = {{{2, 4, 5}, {3, 1}, {2}}, {{3, 2, 4, 2}, {2}, {2}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{2, 4, 5}},
                .message = "do not broadcast",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index({Slice(), int64s({0, 1, 0}), int64s({0, 1})});
                    }}},
       .empty_samples = {{{2, 4, 5}, {0, 1}, {2}}},
       .fixtures = {"index_tensors_adjacent"}},
      {.name = "index_tensors_separated",
       .fn =
           [](const tensor_list& in) {
             return in[0].index({in[1], Slice(), in[2]});
           },
       .samples = {{{4, 3, 5}, {2}, {2}}, {{3, 2, 4}, {2, 1}, {3}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .empty_samples = {{{4, 3, 5}, {0}, {0}}},
       .fixtures = {"index_tensors_separated"}},
      {.name = "index_mask",
       .fn = [](const tensor_list& in) { return in[0].index({in[1]}); },
       .samples = {{{4, 3}, {4}}, {{3, 2, 4}, {3, 2}}},
       .domains = {kAny, kMask},
       .double_backward = true,
       .bad = {{{{4, 3}, {3}},
                "index: the shape of the mask [3] at index 0 does not match the shape of the indexed tensor "
                "[4, 3] "
                "at index 0"}},
       .empty_samples = {{{0, 3}, {0}}, {{4, 0}, {4}}},
       .fixtures = {"index_mask"}},
      {.name = "index_put",
       .fn =
           [](const tensor_list& in) {
             return put_rows(in, false, {4, 0, 2});
           },
       .samples = {{{5, 3}, {3}}, {{5, 3}, {3, 3}}, {{5, 3}, {}}},
       .double_backward = true,
       .bad =
           {{{{5, 3}, {2, 3}},
             "index_put: shape mismatch: value tensor of shape [2, 3] cannot be broadcast to indexing result "
             "of shape [3, 3]"},
            {.shapes = {{5, 3}, {3}},
             .message = "index_put: index 5 is out of bounds for dimension 0 with size 5",
             .fn = [](const tensor_list& in) { return put_rows(in, false, {5}); }}},
       .empty_samples = {{{5, 0}, {0}}, {{5, 0}, {3, 0}}},
       .fixtures = {"index_put"}},
      {.name = "index_put_accumulate",
       .fn =
           [](const tensor_list& in) {
             return put_rows(in, true, {4, 0, 2, 0});
           },
       .samples = {{{5, 3}, {4, 3}}, {{5, 3}, {1}}},
       .double_backward = true,
       .empty_samples = {{{5, 0}, {4, 0}}},
       .fixtures = {"index_put_accumulate"}},
  };
}

}  // namespace tg::testing
