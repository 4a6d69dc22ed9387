#include <array>
#include <cmath>
#include <span>
#include <string>
#include <variant>

#include <tapegrad/autograd/ops/pooling.hpp>
#include <tapegrad/autograd/ops/upsampling.hpp>
#include <tapegrad/nn/functional/upsampling.hpp>

namespace tg::nn::functional {

namespace {

// The one spatial dim count each interpolating mode accepts (0: any of 1-3).
std::int64_t required_spatial(const InterpolateFuncOptions::mode_t& mode) {
  if (std::holds_alternative<enumtype::kLinear>(mode)) return 1;
  if (std::holds_alternative<enumtype::kBilinear>(mode) || std::holds_alternative<enumtype::kBicubic>(mode))
    return 2;
  if (std::holds_alternative<enumtype::kTrilinear>(mode)) return 3;
  return 0;
}

bool interpolating(const InterpolateFuncOptions::mode_t& mode) { return required_spatial(mode) != 0; }

std::string_view name_of(const InterpolateFuncOptions::mode_t& mode) {
  return std::visit([](auto value) { return enum_name(value); }, mode);
}

}  // namespace

Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options) {
  const std::string_view op = "interpolate";
  detail::check_defined(op, "input", input);
  const std::int64_t spatial = input.dim() - 2;
  check(spatial >= 1 && spatial <= 3, op, "Input Error: Only 3D, 4D and 5D input Tensors supported (got ",
        input.dim(),
        "D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ",
        name_of(options.mode()), ")");
  const auto& size = options.size();
  const auto& scale_factor = options.scale_factor();
  check(size.has_value() != scale_factor.has_value(), op,
        size ? "only one of size or scale_factor should be defined"
             : "either size or scale_factor should be defined");
  if (size)
    check(static_cast<std::int64_t>(size->size()) == spatial, op,
          "size shape must match input shape. Input is ", spatial, "D, size is ", size->size());
  if (scale_factor)
    check(static_cast<std::int64_t>(scale_factor->size()) == spatial, op,
          "scale_factor shape must match input shape. Input is ", spatial, "D, scale_factor is ",
          scale_factor->size());
  check(!options.align_corners() || interpolating(options.mode()), op,
        "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | "
        "trilinear");
  check(!options.antialias(), op,
        "antialias is not supported (tapegrad, like libtorch 1.13's CPU ops for most modes)");
  const std::int64_t needed = required_spatial(options.mode());
  check(needed == 0 || needed == spatial, op, "Got ", input.dim(), "D input, but ", name_of(options.mode()),
        " mode needs ", needed + 2, "D input");

  Shape output_size;
  std::array<std::optional<double>, 3> scales;
  for (std::int64_t d = 0; d < spatial; ++d) {
    const auto i = static_cast<std::size_t>(d);
    if (size) {
      output_size.push_back((*size)[i]);
      continue;
    }
    output_size.push_back(
        static_cast<std::int64_t>(std::floor(static_cast<double>(input.size(2 + d)) * (*scale_factor)[i])));
    if (!options.recompute_scale_factor().value_or(false)) scales[i] = (*scale_factor)[i];
  }
  const bool align_corners = options.align_corners().value_or(false);
  const auto& mode = options.mode();
  if (std::holds_alternative<enumtype::kArea>(mode)) {
    if (spatial == 1) return adaptive_avg_pool1d(input, output_size);
    if (spatial == 2) return adaptive_avg_pool2d(input, output_size);
    return adaptive_avg_pool3d(input, output_size);
  }
  if (std::holds_alternative<enumtype::kNearest>(mode)) {
    if (spatial == 1) return upsample_nearest1d(input, output_size, scales[0]);
    if (spatial == 2) return upsample_nearest2d(input, output_size, scales[0], scales[1]);
    return upsample_nearest3d(input, output_size, scales[0], scales[1], scales[2]);
  }
  if (std::holds_alternative<enumtype::kNearestExact>(mode)) {
    if (spatial == 1) return _upsample_nearest_exact1d(input, output_size, scales[0]);
    if (spatial == 2) return _upsample_nearest_exact2d(input, output_size, scales[0], scales[1]);
    return _upsample_nearest_exact3d(input, output_size, scales[0], scales[1], scales[2]);
  }
  if (std::holds_alternative<enumtype::kLinear>(mode))
    return upsample_linear1d(input, output_size, align_corners, scales[0]);
  if (std::holds_alternative<enumtype::kBilinear>(mode))
    return upsample_bilinear2d(input, output_size, align_corners, scales[0], scales[1]);
  if (std::holds_alternative<enumtype::kBicubic>(mode))
    return upsample_bicubic2d(input, output_size, align_corners, scales[0], scales[1]);
  return upsample_trilinear3d(input, output_size, align_corners, scales[0], scales[1], scales[2]);
}

}  // namespace tg::nn::functional
