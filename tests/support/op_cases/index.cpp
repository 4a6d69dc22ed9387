// Rows for autograd/ops/index.cpp: index_select and gather, with the index as an int64 input.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> index_cases() {
  return {
      {.name = "index_select",
       .fn = [](const tensor_list& in) { return in[0].index_select(0, in[1]); },
       .samples = {{{3, 4}, {3}}, {{5, 3}, {4}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{2, 4}},
                .message = "index_select: index 2 at position 0 is out of range",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index_select(0, int64s({2, 0, 2}));
                    }},
               {.shapes = {{5, 3}},
                .message = "index_select: index 7 at position 1 is out of range for dim 0 of size 5",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].index_select(0, int64s({0, 7}));
                    }},
               {.shapes = {{5, 3}, {2}},
                .message = "index_select: index must be int64, got float32",
                .dtypes = {kFloat32}},
               {{{5, 3}, {2, 2}}, "index_select: index must be 1-D, got shape [2, 2]"}},
       // an empty index on a non-empty input, and an index on an input with an empty row
       .empty_samples = {{{3, 4}, {0}}, {{3, 0}, {3}}},
       .fixtures = {"index_select_dim0"}},
      {.name = "index_select_dim1",
       .fn = [](const tensor_list& in) { return in[0].index_select(1, in[1]); },
       .samples = {{{3, 5}, {4}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{5, 3}},
                .message = "index_select: index -1 at position 0 is out of range for dim 1 of size 3",
                .fn = [](const tensor_list& in) { return in[0].index_select(1, int64s({-1})); }}},
       .empty_samples = {{{3, 5}, {0}}, {{0, 5}, {4}}},
       .fixtures = {"index_select_dim1"}},
      {.name = "gather",
       .fn = [](const tensor_list& in) { return in[0].gather(1, in[1]); },
       .samples = {{{3, 4}, {3, 2}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{3, 2}},
                .message = "gather: index 2 at position 1 is out of range",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].gather(1, int64s({0, 2, 2, 1, 0, 0}, {3, 2}));
                    }},
               {{{3, 4}, {3}}, "gather: index must have the input's rank 2, got shape [3]"},
               {.shapes = {{3, 4}},
                .message = "gather: index 4 at position 1 is out of range for dim 1 of size 4",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].gather(1, int64s({0, 4}, {2, 1}));
                    }},
               {{{3, 4}, {4, 1}}, "gather: index shape [4, 1] exceeds input shape [3, 4] at dim 0"}},
       .empty_samples = {{{3, 4}, {3, 0}}, {{0, 4}, {0, 2}}},
       .fixtures = {"gather_dim1"}},
      {.name = "gather_dim0",
       .fn = [](const tensor_list& in) { return in[0].gather(0, in[1]); },
       .samples = {{{3, 4}, {2, 4}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .empty_samples = {{{3, 4}, {0, 4}}, {{3, 0}, {2, 0}}},
       .fixtures = {"gather_dim0"}},
      {.name = "gather_transposed",
       .fn = [](const tensor_list& in) { return in[0].t().gather(1, in[1]); },
       .samples = {{{4, 3}, {3, 2}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .empty_samples = {{{4, 3}, {3, 0}}},
       .fixtures = {"gather_transposed"}},
  };
}

}  // namespace tg::testing
