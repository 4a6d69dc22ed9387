#include <algorithm>
#include <numeric>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;

namespace {

Shape infer_sizes(std::string_view op, IntArrayRef sizes, std::int64_t numel, IntArrayRef from) {
  Shape out = sizes.vec();
  std::int64_t known = 1;
  std::optional<std::size_t> infer;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      check(!infer, op, "only one dimension can be -1, got ", sizes);
      infer = i;
    } else {
      check(out[i] >= 0, op, "invalid size ", out[i], " in ", sizes);
      check(!__builtin_mul_overflow(known, out[i], &known), op, "shape ", sizes,
            " is invalid for input of shape ", from, " (", numel, " elements)");
    }
  }
  if (infer) {
    check(known != 0 && numel % known == 0, op, "shape ", sizes, " is invalid for input of shape ", from,
          " (", numel, " elements)");
    out[*infer] = numel / known;
  }
  // checked_numel also rejects shapes such as [0, 2^62, 2^62], whose strides would overflow.
  check(checked_numel(op, out) == numel, op, "shape ", sizes, " is invalid for input of shape ", from, " (",
        numel, " elements)");
  return out;
}

// Elements of [start, end) taken every `step` (> 0), written so that no step overflows.
std::int64_t slice_length(std::int64_t start, std::int64_t end, std::int64_t step) {
  return end <= start ? 0 : (end - start - 1) / step + 1;
}

// The gradient of any reshaping view is the gradient reshaped back to the input's sizes.
struct ReshapeBackward final : Node {
  std::string_view name_ = "ViewBackward";
  std::string_view name() const override { return name_; }
  tensor_list apply(tensor_list&& g) override { return {reshape(g[0], input_meta()[0].sizes)}; }
};

Tensor reshaping_view(std::string_view op, std::string_view node_name, const Tensor& x, IntArrayRef sizes) {
  Tensor out = detail::make_view(x, sizes, contiguous_strides(sizes), x.storage_offset());
  if (auto* node = record<ReshapeBackward>({x}, {out})) node->name_ = node_name;
  (void)op;
  return out;
}

}  // namespace

Tensor view(const Tensor& x, IntArrayRef sizes) {
  detail::check_defined("view", "input", x);
  Shape out_sizes = infer_sizes("view", sizes, x.numel(), x.sizes());
  check(x.is_contiguous(), "view", "the input of shape ", x.sizes(), " with strides ", x.strides(),
        " is not contiguous; use reshape() (which copies) or call contiguous() first");
  return reshaping_view("view", "ViewBackward", x, out_sizes);
}

