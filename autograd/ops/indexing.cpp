#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/indexing.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using indexing::TensorIndex;

namespace indexing {

TensorIndex::TensorIndex(const char* text) : kind_(Kind::Ellipsis) {
  check(std::string_view(text) == "...", "index", "the only string accepted as an index is \"...\", got \"",
        text, "\"");
}

std::ostream& operator<<(std::ostream& out, const TensorIndex& index) {
  switch (index.kind()) {
    case TensorIndex::Kind::None:
      return out << "None";
    case TensorIndex::Kind::Ellipsis:
      return out << "...";
    case TensorIndex::Kind::Integer:
      return out << index.integer();
    case TensorIndex::Kind::Boolean:
      return out << (index.boolean() ? "true" : "false");
    case TensorIndex::Kind::Slice: {
      const Slice& s = index.slice();
      if (s.start()) out << *s.start();
      out << ":";
      if (s.stop()) out << *s.stop();
      return out << ":" << s.step();
    }
    case TensorIndex::Kind::Tensor:
      return out << "Tensor" << index.tensor().sizes();
  }
  return out;
}

}  // namespace indexing

namespace {

bool is_mask(const Tensor& t) { return t.dtype() == kBool || t.dtype() == kUInt8; }

// A 0-d mask selects everything or nothing, like a bool scalar.
bool is_scalar_bool(const TensorIndex& index) {
  return index.is_boolean() || (index.is_tensor() && is_mask(index.tensor()) && index.tensor().dim() == 0);
}

std::int64_t consumed_dims(const TensorIndex& index) {
  if (index.is_integer() || index.is_slice()) return 1;
  if (index.is_tensor() && !is_scalar_bool(index)) return is_mask(index.tensor()) ? index.tensor().dim() : 1;
  return 0;
}

// What a TensorIndex list does to x: `view` is x after the ints, slices, None, "..." and bools (a view);
// the index tensors then pick along `dims` of view (increasing), all broadcast to `shape`.
struct IndexPlan {
  Tensor view;
  std::vector<std::int64_t> dims;
  std::vector<Tensor> tensors;  // int64 in [0, size), broadcast to `shape`, contiguous
  Shape shape;
  // Advanced dims next to each other keep their place in the result; separated ones go first (NumPy).
  bool adjacent() const {
    for (std::size_t j = 1; j < dims.size(); ++j)
      if (dims[j] != dims[j - 1] + 1) return false;
    return true;
  }
};

// `index` as int64 with negatives wrapped; throws for values outside [-size, size).
Tensor wrapped_index(std::string_view op, const Tensor& index, std::int64_t size, std::int64_t source_dim) {
  std::vector<std::int64_t> values = index.to_vector<std::int64_t>();
  for (std::int64_t& v : values) {
    check(v >= -size && v < size, op, "index ", v, " is out of bounds for dimension ", source_dim,
          " with size ", size);
    if (v < 0) v += size;
  }
  return tensor(values, index.sizes());
}

Tensor checked_index_tensor(std::string_view op, const Tensor& index) {
  detail::check_defined(op, "index", index);
  const Dtype dtype = index.dtype();
  check(dtype == kInt64 || dtype == kInt32 || dtype == kBool || dtype == kUInt8, op,
        "tensors used as indices must be long, int, byte or bool tensors, got ", dtype);
  return index;
}

IndexPlan plan_index(std::string_view op, const Tensor& self, std::span<const TensorIndex> indices) {
  detail::check_defined(op, "self", self);
  std::int64_t consumed = 0, ellipses = 0;
  for (const TensorIndex& index : indices) {
    if (index.is_tensor()) checked_index_tensor(op, index.tensor());
    consumed += consumed_dims(index);
    ellipses += index.is_ellipsis() ? 1 : 0;
  }
  check(ellipses <= 1, op, "an index can only have a single ellipsis (\"...\")");
  check(consumed <= self.dim(), op, "too many indices for tensor of dimension ", self.dim(), " (got ",
        consumed, ")");

  IndexPlan plan;
  plan.view = self;
  std::vector<Tensor> raw;  // index tensors before wrapping, with their dim of self
  std::vector<std::int64_t> source_dims;
  std::int64_t dim = 0, source_dim = 0;
  for (const TensorIndex& index : indices) {
    Tensor& view = plan.view;
    if (index.is_none()) {
      view = unsqueeze(view, dim++);
    } else if (is_scalar_bool(index)) {
      const bool keep = index.is_boolean() ? index.boolean() : index.tensor().item<bool>();
      view = unsqueeze(view, dim);
      if (!keep) view = narrow(view, dim, 0, 0);
      ++dim;
    } else if (index.is_ellipsis()) {
      const std::int64_t skipped = self.dim() - consumed;
      dim += skipped;
      source_dim += skipped;
    } else if (index.is_integer()) {
      const std::int64_t size = view.size(dim), i = index.integer();
      check(i >= -size && i < size, op, "index ", i, " is out of bounds for dimension ", source_dim,
            " with size ", size);
      view = select(view, dim, i < 0 ? i + size : i);
      ++source_dim;
    } else if (index.is_slice()) {
      const indexing::Slice& s = index.slice();
      check(s.step() > 0, op, "step must be greater than zero, got ", s.step());
      view = slice(view, dim++, s.start(), s.stop(), s.step());
      ++source_dim;
    } else if (is_mask(index.tensor())) {
      const Tensor& mask = index.tensor();
      for (std::int64_t k = 0; k < mask.dim(); ++k)
        check(mask.size(k) == view.size(dim + k), op, "the shape of the mask ", mask.sizes(), " at index ", k,
              " does not match the shape of the indexed tensor ", self.sizes(), " at index ", source_dim + k);
      const Tensor positions = nonzero(mask);  // [count, mask.dim()]
      for (std::int64_t k = 0; k < mask.dim(); ++k) {
        plan.dims.push_back(dim + k);
        raw.push_back(select(positions, 1, k));
        source_dims.push_back(source_dim + k);
      }
      dim += mask.dim();
      source_dim += mask.dim();
    } else {
      plan.dims.push_back(dim++);
      raw.push_back(index.tensor());
      source_dims.push_back(source_dim++);
    }
  }
  if (raw.empty()) return plan;
  plan.shape = raw[0].sizes();
  for (const Tensor& t : raw) plan.shape = broadcast_shapes(op, plan.shape, t.sizes());
  for (std::size_t j = 0; j < raw.size(); ++j) {
    const Tensor wrapped = wrapped_index(op, raw[j], plan.view.size(plan.dims[j]), source_dims[j]);
    plan.tensors.push_back(expand(wrapped, plan.shape).contiguous());
  }
  return plan;
}

// view's dims reordered so the indexed ones come first (a view).
Tensor indexed_dims_first(const IndexPlan& plan) {
  Shape order(plan.dims.begin(), plan.dims.end());
  for (std::int64_t d = 0; d < plan.view.dim(); ++d)
    if (std::find(plan.dims.begin(), plan.dims.end(), d) == plan.dims.end()) order.push_back(d);
  return permute(plan.view, order);
}

// For each broadcast position b, fn(b, offset of the picked slab relative to `moved`'s first element).
template <class Fn>
void for_each_picked(const IndexPlan& plan, const Tensor& moved, Fn fn) {
  std::vector<const std::int64_t*> values;
  for (const Tensor& t : plan.tensors) values.push_back(t.data_ptr<std::int64_t>());
  const std::int64_t count = shape_numel(plan.shape);
  for (std::int64_t b = 0; b < count; ++b) {
    std::int64_t offset = 0;
    for (std::size_t j = 0; j < values.size(); ++j)
      offset += values[j][b] * moved.stride(static_cast<std::int64_t>(j));
    fn(b, offset);
  }
}

// The result's dim order is [broadcast dims, rest]; adjacent advanced dims move back to where they were.
Shape result_order(const IndexPlan& plan, std::int64_t rank) {
  const auto broadcast_rank = static_cast<std::int64_t>(plan.shape.size());
  Shape order;
  if (!plan.adjacent() || plan.dims[0] == 0) {
    for (std::int64_t d = 0; d < rank; ++d) order.push_back(d);
    return order;
  }
  for (std::int64_t d = 0; d < plan.dims[0]; ++d) order.push_back(broadcast_rank + d);
  for (std::int64_t d = 0; d < broadcast_rank; ++d) order.push_back(d);
  for (std::int64_t d = broadcast_rank + plan.dims[0]; d < rank; ++d) order.push_back(d);
  return order;
}

bool is_identity(const Shape& order) {
  for (std::size_t d = 0; d < order.size(); ++d)
    if (order[d] != static_cast<std::int64_t>(d)) return false;
  return true;
}

// Advanced indexing as index_select over the indexed dims flattened into one: differentiable (its
// backward scatter-adds, summing repeated indices) and twice differentiable.
Tensor gather_indexed(const IndexPlan& plan) {
  const Tensor moved = indexed_dims_first(plan);
  const auto k = static_cast<std::int64_t>(plan.dims.size());
  Shape rest(moved.sizes().begin() + k, moved.sizes().end());
  std::int64_t lead = 1;
  Shape lead_strides(static_cast<std::size_t>(k));
  for (std::int64_t j = k; j-- > 0;) {
    lead_strides[static_cast<std::size_t>(j)] = lead;
    lead *= moved.size(j);
  }
  std::vector<std::int64_t> linear(static_cast<std::size_t>(shape_numel(plan.shape)), 0);
  for (std::int64_t j = 0; j < k; ++j) {
    const std::int64_t* values = plan.tensors[static_cast<std::size_t>(j)].data_ptr<std::int64_t>();
    for (std::size_t b = 0; b < linear.size(); ++b)
      linear[b] += values[b] * lead_strides[static_cast<std::size_t>(j)];
  }
  Shape flat_shape{lead};
  flat_shape.insert(flat_shape.end(), rest.begin(), rest.end());
  const Tensor picked = index_select(reshape(moved, flat_shape), 0, tensor(linear));
  Shape out_shape = plan.shape;
  out_shape.insert(out_shape.end(), rest.begin(), rest.end());
  const Tensor out = reshape(picked, out_shape);
  const Shape order = result_order(plan, out.dim());
  return is_identity(order) ? out : permute(out, order);
}

// The result's shape with advanced indices (plan.tensors not empty).
Shape advanced_shape(const IndexPlan& plan) {
  Shape rest;
  for (std::int64_t d = 0; d < plan.view.dim(); ++d)
    if (std::find(plan.dims.begin(), plan.dims.end(), d) == plan.dims.end())
      rest.push_back(plan.view.size(d));
  Shape shape = plan.shape;
  shape.insert(shape.end(), rest.begin(), rest.end());
  const Shape order = result_order(plan, static_cast<std::int64_t>(shape.size()));
  Shape placed(order.size());
  for (std::size_t d = 0; d < order.size(); ++d) placed[d] = shape[static_cast<std::size_t>(order[d])];
  return placed;
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const std::size_t lead = to.size() - from.size();
  for (std::size_t d = 0; d < from.size(); ++d)
    if (from[d] != 1 && from[d] != to[lead + d]) return false;
  return true;
}

// target += source element-wise (same shapes), any dtype.
void add_into(const Tensor& target, const Tensor& source) {
  const Shape ts = target.strides(), ss = source.strides();
  kernels::dispatch(target.dtype(), [&]<class T>() {
    T* to = static_cast<T*>(target.raw_data());
    const T* from = static_cast<const T*>(source.raw_data());
    kernels::for_each_row<2>(target.sizes(), {ts.data(), ss.data()},
                             [&](const std::array<std::int64_t, 2>& offsets, std::int64_t count,
                                 const std::array<std::int64_t, 2>& step) {
                               for (std::int64_t i = 0; i < count; ++i)
                                 to[offsets[0] + i * step[0]] = static_cast<T>(
                                     to[offsets[0] + i * step[0]] + from[offsets[1] + i * step[1]]);
                             });
  });
}

void write_into(const Tensor& target, const Tensor& source, bool accumulate) {
  if (accumulate)
    add_into(target, source);
  else
    kernels::copy(target, source);
}

// self[indices] = values (+= when accumulate) without recording anything.
void put_values(std::string_view op, const Tensor& self, std::span<const TensorIndex> indices,
                const Tensor& values, bool accumulate) {
  NoGradGuard no_grad;
  detail::check_defined(op, "values", values);
  const IndexPlan plan = plan_index(op, self, indices);
  const Shape target_shape = plan.tensors.empty() ? plan.view.sizes() : advanced_shape(plan);
  check(broadcasts_to(values.sizes(), target_shape), op, "shape mismatch: value tensor of shape ",
        values.sizes(), " cannot be broadcast to indexing result of shape ", target_shape);
  Tensor source = values.dtype() == self.dtype() ? values : values.to(self.dtype());
  if (detail::impl_of(source)->storage == detail::impl_of(self)->storage) source = source.clone();
  source = expand(source, target_shape);
  if (plan.tensors.empty()) {
    write_into(plan.view, source, accumulate);
    return;
  }
  // Back to [broadcast dims, rest] order, then one slab per broadcast position.
  const Shape order = result_order(plan, static_cast<std::int64_t>(target_shape.size()));
  Shape inverse(order.size());
  for (std::size_t d = 0; d < order.size(); ++d)
    inverse[static_cast<std::size_t>(order[d])] = static_cast<std::int64_t>(d);
  source = permute(source, inverse).contiguous();
  const Tensor moved = indexed_dims_first(plan);
  const auto k = plan.dims.size(), broadcast_rank = plan.shape.size();
  const Shape rest(moved.sizes().begin() + static_cast<std::ptrdiff_t>(k), moved.sizes().end());
  const Shape rest_strides(moved.strides().begin() + static_cast<std::ptrdiff_t>(k), moved.strides().end());
  const Shape source_strides(source.strides().begin() + static_cast<std::ptrdiff_t>(broadcast_rank),
                             source.strides().end());
  const std::int64_t slab = shape_numel(rest);
  for_each_picked(plan, moved, [&](std::int64_t b, std::int64_t offset) {
    write_into(detail::make_view(moved, rest, rest_strides, moved.storage_offset() + offset),
               detail::make_view(source, rest, source_strides, source.storage_offset() + b * slab),
               accumulate);
  });
}

std::vector<TensorIndex> to_tensor_indices(const std::vector<std::optional<Tensor>>& indices) {
  std::vector<TensorIndex> out;
  for (const auto& index : indices)
    out.push_back(index ? TensorIndex(*index) : TensorIndex(indexing::Slice()));
  return out;
}

}  // namespace

