#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/rearrange.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;

// ---- repeat: x viewed as [1, s0, 1, s1, ...], expanded to [r0, s0, r1, s1, ...] and copied; the
// gradient comes back through expand (summed over the copies) and reshape.
Tensor repeat(const Tensor& x, IntArrayRef repeats) {
  detail::check_defined("repeat", "input", x);
  check(
      static_cast<std::int64_t>(repeats.size()) >= x.dim(), "repeat",
      "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor: repeats ",
      repeats, " for shape ", x.sizes());
  for (std::int64_t r : repeats) check(r >= 0, "repeat", "repeats must be non-negative, got ", repeats);
  const std::size_t lead = repeats.size() - static_cast<std::size_t>(x.dim());
  Shape interleaved, expanded, out_sizes;
  for (std::size_t i = 0; i < repeats.size(); ++i) {
    const std::int64_t size = i < lead ? 1 : x.size(static_cast<std::int64_t>(i - lead));
    interleaved.insert(interleaved.end(), {1, size});
    expanded.insert(expanded.end(), {repeats[i], size});
    out_sizes.push_back(repeats[i] * size);
  }
  checked_numel("repeat", out_sizes);
  return reshape(expand(reshape(x, interleaved), expanded).clone(), out_sizes);
}

Tensor tile(const Tensor& x, IntArrayRef dims) {
  detail::check_defined("tile", "input", x);
  Shape repeats(dims.begin(), dims.end());
  while (static_cast<std::int64_t>(repeats.size()) < x.dim()) repeats.insert(repeats.begin(), 1);
  return repeat(x, repeats);
}

// ---- repeat_interleave: an int count is an expand of a new dim after `dim`; a tensor of counts picks
// slabs with index_select. Both carry their gradients.
Tensor repeat_interleave(const Tensor& x, std::int64_t repeats, std::optional<std::int64_t> dim,
                         std::optional<std::int64_t> output_size) {
  detail::check_defined("repeat_interleave", "input", x);
  check(repeats >= 0, "repeat_interleave", "repeats can not be negative, got ", repeats);
  const Tensor input = dim ? x : reshape(x, {-1});
  check(input.dim() > 0, "repeat_interleave", "dim ", *dim, " is out of range for a 0-d tensor");
  const std::int64_t d = wrap_dim("repeat_interleave", dim.value_or(0), input.dim());
  check(!output_size || *output_size == repeats * input.size(d), "repeat_interleave", "output_size ",
        output_size.value_or(0), " does not match the ", repeats * input.size(d), " elements along dim ", d);
  Shape expanded = input.sizes();
  expanded.insert(expanded.begin() + d + 1, repeats);
  Shape out_sizes = input.sizes();
  out_sizes[static_cast<std::size_t>(d)] *= repeats;
  Tensor out = reshape(expand(unsqueeze(input, d + 1), expanded), out_sizes);
  // repeats == 1 expands nothing, so reshape returned a view; PyTorch always returns a copy.
  return detail::impl_of(out)->storage == detail::impl_of(x)->storage ? out.clone() : out;
}

Tensor repeat_interleave(const Tensor& repeats, std::optional<std::int64_t> output_size) {
  detail::check_defined("repeat_interleave", "repeats", repeats);
  check(repeats.dim() <= 1, "repeat_interleave", "repeats must be 0-dim or 1-dim tensor, got shape ",
        repeats.sizes());
  check(repeats.dtype() == kInt64, "repeat_interleave", "repeats must be int64, got ", repeats.dtype());
  std::vector<std::int64_t> indices;
  const auto counts = repeats.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    check(counts[i] >= 0, "repeat_interleave", "repeats can not be negative, got ", counts[i],
          " at position ", i);
    indices.insert(indices.end(), static_cast<std::size_t>(counts[i]), static_cast<std::int64_t>(i));
  }
  const auto total = static_cast<std::int64_t>(indices.size());
  check(!output_size || *output_size == total, "repeat_interleave", "output_size ", output_size.value_or(0),
        " does not match the sum of repeats ", total);
  return tensor(indices, {total});
}

