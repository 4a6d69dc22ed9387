// Rows for autograd/ops/pooling.cpp: max, average and adaptive pooling in 1-3 dims and max_unpool. The
// inputs are drawn from a continuous distribution, so windows have no tied maxima and max pooling is
// differentiable at the sample points.
#include <cstdint>
#include <tuple>
#include <vector>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

const Samples kPool1dEmpty = {{{0, 3, 9}}};
const Samples kPool2dEmpty = {{{0, 2, 7, 6}}};
const Samples kPool3dEmpty = {{{0, 1, 4, 6, 7}}};

// Indices of a 2x2 max pool of distinct values (no two outputs share a position) for an input of
// `pooled` sizes [..., h, w] unpooled to [..., 2h + 1, 2w].
Tensor distinct_indices(const Tensor& pooled, std::int64_t spatial) {
  Shape source = pooled.sizes();
  for (std::int64_t d = 0; d < spatial; ++d) source[source.size() - 1 - static_cast<std::size_t>(d)] *= 2;
  const Tensor values = sin(arange(shape_numel(source), kFloat64) * 1.7).reshape(source);
  if (spatial == 1) return std::get<1>(max_pool1d_with_indices(values, 2));
  if (spatial == 2) return std::get<1>(max_pool2d_with_indices(values, 2));
  return std::get<1>(max_pool3d_with_indices(values, 2));
}

}  // namespace

