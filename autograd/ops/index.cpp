#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

void check_index(std::string_view op, const Tensor& index, std::int64_t bound, std::int64_t dim) {
  detail::check_defined(op, "index", index);
  check(index.dtype() == kInt64, op, "index must be int64, got ", index.dtype());
  const auto values = index.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i)
    check(values[i] >= 0 && values[i] < bound, op, "index ", values[i], " at position ", i,
          " is out of range for dim ", dim, " of size ", bound);
}

// Walks all elements of `index` (contiguous) and calls fn(position in x along dim, offset of the element
// in x, offset in index-shaped tensors) with dim's coordinate replaced by the index value.
template <class Fn>
void for_each_gathered(const Tensor& index, IntArrayRef x_strides, std::int64_t dim, Fn fn) {
  const Tensor idx = index.contiguous();
  const std::int64_t* values = idx.data_ptr<std::int64_t>();
  const Shape& sizes = idx.sizes();
  const std::int64_t n = idx.numel();
  Shape coordinate(sizes.size(), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < sizes.size(); ++d)
      offset += (static_cast<std::int64_t>(d) == dim ? values[i] : coordinate[d]) * x_strides[d];
    fn(offset, i);
    for (std::size_t d = sizes.size(); d-- > 0;) {
      if (++coordinate[d] < sizes[d]) break;
      coordinate[d] = 0;
    }
  }
}

}  // namespace

// ---- index_select: d/dx scatters the gradient back into the selected slabs (summing repeats).
struct IndexSelectBackward final : Node {
  SavedTensor index;
  std::int64_t dim = 0;
  std::string_view name() const override { return "IndexSelectBackward"; }
  void release_saved() override { index.reset(); }
  tensor_list apply(tensor_list&& g) override {
    return {index_select_backward(g[0], dim, index.unpack(*this), input_meta()[0].sizes)};
  }
};

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  detail::check_defined("index_select", "input", x);
  check(x.dim() > 0, "index_select", "cannot index a 0-d tensor");
  const std::int64_t d = wrap_dim("index_select", dim, x.dim());
  detail::check_defined("index_select", "index", index);
  check(index.dim() <= 1, "index_select", "index must be 1-D, got shape ", index.sizes());
  check_index("index_select", index, x.size(d), dim);
  const auto values = index.to_vector<std::int64_t>();
  Shape sizes = x.sizes();
  sizes[static_cast<std::size_t>(d)] = static_cast<std::int64_t>(values.size());
  Tensor out = detail::make_contiguous(sizes, x.dtype());
  Shape slab_sizes = x.sizes();
  slab_sizes[static_cast<std::size_t>(d)] = 1;
  for (std::size_t i = 0; i < values.size(); ++i) {
    Tensor source =
        detail::make_view(x, slab_sizes, x.strides(), x.storage_offset() + values[i] * x.stride(d));
    Tensor target =
        detail::make_view(out, slab_sizes, out.strides(), static_cast<std::int64_t>(i) * out.stride(d));
    kernels::copy(target, source);
  }
  if (auto* node = record<IndexSelectBackward>({x}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = d;
  }
  return out;
}

struct IndexSelectBackwardBackward final : Node {
  SavedTensor index;
  std::int64_t dim = 0;
  std::string_view name() const override { return "IndexSelectBackwardBackward"; }
  void release_saved() override { index.reset(); }
  tensor_list apply(tensor_list&& g) override { return {index_select(g[0], dim, index.unpack(*this))}; }
};