Tensor repeat_interleave(const Tensor& x, const Tensor& repeats, std::optional<std::int64_t> dim,
                         std::optional<std::int64_t> output_size) {
  detail::check_defined("repeat_interleave", "input", x);
  detail::check_defined("repeat_interleave", "repeats", repeats);
  check(repeats.dim() <= 1, "repeat_interleave", "repeats must be 0-dim or 1-dim tensor, got shape ",
        repeats.sizes());
  const Tensor input = dim ? x : reshape(x, {-1});
  check(input.dim() > 0, "repeat_interleave", "dim ", *dim, " is out of range for a 0-d tensor");
  const std::int64_t d = wrap_dim("repeat_interleave", dim.value_or(0), input.dim());
  // A single count applies to every slab.
  if (repeats.numel() == 1) {
    check(repeats.dtype() == kInt64, "repeat_interleave", "repeats must be int64, got ", repeats.dtype());
    return repeat_interleave(x, repeats.item<std::int64_t>(), dim, output_size);
  }
  check(repeats.numel() == input.size(d), "repeat_interleave",
        "repeats must have the same size as input along dim: ", repeats.numel(), " repeats for size ",
        input.size(d), " of dim ", d);
  return index_select(input, d, repeat_interleave(repeats, output_size));
}

// ---- flip: forward reads x through a reversed (negative-stride) view that never leaves this
// function; flipping is its own inverse, so the gradient is the flipped gradient.
struct FlipBackward final : Node {
  Shape dims;
  std::string_view name() const override { return "FlipBackward"; }
  tensor_list apply(tensor_list&& g) override { return {flip(g[0], dims)}; }
};

Tensor flip(const Tensor& x, IntArrayRef dims) {
  detail::check_defined("flip", "input", x);
  const std::int64_t rank = std::max<std::int64_t>(x.dim(), 1);  // a 0-d tensor takes dim 0 / -1
  std::vector<bool> flipped(static_cast<std::size_t>(rank), false);
  Shape wrapped;
  for (std::int64_t dim : dims) {
    const std::int64_t d = wrap_dim("flip", dim, rank);
    check(!flipped[static_cast<std::size_t>(d)], "flip", "dim ", d,
          " appears multiple times in the list of dims ", dims);
    flipped[static_cast<std::size_t>(d)] = true;
    wrapped.push_back(d);
  }
  Tensor out = detail::make_contiguous(x.sizes(), x.dtype(), "flip");
  if (x.numel() > 0) {
    Shape strides = x.strides();
    std::int64_t offset = x.storage_offset();
    for (std::int64_t d : wrapped) {
      if (d >= x.dim()) continue;
      offset += (x.size(d) - 1) * x.stride(d);
      strides[static_cast<std::size_t>(d)] = -x.stride(d);
    }
    kernels::copy(out, detail::make_view(x, x.sizes(), strides, offset), "flip");
  }
  if (auto* node = record<FlipBackward>({x}, {out})) node->dims = wrapped;
  return out;
}

// ---- roll: per dim, the last `shift` slabs move to the front (a cat of two narrows).
Tensor roll(const Tensor& x, IntArrayRef shifts, IntArrayRef dims) {
  detail::check_defined("roll", "input", x);
  if (dims.empty()) {
    check(shifts.size() == 1, "roll", "shifts and dimensions must align. shifts: ", shifts.size(),
          ", dims:0");
    return reshape(roll(reshape(x, {-1}), shifts, {0}), x.sizes());
  }
  check(shifts.size() == dims.size(), "roll", "shifts and dimensions must align. shifts: ", shifts.size(),
        ", dims:", dims.size());
  Tensor out = x;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::int64_t d = wrap_dim("roll", dims[i], x.dim());
    const std::int64_t n = x.size(d);
    if (n == 0) continue;
    const std::int64_t shift = ((shifts[i] % n) + n) % n;
    if (shift == 0) continue;
    out = cat({narrow(out, d, n - shift, shift), narrow(out, d, 0, n - shift)}, d);
  }
  return out.is_same(x) ? x.clone() : out;
}

Tensor Tensor::repeat(IntArrayRef repeats) const { return tg::repeat(*this, repeats); }
Tensor Tensor::tile(IntArrayRef dims) const { return tg::tile(*this, dims); }
Tensor Tensor::repeat_interleave(std::int64_t repeats, std::optional<std::int64_t> dim,
                                 std::optional<std::int64_t> output_size) const {
  return tg::repeat_interleave(*this, repeats, dim, output_size);
}
Tensor Tensor::repeat_interleave(const Tensor& repeats, std::optional<std::int64_t> dim,
                                 std::optional<std::int64_t> output_size) const {
  return tg::repeat_interleave(*this, repeats, dim, output_size);
}
Tensor Tensor::flip(IntArrayRef dims) const { return tg::flip(*this, dims); }
Tensor Tensor::roll(IntArrayRef shifts, IntArrayRef dims) const { return tg::roll(*this, shifts, dims); }

}  // namespace tg