Tensor index(const Tensor& self, std::span<const TensorIndex> indices) {
  const IndexPlan plan = plan_index("index", self, indices);
  return plan.tensors.empty() ? plan.view : gather_indexed(plan);
}

Tensor index(const Tensor& self, const std::vector<std::optional<Tensor>>& indices) {
  return index(self, to_tensor_indices(indices));
}

// ---- index_put: d/dself = grad with the written positions zeroed (kept whole when accumulating);
// d/dvalues = grad[indices] summed to values' shape.
struct IndexPutBackward final : Node {
  std::vector<TensorIndex> indices;
  bool accumulate = false;
  std::string_view name() const override { return "IndexPutBackward"; }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0))
      out[0] = accumulate ? g[0] : index_put(g[0], indices, zeros({}, g[0].dtype()), false);
    if (needs_input_grad(1)) out[1] = sum_to(index(g[0], indices), input_meta()[1].sizes);
    return out;
  }
};

Tensor index_put(const Tensor& self, std::span<const TensorIndex> indices, const Tensor& values,
                 bool accumulate) {
  detail::check_defined("index_put", "self", self);
  detail::check_defined("index_put", "values", values);
  const Tensor source = values.dtype() == self.dtype() ? values : values.to(self.dtype());
  Tensor out = self.detach().clone();
  put_values("index_put", out, indices, source, accumulate);
  if (auto* node = record<IndexPutBackward>({self, source}, {out})) {
    node->indices.assign(indices.begin(), indices.end());
    node->accumulate = accumulate;
  }
  return out;
}

