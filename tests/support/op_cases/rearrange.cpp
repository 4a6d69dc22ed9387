// Rows for autograd/ops/rearrange.cpp: repeat, tile, repeat_interleave, flip, roll.
#include <cstdint>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> rearrange_cases() {
  return {
      {.name = "repeat",
       .fn =
           [](const tensor_list& in) {
             return in[0].repeat({2, 1, 3});
           },
       .samples = {{{2, 3}}, {{3}}, {{}}},
       .double_backward = true,
       .bad = {{{{2, 3, 4, 5}},
                "repeat: Number of dimensions of repeat dims can not be smaller than number of "
                "dimensions of tensor: repeats [2, 1, 3] for shape [2, 3, 4, 5]"},
               {.shapes = {{2}},
                .message = "repeat: repeats must be non-negative, got [-1]",
                .fn = [](const tensor_list& in) { return in[0].repeat({-1}); }}},
       .empty_samples = {{{0, 3}}, {{2, 0}}},
       .fixtures = {"repeat"}},
      {.name = "repeat_zero",
       .fn =
           [](const tensor_list& in) {
             return in[0].repeat({0, 2});
           },
       .samples = {{{2, 3}}},
       .double_backward = true,
       .empty_samples = {{{2, 3}}}},
      {.name = "tile",
       .fn = [](const tensor_list& in) { return in[0].tile({2}); },
       .samples = {{{2, 3}}, {{3}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}}},
       .fixtures = {"tile"}},
      {.name = "repeat_interleave",
       .fn = [](const tensor_list& in) { return in[0].repeat_interleave(2, -1); },
       .samples = {{{2, 3}}, {{3}}},
       .double_backward = true,
       .bad = {{.shapes = {{2}},
                .message = "repeat_interleave: repeats can not be negative, got -1",
                .fn = [](const tensor_list& in) { return in[0].repeat_interleave(-1); }},
               {.shapes = {{2, 3}},
                .message = "repeat_interleave: output_size 5 does not match the 6 elements along dim 1",
                .fn = [](const tensor_list& in) { return in[0].repeat_interleave(2, 1, 5); }}},
       .empty_samples = {{{0, 3}}, {{2, 0}}},
       .fixtures = {"repeat_interleave"}},
      {.name = "repeat_interleave_flat",
       .fn = [](const tensor_list& in) { return in[0].repeat_interleave(3); },
       .samples = {{{2, 3}}, {{}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}}},
       .fixtures = {"repeat_interleave_flat"}},
      {.name = "repeat_interleave_tensor",
       .fn =
           [](const tensor_list& in) {
             return in[0].repeat_interleave(int64s({1, 0, 2}), 0);
           },
       .samples = {{{3, 2}}, {{3}}},
       .double_backward = true,
       .bad =
           {{{{2, 2}},
             "repeat_interleave: repeats must have the same size as input along dim: 3 repeats for size 2"},
            {.shapes = {{2}},
             .message = "repeat_interleave: repeats can not be negative, got -2 at position 1",
             .fn =
                 [](const tensor_list& in) {
                   return in[0].repeat_interleave(int64s({1, -2}), 0);
                 }},
            {.shapes = {{2}},
             .message = "repeat_interleave: repeats must be 0-dim or 1-dim tensor, got shape [1, 2]",
             .fn =
                 [](const tensor_list& in) {
                   return in[0].repeat_interleave(int64s({1, 2}, {1, 2}), 0);
                 }}},
       .empty_samples = {{{3, 0}}},
       .fixtures = {"repeat_interleave_tensor"}},
      {.name = "flip",
       .fn =
           [](const tensor_list& in) {
             return in[0].flip({0, -1});
           },
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "flip: dim 0 appears multiple times in the list of dims [0, -2]",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].flip({0, -2});
                    }},
               {.shapes = {{2, 3}},
                .message = "flip: dim 2 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return in[0].flip({2}); }}},
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"flip"}},
      {.name = "roll",
       .fn =
           [](const tensor_list& in) {
             return in[0].roll({1, -5}, {0, -1});
           },
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "roll: shifts and dimensions must align. shifts: 2, dims:1",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].roll({1, 2}, {0});
                    }},
               {.shapes = {{2, 3}},
                .message = "roll: shifts and dimensions must align. shifts: 2, dims:0",
                .fn =
                    [](const tensor_list& in) {
                      return in[0].roll({1, 2});
                    }}},
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"roll"}},
      {.name = "roll_flat",
       .fn = [](const tensor_list& in) { return in[0].roll(-2); },
       .samples = {{{3, 4}}, {{}}, {{5}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"roll_flat"}},
  };
}

}  // namespace tg::testing
