// Rows for autograd/ops/padding.cpp and nn/functional/padding.cpp: constant_pad_nd and F::pad in its
// four modes (negative entries crop).
#include <cstdint>
#include <vector>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

namespace F = tg::nn::functional;

OpFn padded(std::vector<std::int64_t> pad, F::PadFuncOptions::mode_t mode) {
  return [pad, mode](const tensor_list& in) { return F::pad(in[0], F::PadFuncOptions(pad).mode(mode)); };
}

OpFn constant_padded(std::vector<std::int64_t> pad, double value) {
  return [pad, value](const tensor_list& in) { return constant_pad_nd(in[0], pad, value); };
}

}  // namespace

std::vector<OpCase> padding_cases() {
  return {
      {.name = "constant_pad_nd",
       .fn = constant_padded({1, 2, -1, 1}, 0.5),
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3}},
                .message = "constant_pad_nd: Length of pad must be even but instead it equals 3",
                .fn = constant_padded({1, 1, 1}, 0)},
               {.shapes = {{2, 3}},
                .message = "constant_pad_nd: Length of pad should be no more than twice the number of "
                           "dimensions of the input. Pad length is 6 while the input has 2 dimensions",
                .fn = constant_padded({1, 1, 1, 1, 1, 1}, 0)},
               {.shapes = {{2, 3}},
                .message = "constant_pad_nd: The input size 3, plus negative padding -2 and -2 resulted in a "
                           "negative output size, which is invalid. Check dimension 1 of your input.",
                .fn = constant_padded({-2, -2}, 0)}},
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"constant_pad_nd"}},
      {.name = "constant_pad_nd_crop_all",
       .fn = constant_padded({-2, -3}, 0),
       .samples = {{{2, 5}}},
       .double_backward = true,
       .empty_samples = {{{0, 5}}}},
      {.name = "pad_constant",
       .fn =
           [](const tensor_list& in) {
             return F::pad(in[0], F::PadFuncOptions({2, 0, 0, 1}).value(-1.5));
           },
       .samples = {{{3, 4}}, {{2, 2, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"pad_constant"}},
      {.name = "pad_reflect",
       .fn = padded({2, 1, 1, 2}, tg::kReflect),
       .samples = {{{2, 3, 4}}, {{1, 2, 3, 3}}},
       .double_backward = true,
       .bad = {{{{1, 2, 2}},
                "pad: Padding size should be less than the corresponding input dimension, but got: padding "
                "(2, 1) at dimension 2 of input [1, 2, 2]"},
               {.shapes = {{3}},
                .message = "pad: Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now",
                .fn = padded({1, 1}, tg::kReflect)},
               {.shapes = {{2, 3}},
                .message = "pad: Length of pad must be even but instead it equals 1",
                .fn = padded({1}, tg::kReflect)}},
       .empty_samples = {{{0, 3, 4}}},
       .fixtures = {"pad_reflect"}},
      {.name = "pad_reflect_crop",
       .fn = padded({-1, 2}, tg::kReflect),
       .samples = {{{2, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"pad_reflect_crop"}},
      {.name = "pad_replicate",
       .fn = padded({2, 1, -1, 3}, tg::kReplicate),
       .samples = {{{2, 3, 4}}, {{2, 1, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 0}},
                .message = "pad: replicate padding needs a non-empty dimension to pad, but dimension 1 of "
                           "input [2, 0] is empty",
                .fn = padded({1, 1}, tg::kReplicate)}},
       .empty_samples = {{{0, 3, 4}}},
       .fixtures = {"pad_replicate"}},
      {.name = "pad_replicate_3d",
       .fn = padded({1, 1, 2, 0, 0, 1}, tg::kReplicate),
       .samples = {{{1, 2, 2, 3}}, {{2, 1, 2, 2, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 1, 2, 2, 3}}},
       .fixtures = {"pad_replicate_3d"}},
      {.name = "pad_circular",
       .fn = padded({3, 1, 1, 2}, tg::kCircular),
       .samples = {{{1, 2, 3, 4}}, {{3, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{1, 2, 3}},
                .message = "pad: Padding value causes wrapping around more than once",
                .fn = padded({4, 0}, tg::kCircular)}},
       .empty_samples = {{{0, 2, 3, 4}}},
       .fixtures = {"pad_circular"}},
  };
}

}  // namespace tg::testing