Tensor index_put(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                 bool accumulate) {
  return index_put(self, to_tensor_indices(indices), values, accumulate);
}

const Tensor& index_put_(const Tensor& self, std::span<const TensorIndex> indices, const Tensor& values,
                         bool accumulate) {
  detail::check_defined("index_put_", "self", self);
  detail::check_defined("index_put_", "values", values);
  const bool tracked = GradMode::is_enabled() && (self.requires_grad() || values.requires_grad());
  if (!tracked) {
    put_values("index_put_", self, indices, values, accumulate);
    detail::impl_of(self)->storage->bump_version();
    return self;
  }
  detail::check_not_grad_leaf("index_put_", self);
  // NOTE: views do not know their base here, so history can only move onto a tensor no view shares.
  check(detail::impl_of(self)->storage.use_count() == 1, "index_put_",
        "self shares its storage with another tensor (a view or its base), so its gradient history cannot be "
        "updated in place; use the out-of-place tg::index_put");
  const Tensor result = index_put(self, indices, values, accumulate);
  kernels::copy(self, result);
  detail::impl_of(self)->storage->bump_version();
  AutogradMeta& meta = detail::impl_of(self)->autograd_meta();
  meta.requires_grad = true;
  meta.grad_fn = result.grad_fn();
  meta.output_nr = 0;
  return self;
}