Tensor index_select_backward(const Tensor& grad, std::int64_t dim, const Tensor& index, IntArrayRef sizes) {
  Tensor out = zeros(sizes, grad.dtype());
  const auto values = index.to_vector<std::int64_t>();
  Shape slab_sizes = sizes.vec();
  slab_sizes[static_cast<std::size_t>(dim)] = 1;
  kernels::dispatch_floating("index_select_backward", grad.dtype(), [&]<class T>() {
    for (std::size_t i = 0; i < values.size(); ++i) {
      Tensor target = detail::make_view(out, slab_sizes, out.strides(), values[i] * out.stride(dim));
      Tensor source =
          detail::make_view(grad, slab_sizes, grad.strides(),
                            grad.storage_offset() + static_cast<std::int64_t>(i) * grad.stride(dim));
      const Shape ts = target.strides(), ss = source.strides();
      T* to = static_cast<T*>(target.raw_data());
      const T* from = static_cast<const T*>(source.raw_data());
      kernels::for_each_row<2>(slab_sizes, {ts.data(), ss.data()},
                               [&](const std::array<std::int64_t, 2>& offsets, std::int64_t count,
                                   const std::array<std::int64_t, 2>& step) {
                                 for (std::int64_t k = 0; k < count; ++k)
                                   to[offsets[0] + k * step[0]] += from[offsets[1] + k * step[1]];
                               });
    }
  });
  if (auto* node = record<IndexSelectBackwardBackward>({grad}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = dim;
  }
  return out;
}

// ---- gather: d/dx scatter-adds the gradient to the gathered positions.
struct GatherBackward final : Node {
  SavedTensor index;
  std::int64_t dim = 0;
  std::string_view name() const override { return "GatherBackward"; }
  void release_saved() override { index.reset(); }
  tensor_list apply(tensor_list&& g) override {
    return {gather_backward(g[0], dim, index.unpack(*this), input_meta()[0].sizes)};
  }
};

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  detail::check_defined("gather", "input", x);
  detail::check_defined("gather", "index", index);
  const std::int64_t d = wrap_dim("gather", dim, x.dim());
  check(index.dim() == x.dim(), "gather", "index must have the input's rank ", x.dim(), ", got shape ",
        index.sizes());
  for (std::int64_t k = 0; k < x.dim(); ++k)
    check(k == d || index.size(k) <= x.size(k), "gather", "index shape ", index.sizes(),
          " exceeds input shape ", x.sizes(), " at dim ", k);
  check_index("gather", index, x.dim() == 0 ? 1 : x.size(d), dim);
  Tensor out = detail::make_contiguous(index.sizes(), x.dtype());
  kernels::dispatch(x.dtype(), [&]<class T>() {
    const T* in = static_cast<const T*>(x.raw_data());
    T* result = out.data_ptr<T>();
    for_each_gathered(index, x.strides(), d,
                      [&](std::int64_t offset, std::int64_t i) { result[i] = in[offset]; });
  });
  if (auto* node = record<GatherBackward>({x}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = d;
  }
  return out;
}

struct GatherBackwardBackward final : Node {
  SavedTensor index;
  std::int64_t dim = 0;
  std::string_view name() const override { return "GatherBackwardBackward"; }
  void release_saved() override { index.reset(); }
  tensor_list apply(tensor_list&& g) override { return {gather(g[0], dim, index.unpack(*this))}; }
};

Tensor gather_backward(const Tensor& grad, std::int64_t dim, const Tensor& index, IntArrayRef sizes) {
  Tensor out = zeros(sizes, grad.dtype());
  Tensor source = grad.contiguous();
  kernels::dispatch_floating("gather_backward", grad.dtype(), [&]<class T>() {
    const T* from = source.data_ptr<T>();
    T* to = out.data_ptr<T>();
    for_each_gathered(index, out.strides(), dim,
                      [&](std::int64_t offset, std::int64_t i) { to[offset] += from[i]; });
  });
  if (auto* node = record<GatherBackwardBackward>({grad}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = dim;
  }
  return out;
}

Tensor Tensor::index_select(std::int64_t dim, const Tensor& index) const {
  return tg::index_select(*this, dim, index);
}
Tensor Tensor::gather(std::int64_t dim, const Tensor& index) const { return tg::gather(*this, dim, index); }

}  // namespace tg