Tensor reshape(const Tensor& x, IntArrayRef sizes) {
  detail::check_defined("reshape", "input", x);
  Shape out_sizes = infer_sizes("reshape", sizes, x.numel(), x.sizes());
  if (x.is_contiguous()) return reshaping_view("reshape", "ReshapeBackward", x, out_sizes);
  return reshaping_view("reshape", "ReshapeBackward", x.contiguous(), out_sizes);
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  detail::check_defined("flatten", "input", x);
  if (x.dim() == 0) return reshape(x, {1});
  const std::int64_t start = wrap_dim("flatten", start_dim, x.dim()),
                     end = wrap_dim("flatten", end_dim, x.dim());
  check(start <= end, "flatten", "start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape sizes;
  for (std::int64_t d = 0; d < x.dim(); ++d) {
    if (d <= start || d > end)
      sizes.push_back(x.size(d));
    else
      sizes.back() *= x.size(d);
  }
  return reshape(x, sizes);
}

// ---- transpose / permute: the gradient is permuted back.
struct PermuteBackward final : Node {
  Shape inverse;
  std::string_view name() const override { return "PermuteBackward"; }
  tensor_list apply(tensor_list&& g) override { return {permute(g[0], inverse)}; }
};

Tensor permute(const Tensor& x, IntArrayRef dims) {
  detail::check_defined("permute", "input", x);
  check(static_cast<std::int64_t>(dims.size()) == x.dim(), "permute", "got ", dims.size(), " dims ", dims,
        " for a tensor of rank ", x.dim());
  Shape sizes(dims.size()), strides(dims.size()), inverse(dims.size());
  std::vector<bool> used(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const auto d = static_cast<std::size_t>(wrap_dim("permute", dims[i], x.dim()));
    check(!used[d], "permute", "dim ", dims[i], " appears more than once in ", dims);
    used[d] = true;
    sizes[i] = x.sizes()[d];
    strides[i] = x.strides()[d];
    inverse[d] = static_cast<std::int64_t>(i);
  }
  Tensor out = detail::make_view(x, sizes, strides, x.storage_offset());
  if (auto* node = record<PermuteBackward>({x}, {out})) node->inverse = inverse;
  return out;
}

struct TransposeBackward final : Node {
  std::int64_t dim0 = 0, dim1 = 0;
  std::string_view name() const override { return "TransposeBackward"; }
  tensor_list apply(tensor_list&& g) override { return {transpose(g[0], dim0, dim1)}; }
};

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  detail::check_defined("transpose", "input", x);
  if (x.dim() == 0) return reshaping_view("transpose", "TransposeBackward", x, {});
  const auto d0 = static_cast<std::size_t>(wrap_dim("transpose", dim0, x.dim()));
  const auto d1 = static_cast<std::size_t>(wrap_dim("transpose", dim1, x.dim()));
  Shape sizes = x.sizes(), strides = x.strides();
  std::swap(sizes[d0], sizes[d1]);
  std::swap(strides[d0], strides[d1]);
  Tensor out = detail::make_view(x, sizes, strides, x.storage_offset());
  if (auto* node = record<TransposeBackward>({x}, {out})) {
    node->dim0 = static_cast<std::int64_t>(d0);
    node->dim1 = static_cast<std::int64_t>(d1);
  }
  return out;
}

Tensor t(const Tensor& x) {
  detail::check_defined("t", "input", x);
  check(x.dim() <= 2, "t", "expects a tensor of rank <= 2, got shape ", x.sizes(),
        "; use transpose(dim0, dim1)");
  return x.dim() < 2 ? transpose(x, 0, 0) : transpose(x, 0, 1);
}

// ---- squeeze / unsqueeze: pure reshapes.
Tensor squeeze(const Tensor& x) {
  detail::check_defined("squeeze", "input", x);
  Shape sizes, strides;
  for (std::int64_t d = 0; d < x.dim(); ++d)
    if (x.size(d) != 1) {
      sizes.push_back(x.size(d));
      strides.push_back(x.stride(d));
    }
  Tensor out = detail::make_view(x, sizes, strides, x.storage_offset());
  if (auto* node = record<ReshapeBackward>({x}, {out})) node->name_ = "SqueezeBackward";
  return out;
}

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  detail::check_defined("squeeze", "input", x);
  if (x.dim() == 0) return reshaping_view("squeeze", "SqueezeBackward", x, {});
  const auto d = static_cast<std::size_t>(wrap_dim("squeeze", dim, x.dim()));
  Shape sizes = x.sizes(), strides = x.strides();
  if (sizes[d] == 1) {
    sizes.erase(sizes.begin() + static_cast<std::ptrdiff_t>(d));
    strides.erase(strides.begin() + static_cast<std::ptrdiff_t>(d));
  }
  Tensor out = detail::make_view(x, sizes, strides, x.storage_offset());
  if (auto* node = record<ReshapeBackward>({x}, {out})) node->name_ = "SqueezeBackward";
  return out;
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  detail::check_defined("unsqueeze", "input", x);
  const auto d = static_cast<std::size_t>(wrap_dim("unsqueeze", dim, x.dim() + 1));
  Shape sizes = x.sizes(), strides = x.strides();
  const std::int64_t stride = d < sizes.size() ? sizes[d] * strides[d] : 1;
  sizes.insert(sizes.begin() + static_cast<std::ptrdiff_t>(d), 1);
  strides.insert(strides.begin() + static_cast<std::ptrdiff_t>(d), stride);
  Tensor out = detail::make_view(x, sizes, strides, x.storage_offset());
  if (auto* node = record<ReshapeBackward>({x}, {out})) node->name_ = "UnsqueezeBackward";
  return out;
}

