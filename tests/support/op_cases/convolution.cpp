// Rows for autograd/ops/convolution.cpp: conv1d/2d/3d (stride, padding incl. "same", dilation, groups,
// depthwise, 1x1, unbatched) and conv_transpose1d/2d/3d (output_padding, groups, dilation).
// NOTE: a literal 0 for padding is ambiguous between IntArrayRef and the string_view overload (as in
// libtorch), hence Shape{0}.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> convolution_cases() {
  return {
      {.name = "conv1d",
       .fn = [](const tensor_list& in) { return conv1d(in[0], in[1], {}, 2, 1); },
       .samples = {{{2, 3, 9}, {4, 3, 3}}, {{1, 3, 4}, {2, 3, 3}}, {{3, 5}, {2, 3, 2}}},
       .double_backward = true,
       .bad = {{{{2, 3, 4, 5}, {4, 3, 3}},
                "conv1d: Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                "[2, 3, 4, 5]"},
               {{{2, 4, 9}, {4, 3, 3}},
                "conv1d: Given groups=1, weight of size [4, 3, 3], expected input[2, 4, 9] to have 3 "
                "channels, but "
                "got 4 channels instead"},
               {.shapes = {{2, 3, 9}, {4, 3, 3}},
                .message =
                    "conv1d: expected stride to be a single integer value or a list of 1 values to match "
                    "the convolution dimensions, but got stride=[1, 1]",
                .fn =
                    [](const tensor_list& in) {
                      return conv1d(in[0], in[1], {}, {1, 1});
                    }},
               {.shapes = {{2, 3, 9}, {4, 3, 3}},
                .message = "conv1d: Input type (float32) and weight type (float64) should be the same",
                .dtypes = {kFloat32, kFloat64}}},
       .empty_samples = {{{0, 3, 9}, {4, 3, 3}}, {{2, 0, 9}, {4, 0, 3}}},
       .fixtures = {"conv1d"}},
      {.name = "conv2d",
       .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], in[2], 1, 1); },
       .samples = {{{2, 3, 7, 6}, {4, 3, 3, 3}, {4}}, {{1, 2, 3, 5}, {3, 2, 2, 1}, {3}}},
       .double_backward = true,
       .bad =
           {{{{2, 3}, {4, 3, 3, 3}, {4}},
             "conv2d: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, "
             "3]"},
            {{{2, 3, 7, 6}, {4, 3, 3, 3}, {3}},
             "conv2d: Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, "
             "but "
             "got bias of size [3] instead"},
            {{{2, 3, 1, 6}, {4, 3, 5, 3}, {4}},
             "conv2d: Calculated padded input size per channel: (3 x 8). Kernel size: (5 x 3). Kernel size "
             "can't be greater than actual input size"},
            {{{2, 3, 7, 6}, {4, 3, 3}, {4}},
             "conv2d: Expected 3-dimensional input for 3-dimensional weight [4, 3, 3], but got 4-dimensional "
             "input of size [2, 3, 7, 6] instead"},
            {.shapes = {{2, 3, 7, 6}, {4, 3, 3, 3}, {4}},
             .message = "conv2d: negative padding is not supported",
             .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], in[2], 1, -1); }},
            {.shapes = {{2, 3, 7, 6}, {4, 3, 3, 3}, {4}},
             .message = "conv2d: non-positive stride is not supported",
             .fn =
                 [](const tensor_list& in) {
                   return conv2d(in[0], in[1], in[2], {1, 0});
                 }},
            {.shapes = {{2, 3, 7, 6}, {4, 3, 3, 3}, {4}},
             .message = "conv2d: padding='same' is not supported for strided convolutions",
             .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], in[2], 2, "same"); }},
            {.shapes = {{2, 3, 7, 6}, {4, 3, 3, 3}, {4}},
             .message = "conv2d: Invalid padding string: 'full'",
             .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], in[2], 1, "full"); }}},
       .empty_samples = {{{0, 3, 7, 6}, {4, 3, 3, 3}, {4}}},
       .fixtures = {"conv2d"}},
      {.name = "conv2d_strided_dilated",
       .fn =
           [](const tensor_list& in) {
             return conv2d(in[0], in[1], {}, {2, 1}, {1, 2}, {2, 1});
           },
       .samples = {{{2, 2, 9, 7}, {3, 2, 3, 2}}, {{1, 2, 6, 5}, {2, 2, 2, 3}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 2, 9, 7}, {3, 2, 3, 2}},
                .message = "conv2d: dilation should be greater than zero",
                .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], {}, 1, Shape{0}, 0); }}},
       .empty_samples = {{{0, 2, 9, 7}, {3, 2, 3, 2}}},
       .fixtures = {"conv2d_strided_dilated"}},
      {.name = "conv2d_groups",
       .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], in[2], 2, Shape{0}, 1, 2); },
       .samples = {{{2, 4, 7, 7}, {6, 2, 3, 3}, {6}}, {{1, 4, 5, 4}, {2, 2, 2, 2}, {2}}},
       .double_backward = true,
       .bad =
           {{{{2, 4, 7, 7}, {5, 2, 3, 3}, {5}},
             "conv2d: Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of "
             "size [5, 2, 3, 3] instead"},
            {{{2, 6, 7, 7}, {6, 2, 3, 3}, {6}},
             "conv2d: Given groups=2, weight of size [6, 2, 3, 3], expected input[2, 6, 7, 7] to have 4 "
             "channels, but got 6 channels instead"},
            {.shapes = {{2, 4, 7, 7}, {6, 2, 3, 3}, {6}},
             .message = "conv2d: non-positive groups is not supported",
             .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], in[2], 1, Shape{0}, 1, 0); }}},
       .empty_samples = {{{0, 4, 7, 7}, {6, 2, 3, 3}, {6}}},
       .fixtures = {"conv2d_groups"}},
      {.name = "conv2d_depthwise",
       .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], {}, 1, 1, 1, 3); },
       .samples = {{{2, 3, 5, 6}, {3, 1, 3, 3}}, {{3, 5, 4}, {6, 1, 2, 2}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 5, 6}, {3, 1, 3, 3}}},
       .fixtures = {"conv2d_depthwise"}},
      {.name = "conv2d_1x1",
       .fn = [](const tensor_list& in) { return conv2d(in[0], in[1]); },
       .samples = {{{2, 3, 4, 5}, {5, 3, 1, 1}}, {{3, 1, 1}, {2, 3, 1, 1}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 4, 5}, {5, 3, 1, 1}}},
       .fixtures = {"conv2d_1x1"}},
      {.name = "conv2d_same_even",
       .fn =
           [](const tensor_list& in) {
             return conv2d(in[0], in[1], {}, 1, "same", {1, 3});
           },
       .samples = {{{2, 2, 6, 7}, {3, 2, 4, 2}}, {{2, 3, 3}, {1, 2, 3, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 6, 7}, {3, 2, 4, 2}}},
       .fixtures = {"conv2d_same_even"}},
      {.name = "conv2d_valid",
       .fn = [](const tensor_list& in) { return conv2d(in[0], in[1], in[2], 1, "valid"); },
       .samples = {{{2, 2, 5, 4}, {3, 2, 2, 3}, {3}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 5, 4}, {3, 2, 2, 3}, {3}}}},
      {.name = "conv2d_unbatched",
       .fn =
           [](const tensor_list& in) {
             return conv2d(in[0], in[1], {}, 1, Shape{0, 1});
           },
       .samples = {{{2, 5, 6}, {3, 2, 2, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 5, 6}, {3, 0, 2, 3}}},
       .fixtures = {"conv2d_unbatched"}},
      {.name = "conv3d",
       .fn =
           [](const tensor_list& in) {
             return conv3d(in[0], in[1], in[2], {1, 2, 1}, {1, 0, 1});
           },
       .samples = {{{2, 2, 4, 5, 3}, {3, 2, 2, 3, 2}, {3}}, {{2, 3, 3, 3}, {1, 2, 1, 2, 3}, {1}}},
       .double_backward = true,
       .bad = {{{{2, 2, 4}, {3, 2, 2, 3, 2}, {3}},
                "conv3d: Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of size: "
                "[2, 2, 4]"}},
       .empty_samples = {{{0, 2, 4, 5, 3}, {3, 2, 2, 3, 2}, {3}}},
       .fixtures = {"conv3d"}},
      {.name = "conv3d_same",
       .fn = [](const tensor_list& in) { return conv3d(in[0], in[1], {}, 1, "same"); },
       .samples = {{{1, 2, 3, 4, 3}, {2, 2, 2, 3, 1}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 3, 4, 3}, {2, 2, 2, 3, 1}}}},
      {.name = "conv_transpose1d",
       .fn = [](const tensor_list& in) { return conv_transpose1d(in[0], in[1], in[2], 3, 1, 2); },
       .samples = {{{2, 3, 5}, {3, 2, 4}, {2}}, {{3, 4}, {3, 1, 2}, {1}}},
       .double_backward = true,
       .bad = {{{{2, 2, 5}, {3, 2, 4}, {2}},
                "conv_transpose1d: Given transposed=1, weight of size [3, 2, 4], expected input[2, 2, 5] to "
                "have 3 "
                "channels, but got 2 channels instead"},
               {.shapes = {{2, 3, 5}, {3, 2, 4}, {2}},
                .message = "conv_transpose1d: output padding must be smaller than either stride or dilation",
                .fn = [](const tensor_list& in) { return conv_transpose1d(in[0], in[1], in[2], 2, 0, 2); }}},
       .empty_samples = {{{0, 3, 5}, {3, 2, 4}, {2}}, {{2, 3, 5}, {3, 0, 4}, {0}}},
       .fixtures = {"conv_transpose1d"}},
      {.name = "conv_transpose1d_dilated_output_padding",
       .fn = [](const tensor_list& in) { return conv_transpose1d(in[0], in[1], {}, 1, Shape{0}, 1, 1, 2); },
       .samples = {{{2, 2, 4}, {2, 3, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 4}, {2, 3, 3}}},
       .fixtures = {"conv_transpose1d_dilated_output_padding"}},
      {.name = "conv_transpose2d",
       .fn =
           [](const tensor_list& in) {
             return conv_transpose2d(in[0], in[1], in[2], 2, 1, 1, 2, {1, 2});
           },
       .samples = {{{2, 4, 4, 3}, {4, 3, 3, 2}, {6}}, {{1, 2, 3, 3}, {2, 1, 2, 2}, {2}}},
       .double_backward = true,
       .bad = {{{{2, 4, 4, 3}, {4, 3, 3, 2}, {3}},
                "conv_transpose2d: Given transposed=1, weight of size [4, 3, 3, 2], expected bias to be "
                "1-dimensional with 6 elements, but got bias of size [3] instead"}},
       .empty_samples = {{{0, 4, 4, 3}, {4, 3, 3, 2}, {6}}},
       .fixtures = {"conv_transpose2d"}},
      {.name = "conv_transpose3d",
       .fn =
           [](const tensor_list& in) {
             return conv_transpose3d(in[0], in[1], {}, {2, 1, 1}, {0, 1, 0});
           },
       .samples = {{{1, 2, 3, 3, 4}, {2, 3, 2, 3, 2}}, {{2, 2, 2, 3}, {2, 1, 1, 2, 2}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 3, 3, 4}, {2, 3, 2, 3, 2}}},
       .fixtures = {"conv_transpose3d"}},
      {.name = "convolution",
       .fn =
           [](const tensor_list& in) {
             return convolution(in[0], in[1], in[2], {1, 2}, {1, 0}, {1, 1}, false, {0, 0}, 1);
           },
       .samples = {{{2, 3, 5, 6}, {2, 3, 2, 3}, {2}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 5, 6}, {2, 3, 2, 3}, {2}}}},
      {.name = "convolution_transposed",
       .fn = [](const tensor_list& in) { return convolution(in[0], in[1], in[2], 2, 0, 1, true, 1, 1); },
       .samples = {{{2, 3, 3, 2}, {3, 2, 2, 3}, {2}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 3, 2}, {3, 2, 2, 3}, {2}}}},
  };
}

}  // namespace tg::testing