std::vector<OpCase> pooling_cases() {
  return with_empty_leading_dim({
      {.name = "max_pool1d",
       .fn = [](const tensor_list& in) { return max_pool1d(in[0], 3, 2, 1); },
       .samples = {{{2, 3, 9}}, {{3, 8}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 5}},
                .message =
                    "max_pool1d: pad should be at most half of kernel size, but got pad=2 and kernel_size=2",
                .fn = [](const tensor_list& in) { return max_pool1d(in[0], 2, 1, 2); }},
               {{{9}}, "max_pool1d: Expected 2 to 3 dimensions, but got 1-dimensional tensor"},
               {{{2, 0, 9}},
                "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
                "but got:[2, 0, 9]"}},
       .empty_samples = kPool1dEmpty,
       .fixtures = {"max_pool1d"}},
      {.name = "max_pool1d_ceil_dilation",
       .fn = [](const tensor_list& in) { return max_pool1d(in[0], 2, 2, 1, 2, true); },
       .samples = {{{3, 8}}, {{2, 2, 7}}},
       .double_backward = true,
       .empty_samples = kPool1dEmpty,
       .fixtures = {"max_pool1d_ceil_dilation"}},
      {.name = "max_pool2d",
       .fn = [](const tensor_list& in) { return max_pool2d(in[0], 2); },
       .samples = {{{2, 3, 6, 7}}, {{1, 2, 5, 5}}, {{3, 4, 4}}},
       .double_backward = true,
       .bad =
           {{.shapes = {{2, 3, 4, 4}},
             .message =
                 "max_pool2d: pad should be at most half of kernel size, but got pad=2 and kernel_size=2",
             .fn = [](const tensor_list& in) { return max_pool2d(in[0], 2, {}, 2); }},
            {{{2, 3, 1, 1}},
             "max_pool2d: Given input size: (3x1x1). Calculated output size: (3x0x0). Output size is too "
             "small"},
            {{{3, 4}},
             "max_pool2d: non-empty 3D or 4D (batch mode) tensor expected for input, but got shape [3, 4]"},
            {.shapes = {{2, 3, 4, 4}},
             .message =
                 "max_pool2d: kernel_size must either be a single int, or a tuple of two ints, got [2, 2, 2]",
             .fn =
                 [](const tensor_list& in) {
                   return max_pool2d(in[0], {2, 2, 2});
                 }},
            {.shapes = {{2, 3, 4, 4}},
             .message = "max_pool2d: stride should not be zero",
             .fn = [](const tensor_list& in) { return max_pool2d(in[0], 2, 0); }},
            {.shapes = {{2, 3, 4, 4}},
             .message = "max_pool2d: dilation should be greater than zero",
             .fn = [](const tensor_list& in) { return max_pool2d(in[0], 2, 1, 0, 0); }},
            {.shapes = {{2, 3, 4, 4}},
             .message = "max_pool2d: expected input to be float32 or float64, got int64",
             .dtypes = {kInt64}}},
       .empty_samples = kPool2dEmpty,
       .fixtures = {"max_pool2d"}},
      {.name = "max_pool2d_padding_ceil",
       .fn =
           [](const tensor_list& in) {
             return max_pool2d(in[0], {3, 2}, {2, 1}, {1, 1}, 1, true);
           },
       .samples = {{{2, 2, 7, 6}}, {{1, 5, 4}}},
       .double_backward = true,
       .empty_samples = kPool2dEmpty,
       .fixtures = {"max_pool2d_padding_ceil"}},
      {.name = "max_pool2d_dilation",
       .fn =
           [](const tensor_list& in) {
             return max_pool2d(in[0], 3, {1, 2}, 1, {2, 1});
           },
       .samples = {{{1, 2, 7, 8}}, {{2, 5, 6}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 7, 8}}},
       .fixtures = {"max_pool2d_dilation"}},
      {.name = "max_pool2d_unbatched",
       .fn = [](const tensor_list& in) { return max_pool2d(in[0], 2, 1); },
       .samples = {{{3, 5, 5}}},
       .double_backward = true,
       .fixtures = {"max_pool2d_unbatched"}},
      {.name = "max_pool2d_indices",
       .fn =
           [](const tensor_list& in) {
             return std::get<1>(max_pool2d_with_indices(in[0], 3, 2, 1, 1, true));
           },
       .samples = {{{2, 2, 7, 6}}},
       .keeps_dtype = false,
       .fixtures = {"max_pool2d_indices"},
       .differentiable = false},
      {.name = "max_pool3d",
       .fn =
           [](const tensor_list& in) {
             return max_pool3d(in[0], {2, 3, 2}, {1, 2, 2}, {1, 1, 0}, {1, 1, 2});
           },
       .samples = {{{1, 2, 4, 6, 7}}, {{2, 3, 5, 5}}},
       .double_backward = true,
       .bad =
           {{{{3, 3}}, "max_pool3d: non-empty 4D or 5D (batch mode) tensor expected for input"},
            {{{3, 3, 1, 3, 3}},
             "max_pool3d: Given input size: (3x1x3x3). Calculated output size: (3x0x1x1). Output size is too "
             "small",
             {},
             [](const tensor_list& in) { return max_pool3d(in[0], 2); }}},
       .empty_samples = kPool3dEmpty,
       .fixtures = {"max_pool3d"}},
      {.name = "max_pool3d_indices",
       .fn =
           [](const tensor_list& in) {
             return std::get<1>(max_pool3d_with_indices(in[0], 2, 2, 1, 1, true));
           },
       .samples = {{{2, 3, 5, 4}}},
       .keeps_dtype = false,
       .fixtures = {"max_pool3d_indices"},
       .differentiable = false},
      {.name = "max_pool2d_strided_input",
       .fn =
           [](const tensor_list& in) {
             return max_pool2d(in[0].transpose(2, 3), {2, 3}, {1, 2});
           },
       .samples = {{{2, 3, 7, 6}}},
       .double_backward = true},
      {.name = "avg_pool1d",
       .fn = [](const tensor_list& in) { return avg_pool1d(in[0], 3, 2, 1); },
       .samples = {{{2, 3, 8}}, {{3, 5}}},
       .double_backward = true,
       .bad = {{{{2, 3, 8, 8}}, "avg_pool1d: Expected 2 to 3 dimensions, but got 4-dimensional tensor"},
               {.shapes = {{2, 3, 8}},
                .message =
                    "avg_pool1d: pad should be at most half of kernel size, but got pad=2 and kernel_size=3",
                .fn = [](const tensor_list& in) { return avg_pool1d(in[0], 3, 1, 2); }}},
       .empty_samples = {{{0, 3, 8}}},
       .fixtures = {"avg_pool1d"}},
      {.name = "avg_pool1d_exclude_pad_ceil",
       .fn = [](const tensor_list& in) { return avg_pool1d(in[0], 3, 2, 1, true, false); },
       .samples = {{{2, 3, 8}}, {{2, 7}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 8}}},
       .fixtures = {"avg_pool1d_exclude_pad_ceil"}},
      {.name = "avg_pool2d",
       .fn = [](const tensor_list& in) { return avg_pool2d(in[0], 2); },
       .samples = {{{2, 3, 6, 7}}, {{3, 5, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 4, 4}},
                .message = "avg_pool2d: divisor must be not zero",
                .fn = [](const tensor_list& in) { return avg_pool2d(in[0], 2, {}, 0, false, true, 0); }},
               {{{2, 3, 1, 1}},
                "avg_pool2d: Given input size: (3x1x1). Calculated output size: (3x0x0). Output size is too "
                "small"}},
       .empty_samples = kPool2dEmpty,
       .fixtures = {"avg_pool2d"}},
      {.name = "avg_pool2d_pad_ceil",
       .fn = [](const tensor_list& in) { return avg_pool2d(in[0], 3, 2, 1, true); },
       .samples = {{{2, 2, 6, 7}}, {{1, 5, 5}}},
       .double_backward = true,
       .empty_samples = kPool2dEmpty,
       .fixtures = {"avg_pool2d_pad_ceil"}},
      {.name = "avg_pool2d_exclude_pad",
       .fn =
           [](const tensor_list& in) {
             return avg_pool2d(in[0], {3, 2}, {2, 1}, {1, 1}, true, false);
           },
       .samples = {{{1, 2, 7, 6}}, {{2, 4, 5}}},
       .double_backward = true,
       .empty_samples = kPool2dEmpty,
       .fixtures = {"avg_pool2d_exclude_pad"}},
      {.name = "avg_pool2d_divisor",
       .fn = [](const tensor_list& in) { return avg_pool2d(in[0], 3, 2, 1, false, true, 5); },
       .samples = {{{2, 5, 6}}, {{1, 1, 4, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 1, 4, 4}}},
       .fixtures = {"avg_pool2d_divisor"}},
      {.name = "avg_pool2d_strided_input",
       .fn = [](const tensor_list& in) { return avg_pool2d(in[0].transpose(2, 3), 3, 2, 1, true, false); },
       .samples = {{{2, 3, 7, 6}}},
       .double_backward = true},
      {.name = "avg_pool3d",
       .fn =
           [](const tensor_list& in) {
             return avg_pool3d(in[0], {2, 3, 2}, {1, 2, 2}, {1, 1, 0}, true, false);
           },
       .samples = {{{1, 2, 4, 6, 5}}, {{2, 3, 4, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 4, 6, 5}}},
       .fixtures = {"avg_pool3d"}},
      {.name = "avg_pool3d_divisor",
       .fn = [](const tensor_list& in) { return avg_pool3d(in[0], 2, {}, 0, false, true, 3); },
       .samples = {{{2, 4, 4, 5}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 4, 4, 5}}},
       .fixtures = {"avg_pool3d_divisor"}},
      {.name = "adaptive_avg_pool1d",
       .fn = [](const tensor_list& in) { return adaptive_avg_pool1d(in[0], 4); },
       .samples = {{{2, 3, 7}}, {{3, 3}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 7}},
                .message = "adaptive_avg_pool1d: output_size must be 1 values, got [2, 2]",
                .fn =
                    [](const tensor_list& in) {
                      return adaptive_avg_pool1d(in[0], {2, 2});
                    }}},
       .empty_samples = {{{0, 3, 7}}},
       .fixtures = {"adaptive_avg_pool1d"}},
      {.name = "adaptive_avg_pool2d",
       .fn =
           [](const tensor_list& in) {
             return adaptive_avg_pool2d(in[0], {3, 4});
           },
       .samples = {{{2, 2, 7, 5}}, {{3, 2, 9}}, {{1, 2, 3, 4}}},
       .double_backward = true,
       .bad = {{{{3, 3}}, "adaptive_avg_pool2d: Expected 3D or 4D tensor, but got [3, 3]"},
               {{{3, 3, 0, 3}},
                "adaptive_avg_pool2d: Expected input to have non-zero size for non-batch dimensions, but "
                "input has "
                "sizes [3, 3, 0, 3] with dimension 2 being empty"},
               {.shapes = {{3, 3, 3}},
                .message =
                    "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
                    "received [-1, 2]",
                .fn =
                    [](const tensor_list& in) {
                      return adaptive_avg_pool2d(in[0], {-1, 2});
                    }}},
       .empty_samples = {{{0, 2, 7, 5}}},
       .fixtures = {"adaptive_avg_pool2d"}},
      {.name = "adaptive_avg_pool2d_global",
       .fn =
           [](const tensor_list& in) {
             return adaptive_avg_pool2d(in[0], {1, 1});
           },
       .samples = {{{3, 5, 6}}},
       .double_backward = true,
       .fixtures = {"adaptive_avg_pool2d_global"}},
      {.name = "adaptive_avg_pool2d_zero_output",
       .fn =
           [](const tensor_list& in) {
             return adaptive_avg_pool2d(in[0], {0, 2});
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true},
      {.name = "adaptive_avg_pool3d",
       .fn =
           [](const tensor_list& in) {
             return adaptive_avg_pool3d(in[0], {2, 3, 2});
           },
       .samples = {{{1, 2, 3, 5, 4}}, {{2, 4, 4, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 3, 5, 4}}},
       .fixtures = {"adaptive_avg_pool3d"}},
      {.name = "adaptive_max_pool1d",
       .fn = [](const tensor_list& in) { return std::get<0>(adaptive_max_pool1d(in[0], 3)); },
       .samples = {{{2, 3, 7}}, {{2, 5}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 7}}},
       .fixtures = {"adaptive_max_pool1d"}},
      {.name = "adaptive_max_pool2d",
       .fn =
           [](const tensor_list& in) {
             return std::get<0>(adaptive_max_pool2d(in[0], {3, 4}));
           },
       .samples = {{{2, 2, 7, 5}}, {{2, 3, 9}}},
       .double_backward = true,
       .bad = {{{{3, 3}}, "adaptive_max_pool2d: Expected 3D or 4D tensor, but got [3, 3]"}},
       .empty_samples = {{{0, 2, 7, 5}}},
       .fixtures = {"adaptive_max_pool2d"}},
      {.name = "adaptive_max_pool2d_indices",
       .fn =
           [](const tensor_list& in) {
             return std::get<1>(adaptive_max_pool2d(in[0], {3, 4}));
           },
       .samples = {{{2, 2, 7, 5}}},
       .keeps_dtype = false,
       .fixtures = {"adaptive_max_pool2d_indices"},
       .differentiable = false},
      {.name = "adaptive_max_pool3d",
       .fn =
           [](const tensor_list& in) {
             return std::get<0>(adaptive_max_pool3d(in[0], {2, 3, 2}));
           },
       .samples = {{{1, 2, 3, 5, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 3, 5, 4}}},
       .fixtures = {"adaptive_max_pool3d"}},
      // Unpooling with indices of a real pool: gradcheck on the values (the indices are fixed).
      {.name = "max_unpool2d",
       .fn =
           [](const tensor_list& in) {
             const std::int64_t h = in[0].size(-2), w = in[0].size(-1);
             return max_unpool2d(in[0], distinct_indices(in[0], 2), {2 * h + 1, 2 * w});
           },
       .samples = {{{2, 2, 2, 3}}, {{3, 3, 2}}},
       .double_backward = true,
       .bad = {{.shapes = {{1, 1, 2, 2}},
                .message = "max_unpool2d: Found an invalid max index: 20 (output volumes are of size 4x4)",
                .fn =
                    [](const tensor_list& in) {
                      return max_unpool2d(in[0], int64s({0, 1, 2, 20}, {1, 1, 2, 2}), {4, 4});
                    }},
               {.shapes = {{1, 1, 2, 2}},
                .message =
                    "max_unpool2d: There should be exactly 2 elements (height, width) in output_size, but "
                    "got 3 elements.",
                .fn =
                    [](const tensor_list& in) {
                      return max_unpool2d(in[0], int64s({0, 1, 2, 3}, {1, 1, 2, 2}), {4, 4, 4});
                    }},
               {.shapes = {{1, 1, 2, 2}},
                .message =
                    "max_unpool2d: Expected shape of indices to be same as that of the input tensor ([1, 1, "
                    "2, 2]) but got indices tensor with shape: [4]",
                .fn =
                    [](const tensor_list& in) {
                      return max_unpool2d(in[0], int64s({0, 1, 2, 3}), {4, 4});
                    }},
               {.shapes = {{1, 1, 2, 2}, {1, 1, 2, 2}},
                .message = "max_unpool2d: elements in indices should be type int64 but got: float64",
                .fn =
                    [](const tensor_list& in) {
                      return max_unpool2d(in[0], in[1], {4, 4});
                    }}},
       .empty_samples = {{{0, 2, 2, 3}}},
       .empty_fn =
           [](const tensor_list& in) {
             return max_unpool2d(in[0], zeros(in[0].sizes(), kInt64), {5, 6});
           }},
      {.name = "max_unpool1d",
       .fn =
           [](const tensor_list& in) {
             return max_unpool1d(in[0], distinct_indices(in[0], 1), 2 * in[0].size(-1) + 1);
           },
       .samples = {{{2, 3, 4}}},
       .double_backward = true},
      {.name = "max_unpool3d",
       .fn =
           [](const tensor_list& in) {
             const std::int64_t d = in[0].size(-3), h = in[0].size(-2), w = in[0].size(-1);
             return max_unpool3d(in[0], distinct_indices(in[0], 3), {2 * d, 2 * h + 1, 2 * w}, {2, 2, 2},
                                 {0, 0, 0});
           },
       .samples = {{{1, 2, 2, 2, 3}}},
       .double_backward = true},
      {.name = "max_unpool1d_fixture",
       .fn = [](const tensor_list& in) { return max_unpool1d(in[0], in[1], 9); },
       .domains = {kAny, kIndices},
       .fixtures = {"max_unpool1d"}},
      {.name = "max_unpool2d_fixture",
       .fn =
           [](const tensor_list& in) {
             return max_unpool2d(in[0], in[1], {5, 7});
           },
       .domains = {kAny, kIndices},
       .fixtures = {"max_unpool2d"}},
      {.name = "max_unpool2d_overlap_fixture",
       .fn =
           [](const tensor_list& in) {
             return max_unpool2d(in[0], in[1], {6, 5});
           },
       .domains = {kAny, kIndices},
       .fixtures = {"max_unpool2d_overlap"}},
      {.name = "max_unpool3d_fixture",
       .fn =
           [](const tensor_list& in) {
             return max_unpool3d(in[0], in[1], {4, 5, 4}, {2, 2, 2}, {0, 0, 0});
           },
       .domains = {kAny, kIndices},
       .fixtures = {"max_unpool3d"}},
  });
}

}  // namespace tg::testing
