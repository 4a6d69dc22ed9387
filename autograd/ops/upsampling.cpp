// Upsampling as separable resampling: each resized dim is a weighted sum of index_select's of the input
// along that dim (one tap for nearest, two for linear, four for cubic), with the source positions and
// weights computed once per dim here. index_select, mul and add are differentiable (twice), so the ops are
// too; their backward scatters the weighted gradient back with index_select's backward (index_add).
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/upsampling.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {

namespace {

enum class Mode { Nearest, NearestExact, Linear, Cubic };

// The ratio input / output position PyTorch uses: from the requested scale when given (and positive).
double source_scale(std::int64_t in, std::int64_t out, bool align_corners, std::optional<double> scale,
                    Mode mode) {
  if (align_corners && mode != Mode::Nearest && mode != Mode::NearestExact)
    return out > 1 ? static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
  if (scale && *scale > 0) return 1.0 / *scale;
  return static_cast<double>(in) / static_cast<double>(out);
}

// One tap set per output position: source positions and their weights.
struct Taps {
  std::vector<std::vector<std::int64_t>> positions;  // [tap][output position]
  std::vector<std::vector<double>> weights;          // [tap][output position]
};

double cubic_near(double x, double a) { return ((a + 2) * x - (a + 3)) * x * x + 1; }       // |x| <= 1
double cubic_far(double x, double a) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; }  // 1 < |x| < 2

Taps taps_for(Mode mode, std::int64_t in, std::int64_t out, bool align_corners, std::optional<double> scale) {
  const double ratio = source_scale(in, out, align_corners, scale, mode);
  const std::size_t count = mode == Mode::Cubic ? 4 : mode == Mode::Linear ? 2 : 1;
  Taps taps;
  taps.positions.assign(count, std::vector<std::int64_t>(static_cast<std::size_t>(out)));
  taps.weights.assign(count, std::vector<double>(static_cast<std::size_t>(out)));
  const auto clamp = [&](std::int64_t i) { return std::min(std::max<std::int64_t>(i, 0), in - 1); };
  for (std::int64_t o = 0; o < out; ++o) {
    const auto oi = static_cast<std::size_t>(o);
    const double dst = static_cast<double>(o);
    if (mode == Mode::Nearest || mode == Mode::NearestExact) {
      // In float, as PyTorch computes these (the rounding decides ties); nearest keeps equal sizes as they
      // are whatever the scale.
      const auto ratio_f = static_cast<float>(ratio);
      const auto dst_f = static_cast<float>(o);
      const float src =
          mode == Mode::Nearest ? std::floor(dst_f * ratio_f) : std::floor((dst_f + 0.5f) * ratio_f);
      taps.positions[0][oi] =
          mode == Mode::Nearest && in == out ? o : std::min(static_cast<std::int64_t>(src), in - 1);
      taps.weights[0][oi] = 1.0;
      continue;
    }
    double src = align_corners ? dst * ratio : ratio * (dst + 0.5) - 0.5;
    if (mode == Mode::Linear) {
      if (!align_corners && src < 0) src = 0;
      const auto left = static_cast<std::int64_t>(src);  // src >= 0: truncation is floor
      const double lambda = src - static_cast<double>(left);
      taps.positions[0][oi] = left;
      taps.positions[1][oi] = left < in - 1 ? left + 1 : left;
      taps.weights[0][oi] = 1.0 - lambda;
      taps.weights[1][oi] = lambda;
      continue;
    }
    const double floor_src = std::floor(src);
    const double t = src - floor_src;
    const auto base = static_cast<std::int64_t>(floor_src);
    constexpr double a = -0.75;
    const std::array<double, 4> w = {cubic_far(t + 1, a), cubic_near(t, a), cubic_near(1 - t, a),
                                     cubic_far(2 - t, a)};
    for (std::size_t k = 0; k < 4; ++k) {
      taps.positions[k][oi] = clamp(base - 1 + static_cast<std::int64_t>(k));
      taps.weights[k][oi] = w[k];
    }
  }
  return taps;
}

// x resized along `dim` to `out` positions.
Tensor resample_dim(const Tensor& x, std::int64_t dim, std::int64_t out, Mode mode, bool align_corners,
                    std::optional<double> scale) {
  const std::int64_t in = x.size(dim);
  if (in == out && (mode == Mode::Nearest || source_scale(in, out, align_corners, scale, mode) == 1.0))
    return x;  // the identity
  const Taps taps = taps_for(mode, in, out, align_corners, scale);
  Shape weight_sizes(static_cast<std::size_t>(x.dim()), 1);
  weight_sizes[static_cast<std::size_t>(dim)] = out;
  Tensor result;
  for (std::size_t k = 0; k < taps.positions.size(); ++k) {
    Tensor picked = x.index_select(dim, tensor(taps.positions[k], {out}));
    if (mode != Mode::Nearest && mode != Mode::NearestExact)
      picked = picked * tensor(taps.weights[k], weight_sizes, x.dtype());
    result = result.defined() ? result + picked : picked;
  }
  return result;
}

std::string mode_name(Mode mode, std::int64_t spatial) {
  switch (mode) {
    case Mode::Nearest:
      return "upsample_nearest" + std::to_string(spatial) + "d";
    case Mode::NearestExact:
      return "_upsample_nearest_exact" + std::to_string(spatial) + "d";
    case Mode::Linear:
      return spatial == 1   ? "upsample_linear1d"
             : spatial == 2 ? "upsample_bilinear2d"
                            : "upsample_trilinear3d";
    case Mode::Cubic:
      break;
  }
  return "upsample_bicubic2d";
}

Tensor upsample(Mode mode, std::int64_t spatial, const Tensor& self, IntArrayRef output_size,
                bool align_corners, std::array<std::optional<double>, 3> scales) {
  const std::string op = mode_name(mode, spatial);
  detail::check_defined(op, "input", self);
  detail::check_floating(op, "input", self);
  check(static_cast<std::int64_t>(output_size.size()) == spatial, op, "It is expected output_size equals to ",
        spatial, ", but got size ", output_size.size());
  check(self.dim() == spatial + 2, op, "It is expected input_size equals to ", spatial + 2, ", but got size ",
        self.dim(), " (input shape ", self.sizes(), ")");
  bool positive = true;
  for (std::int64_t d = 0; d < spatial; ++d)
    positive = positive && self.size(2 + d) > 0 && output_size[d] > 0;
  check(positive, op, "Input and output sizes should be greater than 0, but got input ", self.sizes(),
        " and output_size ", output_size);
  Tensor out = self;
  for (std::int64_t d = 0; d < spatial; ++d)
    out = resample_dim(out, 2 + d, output_size[d], mode, align_corners, scales[static_cast<std::size_t>(d)]);
  return out.is_same(self) ? self.clone() : out;
}

}  // namespace