// ---- Tensor methods
Tensor Tensor::operator[](std::int64_t index) const {
  const TensorIndex list[] = {TensorIndex(index)};
  return tg::index(*this, list);
}
Tensor Tensor::operator[](const Tensor& index) const {
  const TensorIndex list[] = {TensorIndex(index)};
  return tg::index(*this, list);
}
Tensor Tensor::index(std::initializer_list<TensorIndex> indices) const {
  return tg::index(*this, std::span(indices.begin(), indices.size()));
}
Tensor Tensor::index(std::span<const TensorIndex> indices) const { return tg::index(*this, indices); }
Tensor Tensor::index(const std::vector<std::optional<Tensor>>& indices) const {
  return tg::index(*this, indices);
}
const Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Tensor& values) const {
  return tg::index_put_(*this, std::span(indices.begin(), indices.size()), values);
}
const Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Scalar& value) const {
  return index_put_(std::span(indices.begin(), indices.size()), value);
}
const Tensor& Tensor::index_put_(std::span<const TensorIndex> indices, const Tensor& values) const {
  return tg::index_put_(*this, indices, values);
}
const Tensor& Tensor::index_put_(std::span<const TensorIndex> indices, const Scalar& value) const {
  return tg::index_put_(*this, indices, full({}, value.toDouble(), dtype()));
}
const Tensor& Tensor::index_put_(const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                                 bool accumulate) const {
  return tg::index_put_(*this, to_tensor_indices(indices), values, accumulate);
}
Tensor Tensor::index_put(const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                         bool accumulate) const {
  return tg::index_put(*this, indices, values, accumulate);
}

}  // namespace tg