// ---- expand: every copy of an element receives gradient, so the gradient is summed back.
struct ExpandBackward final : Node {
  std::string_view name() const override { return "ExpandBackward"; }
  tensor_list apply(tensor_list&& g) override { return {sum_to(g[0], input_meta()[0].sizes)}; }
};

Tensor expand(const Tensor& x, IntArrayRef sizes) {
  detail::check_defined("expand", "input", x);
  const std::int64_t rank = static_cast<std::int64_t>(sizes.size());
  check(rank >= x.dim(), "expand", "cannot expand shape ", x.sizes(), " to fewer dims ", sizes);
  Shape out_sizes(sizes.size()), out_strides(sizes.size());
  const std::int64_t lead = rank - x.dim();
  for (std::int64_t d = 0; d < rank; ++d) {
    const auto i = static_cast<std::size_t>(d);
    if (d < lead) {
      check(sizes[i] >= 0, "expand", "size -1 is not allowed for a new leading dim in ", sizes);
      out_sizes[i] = sizes[i];
      out_strides[i] = 0;
      continue;
    }
    const std::int64_t own = x.size(d - lead);
    const std::int64_t want = sizes[i] == -1 ? own : sizes[i];
    check(own == want || own == 1, "expand", "cannot expand shape ", x.sizes(), " to ", sizes, " (dim ", d,
          ": ", own, " vs ", want, ")");
    out_sizes[i] = want;
    out_strides[i] = own == want ? x.stride(d - lead) : 0;
  }
  if (out_sizes == x.sizes()) return x;
  checked_numel("expand", out_sizes);  // the view is valid only if its element count fits in int64
  Tensor out = detail::make_view(x, out_sizes, out_strides, x.storage_offset());
  record<ExpandBackward>({x}, {out});
  return out;
}

// ---- slice / narrow / select: the gradient is written into zeros at the slice (slice_backward).
struct SliceBackward final : Node {
  std::int64_t dim = 0, start = 0, end = 0, step = 1;
  bool squeezed = false;  // select removed the dim
  std::string_view name() const override { return squeezed ? "SelectBackward" : "SliceBackward"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor grad = squeezed ? unsqueeze(g[0], dim) : g[0];
    return {slice_backward(grad, input_meta()[0].sizes, dim, start, end, step)};
  }
};

Tensor slice(const Tensor& x, std::int64_t dim, std::optional<std::int64_t> start_opt,
             std::optional<std::int64_t> end_opt, std::int64_t step) {
  detail::check_defined("slice", "input", x);
  check(x.dim() > 0, "slice", "cannot slice a 0-d tensor");
  check(step > 0, "slice", "step must be positive, got ", step);
  const std::int64_t d = wrap_dim("slice", dim, x.dim());
  const std::int64_t n = x.size(d);
  auto clip = [n](std::int64_t v) { return std::clamp<std::int64_t>(v < 0 ? v + n : v, 0, n); };
  const std::int64_t start = clip(start_opt.value_or(0));
  const std::int64_t end = std::max(start, clip(end_opt.value_or(n)));
  Shape sizes = x.sizes(), strides = x.strides();
  sizes[static_cast<std::size_t>(d)] = slice_length(start, end, step);
  // With two or more elements step < n, so the stride stays within the input's extent.
  if (sizes[static_cast<std::size_t>(d)] > 1) strides[static_cast<std::size_t>(d)] *= step;
  Tensor out = detail::make_view(x, sizes, strides, x.storage_offset() + start * x.stride(d));
  if (auto* node = record<SliceBackward>({x}, {out})) {
    node->dim = d;
    node->start = start;
    node->end = end;
    node->step = step;
  }
  return out;
}

Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  detail::check_defined("narrow", "input", x);
  check(x.dim() > 0, "narrow", "cannot narrow a 0-d tensor");
  const std::int64_t d = wrap_dim("narrow", dim, x.dim());
  const std::int64_t n = x.size(d);
  if (start < 0) start += n;
  check(start >= 0 && length >= 0 && length <= n - start, "narrow", "start ", start, " and length ", length,
        " are out of range for dim ", dim, " of size ", n);
  return slice(x, d, start, start + length, 1);
}

Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index) {
  detail::check_defined("select", "input", x);
  check(x.dim() > 0, "select", "cannot select from a 0-d tensor");
  const std::int64_t d = wrap_dim("select", dim, x.dim());
  const std::int64_t n = x.size(d);
  check(index >= -n && index < n, "select", "index ", index, " is out of range for dim ", dim, " of size ",
        n);
  if (index < 0) index += n;
  Shape sizes = x.sizes(), strides = x.strides();
  sizes.erase(sizes.begin() + d);
  strides.erase(strides.begin() + d);
  Tensor out = detail::make_view(x, sizes, strides, x.storage_offset() + index * x.stride(d));
  if (auto* node = record<SliceBackward>({x}, {out})) {
    node->dim = d;
    node->start = index;
    node->end = index + 1;
    node->squeezed = true;
  }
  return out;
}