Tensor upsample_nearest1d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales) {
  return upsample(Mode::Nearest, 1, self, output_size, false, {scales});
}
Tensor upsample_nearest2d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_h,
                          std::optional<double> scales_w) {
  return upsample(Mode::Nearest, 2, self, output_size, false, {scales_h, scales_w});
}
Tensor upsample_nearest3d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_d,
                          std::optional<double> scales_h, std::optional<double> scales_w) {
  return upsample(Mode::Nearest, 3, self, output_size, false, {scales_d, scales_h, scales_w});
}
Tensor _upsample_nearest_exact1d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales) {
  return upsample(Mode::NearestExact, 1, self, output_size, false, {scales});
}
Tensor _upsample_nearest_exact2d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_h,
                                 std::optional<double> scales_w) {
  return upsample(Mode::NearestExact, 2, self, output_size, false, {scales_h, scales_w});
}
Tensor _upsample_nearest_exact3d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_d,
                                 std::optional<double> scales_h, std::optional<double> scales_w) {
  return upsample(Mode::NearestExact, 3, self, output_size, false, {scales_d, scales_h, scales_w});
}
Tensor upsample_linear1d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                         std::optional<double> scales) {
  return upsample(Mode::Linear, 1, self, output_size, align_corners, {scales});
}
Tensor upsample_bilinear2d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                           std::optional<double> scales_h, std::optional<double> scales_w) {
  return upsample(Mode::Linear, 2, self, output_size, align_corners, {scales_h, scales_w});
}
Tensor upsample_trilinear3d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                            std::optional<double> scales_d, std::optional<double> scales_h,
                            std::optional<double> scales_w) {
  return upsample(Mode::Linear, 3, self, output_size, align_corners, {scales_d, scales_h, scales_w});
}
Tensor upsample_bicubic2d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                          std::optional<double> scales_h, std::optional<double> scales_w) {
  return upsample(Mode::Cubic, 2, self, output_size, align_corners, {scales_h, scales_w});
}

}  // namespace tg
