#include <tapegrad/autograd/ops/pixel_shuffle.hpp>

namespace tg {

namespace {

// The leading (batch) sizes of an input of at least 3 dims, and its permutation of the last 5 dims after
// splitting two of them by the factor.
Shape leading_sizes(const Tensor& self) { return Shape(self.sizes().begin(), self.sizes().end() - 3); }

Shape permutation(std::int64_t leading, std::initializer_list<std::int64_t> last_five) {
  Shape dims;
  for (std::int64_t d = 0; d < leading; ++d) dims.push_back(d);
  for (std::int64_t d : last_five) dims.push_back(leading + d);
  return dims;
}

}  // namespace

Tensor pixel_shuffle(const Tensor& self, std::int64_t upscale_factor) {
  detail::check_defined("pixel_shuffle", "input", self);
  check(self.dim() >= 3, "pixel_shuffle",
        "pixel_shuffle expects input to have at least 3 dimensions, but got input with ", self.dim(),
        " dimension(s)");
  check(upscale_factor > 0, "pixel_shuffle", "pixel_shuffle expects a positive upscale_factor, but got ",
        upscale_factor);
  const std::int64_t r = upscale_factor, channels = self.size(-3), h = self.size(-2), w = self.size(-1);
  check(channels % (r * r) == 0, "pixel_shuffle",
        "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
        "upscale_factor, but "
        "input.size(-3)=",
        channels, " is not divisible by ", r * r, " (input shape ", self.sizes(), ")");
  const Shape leading = leading_sizes(self);
  const auto n = static_cast<std::int64_t>(leading.size());
  Shape split = leading, merged = leading;
  for (std::int64_t s : {channels / (r * r), r, r, h, w}) split.push_back(s);
  for (std::int64_t s : {channels / (r * r), h * r, w * r}) merged.push_back(s);
  // [C, r, r, H, W] -> [C, H, r, W, r]
  return self.reshape(split).permute(permutation(n, {0, 3, 1, 4, 2})).reshape(merged);
}

Tensor pixel_unshuffle(const Tensor& self, std::int64_t downscale_factor) {
  detail::check_defined("pixel_unshuffle", "input", self);
  check(self.dim() >= 3, "pixel_unshuffle",
        "pixel_unshuffle expects input to have at least 3 dimensions, but got input with ", self.dim(),
        " dimension(s)");
  check(downscale_factor > 0, "pixel_unshuffle",
        "pixel_unshuffle expects a positive downscale_factor, but got ", downscale_factor);
  const std::int64_t r = downscale_factor, channels = self.size(-3), h = self.size(-2), w = self.size(-1);
  check(h % r == 0, "pixel_unshuffle",
        "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=", h,
        " is not divisible by ", r, " (input shape ", self.sizes(), ")");
  check(w % r == 0, "pixel_unshuffle",
        "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=", w,
        " is not divisible by ", r, " (input shape ", self.sizes(), ")");
  const Shape leading = leading_sizes(self);
  const auto n = static_cast<std::int64_t>(leading.size());
  Shape split = leading, merged = leading;
  for (std::int64_t s : {channels, h / r, r, w / r, r}) split.push_back(s);
  for (std::int64_t s : {channels * r * r, h / r, w / r}) merged.push_back(s);
  // [C, H, r, W, r] -> [C, r, r, H, W]
  return self.reshape(split).permute(permutation(n, {0, 2, 4, 1, 3})).reshape(merged);
}

}  // namespace tg