// slice_backward is linear in grad: its own gradient is the same slice of the incoming gradient.
struct SliceBackwardBackward final : Node {
  std::int64_t dim = 0, start = 0, end = 0, step = 1;
  std::string_view name() const override { return "SliceBackwardBackward"; }
  tensor_list apply(tensor_list&& g) override { return {slice(g[0], dim, start, end, step)}; }
};

Tensor slice_backward(const Tensor& grad, IntArrayRef sizes, std::int64_t dim, std::int64_t start,
                      std::int64_t end, std::int64_t step) {
  Tensor out = zeros(sizes, grad.dtype());
  Tensor window = detail::make_view(out, out.sizes(), out.strides(), 0);
  {
    Shape window_sizes = out.sizes(), window_strides = out.strides();
    window_sizes[static_cast<std::size_t>(dim)] = slice_length(start, end, step);
    if (window_sizes[static_cast<std::size_t>(dim)] > 1)
      window_strides[static_cast<std::size_t>(dim)] *= step;
    window = detail::make_view(out, window_sizes, window_strides, start * out.stride(dim));
  }
  kernels::copy(window, grad);
  if (auto* node = record<SliceBackwardBackward>({grad}, {out})) {
    node->dim = dim;
    node->start = start;
    node->end = end;
    node->step = step;
  }
  return out;
}

// ---- cat: each input's gradient is its slab of the output gradient.
struct CatBackward final : Node {
  std::int64_t dim = 0;
  std::string_view name() const override { return "CatBackward"; }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(input_meta().size());
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::int64_t length = input_meta()[i].sizes[static_cast<std::size_t>(dim)];
      if (needs_input_grad(i)) out[i] = narrow(g[0], dim, offset, length);
      offset += length;
    }
    return out;
  }
};

Tensor cat(const tensor_list& tensors, std::int64_t dim) {
  check(!tensors.empty(), "cat", "expects a non-empty list of tensors");
  const Tensor& first = tensors[0];
  detail::check_defined("cat", "tensors[0]", first);
  check(first.dim() > 0, "cat", "cannot concatenate 0-d tensors; use stack()");
  const std::int64_t d = wrap_dim("cat", dim, first.dim());
  Shape sizes = first.sizes();
  sizes[static_cast<std::size_t>(d)] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    detail::check_defined("cat", "a tensor in the list", t);
    check(t.dtype() == first.dtype(), "cat", "tensor ", i, " is ", t.dtype(), " but tensor 0 is ",
          first.dtype());
    bool same = t.dim() == first.dim();
    for (std::int64_t k = 0; same && k < t.dim(); ++k) same = k == d || t.size(k) == first.size(k);
    check(same, "cat", "tensor ", i, " has shape ", t.sizes(), " which does not match tensor 0's shape ",
          first.sizes(), " outside dim ", d);
    check(!__builtin_add_overflow(sizes[static_cast<std::size_t>(d)], t.size(d),
                                  &sizes[static_cast<std::size_t>(d)]),
          "cat", "the sizes along dim ", d, " add up to more than int64 holds");
  }
  Tensor out = detail::make_contiguous(sizes, first.dtype(), "cat");
  std::int64_t offset = 0;
  for (const Tensor& t : tensors) {
    Shape window_sizes = out.sizes();
    window_sizes[static_cast<std::size_t>(d)] = t.size(d);
    kernels::copy(detail::make_view(out, window_sizes, out.strides(), offset * out.stride(d)), t);
    offset += t.size(d);
  }
  if (auto* node = record<CatBackward>(tensors, {out})) node->dim = d;
  return out;
}

