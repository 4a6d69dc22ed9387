// Rows for autograd/ops/upsampling.cpp (through F::interpolate, as PyTorch's fixtures call it) and
// autograd/ops/pixel_shuffle.cpp.
#include <cstdint>
#include <optional>
#include <vector>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

namespace F = tg::nn::functional;

OpFn resized(F::InterpolateFuncOptions options) {
  return [options](const tensor_list& in) { return F::interpolate(in[0], options); };
}

F::InterpolateFuncOptions sized(std::vector<std::int64_t> size) {
  return F::InterpolateFuncOptions().size(size);
}
F::InterpolateFuncOptions scaled(std::vector<double> scale) {
  return F::InterpolateFuncOptions().scale_factor(scale);
}

}  // namespace

std::vector<OpCase> upsampling_cases() {
  return with_empty_leading_dim({
      {.name = "upsample_nearest1d",
       .fn = resized(sized({7})),
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 4}},
                .message = "interpolate: only one of size or scale_factor should be defined",
                .fn = resized(sized({7}).scale_factor(std::vector<double>{2.0}))},
               {.shapes = {{2, 3, 4}},
                .message = "interpolate: either size or scale_factor should be defined",
                .fn = resized(F::InterpolateFuncOptions())},
               {.shapes = {{2, 3, 4}},
                .message = "interpolate: size shape must match input shape. Input is 1D, size is 2",
                .fn = resized(sized({7, 2}))},
               {.shapes = {{2, 3, 4}},
                .message = "interpolate: align_corners option can only be set with the interpolating modes",
                .fn = resized(sized({7}).align_corners(true))},
               {.shapes = {{4}},
                .message = "interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got 1D)",
                .fn = resized(sized({7}))}},
       .empty_samples = {{{0, 3, 4}}},
       .fixtures = {"upsample_nearest1d"}},
      {.name = "upsample_nearest2d_scale",
       .fn = resized(scaled({2.0, 1.5})),
       .samples = {{{2, 2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 3, 4}}},
       .fixtures = {"upsample_nearest2d_scale"}},
      {.name = "upsample_nearest2d_down",
       .fn = resized(sized({2, 5})),
       .samples = {{{1, 2, 5, 7}}},
       .double_backward = true,
       .fixtures = {"upsample_nearest2d_down"}},
      {.name = "upsample_nearest3d",
       .fn = resized(sized({3, 5, 2})),
       .samples = {{{1, 2, 2, 3, 4}}},
       .double_backward = true,
       .fixtures = {"upsample_nearest3d"}},
      {.name = "upsample_nearest_exact2d",
       .fn = resized(sized({5, 3}).mode(kNearestExact)),
       .samples = {{{2, 2, 3, 4}}},
       .double_backward = true,
       .fixtures = {"upsample_nearest_exact2d"}},
      {.name = "upsample_linear1d",
       .fn = resized(sized({7}).mode(kLinear)),
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 4, 4}},
                .message = "interpolate: Got 4D input, but linear mode needs 3D input",
                .fn = resized(sized({7, 7}).mode(kLinear))}},
       .empty_samples = {{{0, 3, 4}}},
       .fixtures = {"upsample_linear1d"}},
      {.name = "upsample_linear1d_align",
       .fn = resized(sized({7}).mode(kLinear).align_corners(true)),
       .samples = {{{2, 3, 4}}},
       .double_backward = true,
       .fixtures = {"upsample_linear1d_align"}},
      {.name = "upsample_bilinear2d",
       .fn = resized(sized({5, 7}).mode(kBilinear)),
       .samples = {{{2, 2, 3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 3, 4}}},
       .fixtures = {"upsample_bilinear2d"}},
      {.name = "upsample_bilinear2d_align",
       .fn = resized(sized({5, 3}).mode(kBilinear).align_corners(true)),
       .samples = {{{2, 2, 3, 4}}},
       .double_backward = true,
       .fixtures = {"upsample_bilinear2d_align"}},
      {.name = "upsample_bilinear2d_scale",
       .fn = resized(scaled({1.7, 2.5}).mode(kBilinear)),
       .samples = {{{1, 2, 3, 4}}},
       .double_backward = true,
       .fixtures = {"upsample_bilinear2d_scale"}},
      {.name = "upsample_bilinear2d_recompute",
       .fn = resized(scaled({1.7, 2.5}).mode(kBilinear).recompute_scale_factor(true)),
       .samples = {{{1, 2, 3, 4}}},
       .double_backward = true,
       .fixtures = {"upsample_bilinear2d_recompute"}},
      {.name = "upsample_bilinear2d_down",
       .fn = resized(sized({2, 3}).mode(kBilinear)),
       .samples = {{{1, 2, 5, 7}}},
       .double_backward = true,
       .fixtures = {"upsample_bilinear2d_down"}},
      {.name = "upsample_bilinear2d_strided_input",
       .fn =
           [](const tensor_list& in) {
             return F::interpolate(in[0].transpose(2, 3), sized({4, 6}).mode(kBilinear));
           },
       .samples = {{{1, 2, 3, 5}}},
       .double_backward = true},
      {.name = "upsample_bicubic2d",
       .fn = resized(sized({5, 7}).mode(kBicubic)),
       .samples = {{{2, 2, 3, 4}}},
       .double_backward = true,
       .fixtures = {"upsample_bicubic2d"}},
      {.name = "upsample_bicubic2d_align",
       .fn = resized(sized({6, 3}).mode(kBicubic).align_corners(true)),
       .samples = {{{1, 2, 4, 5}}},
       .double_backward = true,
       .fixtures = {"upsample_bicubic2d_align"}},
      {.name = "upsample_trilinear3d",
       .fn = resized(sized({3, 5, 4}).mode(kTrilinear)),
       .samples = {{{1, 2, 2, 3, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 2, 2, 3, 3}}},
       .fixtures = {"upsample_trilinear3d"}},
      {.name = "interpolate_area",
       .fn = resized(sized({3, 2}).mode(kArea)),
       .samples = {{{2, 2, 7, 5}}},
       .double_backward = true,
       .fixtures = {"interpolate_area"}},
      {.name = "pixel_shuffle",
       .fn = [](const tensor_list& in) { return pixel_shuffle(in[0], 2); },
       .samples = {{{2, 8, 3, 4}}, {{4, 2, 3}}},
       .double_backward = true,
       .bad = {{{{2, 6, 3, 4}},
                "pixel_shuffle: pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                "square "
                "of upscale_factor, but input.size(-3)=6 is not divisible by 4"},
               {{{8, 3}},
                "pixel_shuffle: pixel_shuffle expects input to have at least 3 dimensions, but got input "
                "with 2 dimension(s)"}},
       .empty_samples = {{{0, 8, 3, 4}}},
       .fixtures = {"pixel_shuffle"}},
      {.name = "pixel_unshuffle",
       .fn = [](const tensor_list& in) { return pixel_unshuffle(in[0], 3); },
       .samples = {{{2, 2, 6, 3}}, {{1, 3, 9}}},
       .double_backward = true,
       .bad = {{{{2, 2, 5, 3}},
                "pixel_unshuffle: pixel_unshuffle expects height to be divisible by downscale_factor, but "
                "input.size(-2)=5 is not divisible by 3"}},
       .empty_samples = {{{0, 2, 6, 3}}},
       .fixtures = {"pixel_unshuffle"}},
  });
}

}  // namespace tg::testing
