#include <algorithm>
#include <string>
#include <vector>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/padding.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;

namespace {

void check_pad_length(std::string_view op, const Tensor& x, IntArrayRef pad) {
  check(pad.size() % 2 == 0, op, "Length of pad must be even but instead it equals ", pad.size());
  check(static_cast<std::int64_t>(pad.size()) / 2 <= x.dim(), op,
        "Length of pad should be no more than twice the number of dimensions of the input. Pad length is ",
        pad.size(), " while the input has ", x.dim(), " dimensions (shape ", x.sizes(), ")");
}

// The dim that pad pair `pair` applies to: pairs start from the last dim.
std::int64_t padded_dim(const Tensor& x, std::size_t pair) {
  return x.dim() - 1 - static_cast<std::int64_t>(pair);
}

Shape padded_sizes(std::string_view op, const Tensor& x, IntArrayRef pad) {
  Shape sizes = x.sizes();
  for (std::size_t pair = 0; pair < pad.size() / 2; ++pair) {
    const std::int64_t d = padded_dim(x, pair), before = pad[2 * pair], after = pad[2 * pair + 1];
    const std::int64_t n = x.size(d);
    check(n + before + after >= 0, op, "The input size ", n, ", plus negative padding ", before, " and ",
          after, " resulted in a negative output size, which is invalid. Check dimension ", d,
          " of your input.");
    sizes[static_cast<std::size_t>(d)] = n + before + after;
  }
  return sizes;
}

// The window of `t` that is `length` long from `start` along each of `dims`.
Tensor window(const Tensor& t, IntArrayRef dims, IntArrayRef starts, IntArrayRef lengths) {
  Shape sizes = t.sizes();
  std::int64_t offset = t.storage_offset();
  for (std::size_t i = 0; i < dims.size(); ++i) {
    sizes[static_cast<std::size_t>(dims[i])] = lengths[i];
    offset += starts[i] * t.stride(dims[i]);
  }
  return detail::make_view(t, sizes, t.strides(), offset);
}

}  // namespace

// ---- constant_pad_nd: the input's surviving block is copied into a tensor filled with value. The
// gradient is the same block of the output gradient, i.e. the opposite padding (a crop).
struct ConstantPadBackward final : Node {
  Shape pad;
  std::string_view name() const override { return "ConstantPadNdBackward"; }
  tensor_list apply(tensor_list&& g) override {
    Shape crop;
    for (std::int64_t p : pad) crop.push_back(-p);
    return {constant_pad_nd(g[0], crop, 0)};
  }
};

Tensor constant_pad_nd(const Tensor& x, IntArrayRef pad, const Scalar& value) {
  detail::check_defined("constant_pad_nd", "input", x);
  check_pad_length("constant_pad_nd", x, pad);
  const Shape sizes = padded_sizes("constant_pad_nd", x, pad);
  Tensor out = full(sizes, value.toDouble(), dtype(x.dtype()));
  Shape dims, source_starts, target_starts, lengths;
  bool empty_block = false;
  for (std::size_t pair = 0; pair < pad.size() / 2; ++pair) {
    const std::int64_t d = padded_dim(x, pair), before = pad[2 * pair], after = pad[2 * pair + 1];
    const std::int64_t first = std::max<std::int64_t>(-before, 0);
    const std::int64_t last = x.size(d) - std::max<std::int64_t>(-after, 0);
    dims.push_back(d);
    source_starts.push_back(first);
    target_starts.push_back(std::max<std::int64_t>(before, 0));
    lengths.push_back(std::max<std::int64_t>(last - first, 0));
    empty_block = empty_block || last <= first;
  }
  if (!empty_block && x.numel() > 0)
    kernels::copy(window(out, dims, target_starts, lengths), window(x, dims, source_starts, lengths),
                  "constant_pad_nd");
  if (auto* node = record<ConstantPadBackward>({x}, {out})) node->pad = pad.vec();
  return out;
}

// ---- reflect / replicate / circular: each padded dim is one index_select with the source position of
// every output position; index_select's backward scatters the gradient back (and is differentiable).
namespace {

enum class PadMode { Reflect, Replicate, Circular };

std::string_view mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Reflect:
      return "reflect";
    case PadMode::Replicate:
      return "replicate";
    case PadMode::Circular:
      return "circular";
  }
  return "";
}

std::int64_t source_position(PadMode mode, std::int64_t j, std::int64_t n) {
  switch (mode) {
    case PadMode::Reflect:
      return j < 0 ? -j : (j >= n ? 2 * (n - 1) - j : j);
    case PadMode::Replicate:
      return std::clamp<std::int64_t>(j, 0, n - 1);
    case PadMode::Circular:
      return ((j % n) + n) % n;
  }
  return j;
}

void check_mode_pad(PadMode mode, const Tensor& x, std::int64_t d, std::int64_t before, std::int64_t after) {
  const std::int64_t n = x.size(d);
  const std::string_view op = "pad";
  check(n > 0 || (before <= 0 && after <= 0), op, mode_name(mode),
        " padding needs a non-empty dimension to pad, but dimension ", d, " of input ", x.sizes(),
        " is empty");
  if (mode == PadMode::Reflect)
    check(before < n && after < n, op,
          "Padding size should be less than the corresponding input dimension, but got: padding (", before,
          ", ", after, ") at dimension ", d, " of input ", x.sizes());
  if (mode == PadMode::Circular)
    check(before <= n && after <= n, op, "Padding value causes wrapping around more than once: padding (",
          before, ", ", after, ") at dimension ", d, " of input ", x.sizes());
}

Tensor index_pad(PadMode mode, const Tensor& x, IntArrayRef pad) {
  check_pad_length("pad", x, pad);
  padded_sizes("pad", x, pad);
  Tensor out = x;
  for (std::size_t pair = 0; pair < pad.size() / 2; ++pair) {
    const std::int64_t d = padded_dim(x, pair), before = pad[2 * pair], after = pad[2 * pair + 1];
    check_mode_pad(mode, x, d, before, after);
    if (before == 0 && after == 0) continue;
    const std::int64_t n = x.size(d), length = n + before + after;
    std::vector<std::int64_t> positions(static_cast<std::size_t>(length));
    for (std::int64_t i = 0; i < length; ++i)
      positions[static_cast<std::size_t>(i)] = source_position(mode, i - before, n);
    out = index_select(out, d, tensor(positions, {length}));
  }
  return out.is_same(x) ? x.clone() : out;
}

}  // namespace

Tensor pad(const Tensor& x, IntArrayRef pad, std::string_view mode, std::optional<double> value) {
  detail::check_defined("pad", "input", x);
  if (mode == "constant") return constant_pad_nd(x, pad, value.value_or(0.0));
  check(!value, "pad", "Padding mode \"", mode,
        "\" doesn't take in value argument; only \"constant\" padding does");
  PadMode kind = PadMode::Reflect;
  if (mode == "replicate")
    kind = PadMode::Replicate;
  else if (mode == "circular")
    kind = PadMode::Circular;
  else
    check(mode == "reflect", "pad", "Unrecognised padding mode ", std::string(mode),
          "; expected constant, reflect, replicate or circular");
  check_pad_length("pad", x, pad);
  const auto padded = static_cast<std::int64_t>(pad.size()) / 2;
  check(padded >= 1 && padded <= 3 && (x.dim() == padded + 1 || x.dim() == padded + 2), "pad",
        "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now: ", mode, " padding of ",
        padded, " dim(s) needs an input of rank ", padded + 1, " or ", padded + 2, ", got shape ", x.sizes());
  return index_pad(kind, x, pad);
}

}  // namespace tg