Tensor stack(const tensor_list& tensors, std::int64_t dim) {
  check(!tensors.empty(), "stack", "expects a non-empty list of tensors");
  detail::check_defined("stack", "tensors[0]", tensors[0]);
  const std::int64_t d = wrap_dim("stack", dim, tensors[0].dim() + 1);
  tensor_list expanded;
  expanded.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    detail::check_defined("stack", "a tensor in the list", tensors[i]);
    check(tensors[i].sizes() == tensors[0].sizes(), "stack", "tensor ", i, " has shape ", tensors[i].sizes(),
          " but tensor 0 has shape ", tensors[0].sizes(), "; all must match");
    expanded.push_back(unsqueeze(tensors[i], d));
  }
  return cat(expanded, d);
}

// ---- movedim: a permutation that puts source[i] at destination[i] and keeps the rest in order.
Tensor movedim(const Tensor& x, IntArrayRef source, IntArrayRef destination) {
  detail::check_defined("movedim", "input", x);
  check(source.size() == destination.size(), "movedim", "Invalid source or destination dims: source (",
        source, " dims) should contain the same number of dims as destination (", destination, " dims)");
  // A 0-d tensor accepts dims 0 and -1, as if it had rank 1.
  const std::int64_t rank = std::max<std::int64_t>(x.dim(), 1);
  const auto n = static_cast<std::size_t>(rank);
  std::vector<std::int64_t> order(n, -1);
  std::vector<bool> moved(n, false);
  for (std::size_t i = 0; i < source.size(); ++i) {
    const auto from = static_cast<std::size_t>(wrap_dim("movedim", source[i], rank));
    const auto to = static_cast<std::size_t>(wrap_dim("movedim", destination[i], rank));
    check(!moved[from], "movedim", "repeated dim in `source` (", source, ")");
    check(order[to] == -1, "movedim", "repeated dim in `destination` (", destination, ")");
    moved[from] = true;
    order[to] = static_cast<std::int64_t>(from);
  }
  if (x.dim() == 0) return reshaping_view("movedim", "MovedimBackward", x, {});
  std::size_t next = 0;
  for (std::int64_t& slot : order) {
    if (slot != -1) continue;
    while (moved[next]) ++next;
    slot = static_cast<std::int64_t>(next++);
  }
  return permute(x, order);
}

Tensor movedim(const Tensor& x, std::int64_t source, std::int64_t destination) {
  return movedim(x, IntArrayRef(source), IntArrayRef(destination));
}
Tensor moveaxis(const Tensor& x, IntArrayRef source, IntArrayRef destination) {
  return movedim(x, source, destination);
}
Tensor moveaxis(const Tensor& x, std::int64_t source, std::int64_t destination) {
  return movedim(x, source, destination);
}
Tensor swapaxes(const Tensor& x, std::int64_t axis0, std::int64_t axis1) {
  return transpose(x, axis0, axis1);
}
Tensor swapdims(const Tensor& x, std::int64_t dim0, std::int64_t dim1) { return transpose(x, dim0, dim1); }

// ---- unflatten: the new dims subdivide the old dim's stride, so any layout stays a view.
Tensor unflatten(const Tensor& x, std::int64_t dim, IntArrayRef sizes) {
  detail::check_defined("unflatten", "input", x);
  check(!sizes.empty(), "unflatten", "sizes must be non-empty");
  const std::int64_t d = wrap_dim("unflatten", dim, x.dim());
  const std::int64_t n = x.size(d);
  std::int64_t product = 1;
  bool infers = false;
  for (std::int64_t size : sizes) {
    if (size == -1)
      infers = true;
    else
      product *= size;
  }
  check(infers || product == n, "unflatten", "Provided sizes ", sizes,
        " don't multiply up to the size of dim ", dim, " (", n, ") in the input tensor");
  const Shape inner = infer_sizes("unflatten", sizes, n, {n});
  Shape out_sizes, out_strides;
  for (std::int64_t k = 0; k < x.dim(); ++k) {
    if (k != d) {
      out_sizes.push_back(x.size(k));
      out_strides.push_back(x.stride(k));
      continue;
    }
    std::int64_t stride = x.stride(d);
    Shape inner_strides(inner.size());
    for (std::size_t i = inner.size(); i-- > 0;) {
      inner_strides[i] = stride;
      stride *= inner[i];
    }
    out_sizes.insert(out_sizes.end(), inner.begin(), inner.end());
    out_strides.insert(out_strides.end(), inner_strides.begin(), inner_strides.end());
  }
  Tensor out = detail::make_view(x, out_sizes, out_strides, x.storage_offset());
  if (auto* node = record<ReshapeBackward>({x}, {out})) node->name_ = "UnflattenBackward";
  return out;
}

Tensor narrow_copy(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  detail::check_defined("narrow_copy", "input", x);
  check(x.dim() > 0, "narrow_copy", "cannot narrow a 0-d tensor");
  const std::int64_t n = x.size(wrap_dim("narrow_copy", dim, x.dim()));
  const std::int64_t first = start < 0 ? start + n : start;
  check(first >= 0 && length >= 0 && length <= n - first, "narrow_copy", "start (", start, ") + length (",
        length, ") exceeds dimension size (", n, ")");
  return narrow(x, dim, start, length).clone();
}

Tensor Tensor::reshape(IntArrayRef sizes) const { return tg::reshape(*this, sizes); }
Tensor Tensor::view(IntArrayRef sizes) const { return tg::view(*this, sizes); }
Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  return tg::flatten(*this, start_dim, end_dim);
}
Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const {
  return tg::transpose(*this, dim0, dim1);
}
Tensor Tensor::t() const { return tg::t(*this); }
Tensor Tensor::permute(IntArrayRef dims) const { return tg::permute(*this, dims); }
Tensor Tensor::squeeze() const { return tg::squeeze(*this); }
Tensor Tensor::squeeze(std::int64_t dim) const { return tg::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(std::int64_t dim) const { return tg::unsqueeze(*this, dim); }
Tensor Tensor::expand(IntArrayRef sizes) const { return tg::expand(*this, sizes); }
Tensor Tensor::expand_as(const Tensor& other) const { return tg::expand(*this, other.sizes()); }
Tensor Tensor::view_as(const Tensor& other) const { return tg::view(*this, other.sizes()); }
Tensor Tensor::reshape_as(const Tensor& other) const { return tg::reshape(*this, other.sizes()); }
Tensor Tensor::movedim(IntArrayRef source, IntArrayRef destination) const {
  return tg::movedim(*this, source, destination);
}
Tensor Tensor::movedim(std::int64_t source, std::int64_t destination) const {
  return tg::movedim(*this, source, destination);
}
Tensor Tensor::moveaxis(IntArrayRef source, IntArrayRef destination) const {
  return tg::movedim(*this, source, destination);
}
Tensor Tensor::moveaxis(std::int64_t source, std::int64_t destination) const {
  return tg::movedim(*this, source, destination);
}
Tensor Tensor::swapaxes(std::int64_t axis0, std::int64_t axis1) const {
  return tg::transpose(*this, axis0, axis1);
}
Tensor Tensor::swapdims(std::int64_t dim0, std::int64_t dim1) const {
  return tg::transpose(*this, dim0, dim1);
}
Tensor Tensor::unflatten(std::int64_t dim, IntArrayRef sizes) const {
  return tg::unflatten(*this, dim, sizes);
}
Tensor Tensor::narrow_copy(std::int64_t dim, std::int64_t start, std::int64_t length) const {
  return tg::narrow_copy(*this, dim, start, length);
}
Tensor Tensor::narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const {
  return tg::narrow(*this, dim, start, length);
}
Tensor Tensor::slice(std::int64_t dim, std::optional<std::int64_t> start, std::optional<std::int64_t> end,
                     std::int64_t step) const {
  return tg::slice(*this, dim, start, end, step);
}
Tensor Tensor::select(std::int64_t dim, std::int64_t index) const { return tg::select(*this, dim, index); }

}  // namespace tg
