#include <algorithm>

#include <tapegrad/autograd/core/numeric_cast.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/scatter.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

// A 0-d tensor behaves as a 1-element vector here (PyTorch's ensure_nonempty_dim), so every loop below
// sees rank >= 1.
Shape padded_sizes(const Tensor& t) { return t.dim() == 0 ? Shape{1} : t.sizes(); }
Shape padded_strides(const Tensor& t) { return t.dim() == 0 ? Shape{1} : t.strides(); }
std::int64_t padded_rank(const Tensor& t) { return std::max<std::int64_t>(t.dim(), 1); }

void check_int64_index(std::string_view op, const Tensor& index) {
  detail::check_defined(op, "index", index);
  check(index.dtype() == kInt64, op, "expected dtype int64 for index, got ", index.dtype());
}

// Every index value must address an element of a dim of size `bound`.
void check_index_values(std::string_view op, const Tensor& index, std::int64_t dim, std::int64_t bound) {
  const auto values = index.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i)
    check(values[i] >= 0 && values[i] < bound, op, "index ", values[i], " at position ", i,
          " is out of bounds for dimension ", dim, " with size ", bound);
}

void check_same_dtype(std::string_view op, const Tensor& self, const Tensor& src, std::string_view name) {
  check(self.dtype() == src.dtype(), op, "expected self.dtype to be equal to ", name, ".dtype, got ",
        self.dtype(), " and ", src.dtype());
}

// scatter's shape rule: index has self's rank, fits in src everywhere and in self apart from dim.
void check_scatter_shapes(std::string_view op, const Tensor& self, std::int64_t dim, const Tensor& index,
                          const Tensor* src) {
  check(padded_rank(index) == padded_rank(self), op,
        "index tensor must have the same number of dimensions as self tensor: index ", index.sizes(),
        ", self ", self.sizes());
  if (src != nullptr)
    check(padded_rank(index) == padded_rank(*src), op,
          "index tensor must have the same number of dimensions as src tensor: index ", index.sizes(),
          ", src ", src->sizes());
  const Shape index_sizes = padded_sizes(index), self_sizes = padded_sizes(self);
  for (std::size_t d = 0; d < index_sizes.size(); ++d) {
    const bool fits_self = static_cast<std::int64_t>(d) == dim || index_sizes[d] <= self_sizes[d];
    const bool fits_src = src == nullptr || index_sizes[d] <= padded_sizes(*src)[d];
    check(fits_self && fits_src, op, "expected index ", index.sizes(), " to be smaller than self ",
          self.sizes(), " apart from dimension ", dim,
          src != nullptr ? " and to be smaller size than src " : "",
          src != nullptr ? to_string(src->sizes()) : std::string(), " (index.size(", d,
          ") = ", index_sizes[d], ")");
  }
}

// Calls fn(offset in out, offset in src) for every element of `index`, where the out coordinate is
// the index element's coordinate with dim replaced by its value and the src coordinate is unchanged.
template <class Fn>
void for_each_scattered(const Tensor& index, std::int64_t dim, IntArrayRef out_strides,
                        IntArrayRef src_strides, Fn fn) {
  const Tensor idx = index.contiguous();
  const std::int64_t* values = idx.data_ptr<std::int64_t>();
  const Shape sizes = padded_sizes(idx);
  const std::int64_t n = idx.numel();
  Shape coordinate(sizes.size(), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t out_offset = 0, src_offset = 0;
    for (std::size_t d = 0; d < sizes.size(); ++d) {
      out_offset += (static_cast<std::int64_t>(d) == dim ? values[i] : coordinate[d]) * out_strides[d];
      src_offset += coordinate[d] * src_strides[d];
    }
    fn(out_offset, src_offset);
    for (std::size_t d = sizes.size(); d-- > 0;) {
      if (++coordinate[d] < sizes[d]) break;
      coordinate[d] = 0;
    }
  }
}

// A fresh contiguous copy of self to write the result into.
Tensor copy_of(const Tensor& self) {
  Tensor out = detail::make_contiguous(self.sizes(), self.dtype());
  kernels::copy(out, self);
  return out;
}

enum class Write { Assign, Add, Multiply };

// out (contiguous) at the scattered positions = src, += alpha * src, or *= src.
void scatter_values(const Tensor& out, std::int64_t dim, const Tensor& index, const Tensor& src, Write write,
                    const Scalar& alpha = 1) {
  const Shape out_strides = padded_strides(out), src_strides = padded_strides(src);
  kernels::dispatch(out.dtype(), [&]<class T>() {
    T* to = out.data_ptr<T>();
    const T* from = static_cast<const T*>(src.raw_data());
    const T scale = alpha.to<T>();
    if (write == Write::Assign)
      for_each_scattered(index, dim, out_strides, src_strides,
                         [&](std::int64_t o, std::int64_t s) { to[o] = from[s]; });
    else if (write == Write::Multiply)
      for_each_scattered(index, dim, out_strides, src_strides,
                         [&](std::int64_t o, std::int64_t s) { to[o] = static_cast<T>(to[o] * from[s]); });
    else
      for_each_scattered(index, dim, out_strides, src_strides, [&](std::int64_t o, std::int64_t s) {
        to[o] = static_cast<T>(to[o] + scale * from[s]);
      });
  });
}

void fill_values(std::string_view op, const Tensor& out, std::int64_t dim, const Tensor& index,
                 const Scalar& value) {
  if (value.isFloatingPoint()) check_representable(op, value.toDouble(), out.dtype());
  const Shape out_strides = padded_strides(out), no_src(out_strides.size(), 0);
  kernels::dispatch(out.dtype(), [&]<class T>() {
    T* to = out.data_ptr<T>();
    const T fill = value.to<T>();
    for_each_scattered(index, dim, out_strides, no_src, [&](std::int64_t o, std::int64_t) { to[o] = fill; });
  });
}

// grad (index-shaped) zero-padded at the end of each dim up to `sizes`: src may be larger than index.
Tensor pad_to(Tensor grad, IntArrayRef sizes) {
  if (grad.dim() == 0) return grad.reshape(sizes);
  for (std::int64_t d = 0; d < grad.dim(); ++d) {
    if (grad.size(d) == sizes[static_cast<std::size_t>(d)]) continue;
    Shape target = grad.sizes();
    target[static_cast<std::size_t>(d)] = sizes[static_cast<std::size_t>(d)];
    grad = slice_backward(grad, target, d, 0, grad.size(d), 1);
  }
  return grad;
}

// The gradient of the values written from src: the output gradient at the positions they went to.
Tensor src_gradient(const Tensor& grad, std::int64_t dim, const Tensor& index, IntArrayRef src_sizes) {
  return pad_to(gather(grad, dim, index), src_sizes);
}

// The 1-D index of an index_* op as a scatter index of shape `sizes` (sizes[dim] == index.numel()).
Tensor slab_index(const Tensor& index, std::int64_t dim, IntArrayRef sizes) {
  Shape column(sizes.size(), 1);
  column[static_cast<std::size_t>(dim)] = index.numel();
  return expand(index.reshape(column), sizes).contiguous();
}

// Runs an out-of-place op and writes its result into self, moving the op's history onto self (as
// index_put_ does) when it recorded one.
template <class Compute>
const Tensor& write_back(std::string_view op, const Tensor& self, const Tensor* other, Compute compute) {
  detail::check_defined(op, "self", self);
  const bool tracked =
      GradMode::is_enabled() && (self.requires_grad() || (other != nullptr && other->requires_grad()));
  if (!tracked) {
    detail::check_inplace(op, self);
  } else {
    check(!(self.is_leaf() && self.requires_grad()), op,
          "a leaf tensor that requires grad cannot be modified in place while grad mode is on; wrap the "
          "update in tg::NoGradGuard (as optimizers and initializers do)");
    // NOTE: views do not know their base, so history can only move onto a tensor no view shares.
    check(detail::impl_of(self)->storage.use_count() == 1, op,
          "self shares its storage with another tensor (a view or its base), so its gradient history "
          "cannot be updated in place; use the out-of-place form");
  }
  const Tensor result = compute();
  kernels::copy(self, result);
  detail::impl_of(self)->storage->bump_version();
  if (tracked) {
    AutogradMeta& meta = detail::impl_of(self)->autograd_meta();
    meta.requires_grad = true;
    meta.grad_fn = result.grad_fn();
    meta.output_nr = 0;
  }
  return self;
}

}  // namespace

// ---- scatter / scatter_add: d/dself = grad with the written positions zeroed (whole for add);
// d/dsrc = grad gathered at the written positions (zero where src was not read).
struct ScatterBackward final : Node {
  SavedTensor index;
  std::int64_t dim = 0;
  bool add = false;
  std::string_view name() const override { return add ? "ScatterAddBackward" : "ScatterBackward"; }
  void release_saved() override { index.reset(); }
  tensor_list apply(tensor_list&& g) override {
    const Tensor idx = index.unpack(*this);
    tensor_list out(input_meta().size());
    if (needs_input_grad(0)) out[0] = add ? g[0] : scatter(g[0], dim, idx, Scalar(0));
    if (out.size() > 1 && needs_input_grad(1)) out[1] = src_gradient(g[0], dim, idx, input_meta()[1].sizes);
    return out;
  }
};

namespace {
Tensor scatter_src(std::string_view op, const Tensor& self, std::int64_t dim, const Tensor& index,
                   const Tensor& src, Write write) {
  detail::check_defined(op, "self", self);
  detail::check_defined(op, "src", src);
  check_int64_index(op, index);
  const std::int64_t d = wrap_dim(op, dim, self.dim());
  check_same_dtype(op, self, src, "src");
  check_scatter_shapes(op, self, d, index, &src);
  check_index_values(op, index, d, padded_sizes(self)[static_cast<std::size_t>(d)]);
  Tensor out = copy_of(self);
  scatter_values(out, d, index, src, write);
  if (auto* node = record<ScatterBackward>({self, src}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = d;
    node->add = write == Write::Add;
  }
  return out;
}
}  // namespace

Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_src("scatter", self, dim, index, src, Write::Assign);
}

Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_src("scatter_add", self, dim, index, src, Write::Add);
}

Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Scalar& value) {
  detail::check_defined("scatter", "self", self);
  check_int64_index("scatter", index);
  const std::int64_t d = wrap_dim("scatter", dim, self.dim());
  check_scatter_shapes("scatter", self, d, index, nullptr);
  check_index_values("scatter", index, d, padded_sizes(self)[static_cast<std::size_t>(d)]);
  Tensor out = copy_of(self);
  fill_values("scatter", out, d, index, value);
  if (auto* node = record<ScatterBackward>({self}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = d;
  }
  return out;
}

// ---- scatter with reduce: forward only, as in PyTorch 1.13 (its backward is not implemented there).
struct ScatterReduceBackward final : Node {
  std::string_view name() const override { return "ScatterReduceBackward"; }
  tensor_list apply(tensor_list&&) override {
    check(false, "scatter",
          "the derivative of scatter with reduce is not implemented (as in libtorch 1.13); "
          "use scatter_add, or index_add, for a differentiable sum");
    return {};
  }
};

namespace {
Write reduce_mode(std::string_view reduce) {
  check(reduce == "add" || reduce == "multiply", "scatter",
        "reduce argument must be either add or multiply, got \"", reduce, "\"");
  return reduce == "add" ? Write::Add : Write::Multiply;
}
}  // namespace

Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
               std::string_view reduce) {
  const Write write = reduce_mode(reduce);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = scatter_src("scatter", self, dim, index, src, write);
  }
  record<ScatterReduceBackward>({self, src}, {out});
  return out;
}

Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Scalar& value,
               std::string_view reduce) {
  detail::check_defined("scatter", "self", self);
  check_int64_index("scatter", index);
  return scatter(self, dim, index,
                 full(padded_sizes(index), value.toDouble(), self.dtype()).reshape(index.sizes()), reduce);
}

// ---- index_add / index_fill / index_copy: slabs along dim, addressed by a 1-D index.
namespace {
struct SlabArgs {
  std::int64_t dim;
  Tensor scatter_index;  // the 1-D index expanded to the slabs' shape
};

SlabArgs check_slab_op(std::string_view op, const Tensor& self, std::int64_t dim, const Tensor& index,
                       const Tensor* source) {
  detail::check_defined(op, "self", self);
  check_int64_index(op, index);
  const std::int64_t d = wrap_dim(op, dim, self.dim());
  check(index.dim() <= 1, op, "index must be a vector or a scalar, got shape ", index.sizes());
  const Shape self_sizes = padded_sizes(self);
  Shape slab_sizes = self_sizes;
  slab_sizes[static_cast<std::size_t>(d)] = index.numel();
  if (source != nullptr) {
    detail::check_defined(op, "source", *source);
    check_same_dtype(op, self, *source, "source");
    const Shape source_sizes = padded_sizes(*source);
    check(source_sizes.size() == self_sizes.size(), op, "source ", source->sizes(),
          " must have the same number of dimensions as self ", self.sizes());
    check(source_sizes[static_cast<std::size_t>(d)] == index.numel(), op, "number of indices (",
          index.numel(), ") should be equal to source.size(dim) (", source_sizes[static_cast<std::size_t>(d)],
          "), for dim: ", d);
    for (std::size_t k = 0; k < self_sizes.size(); ++k)
      check(static_cast<std::int64_t>(k) == d || source_sizes[k] == self_sizes[k], op, "source ",
            source->sizes(), " and self ", self.sizes(), " differ at dimension ", k, " (", source_sizes[k],
            " vs ", self_sizes[k], ")");
  }
  check_index_values(op, index, d, self_sizes[static_cast<std::size_t>(d)]);
  return {d, slab_index(index.reshape({-1}), d, slab_sizes)};
}

// The gradient of source's slab i: the output gradient's slab index[i].
Tensor source_gradient(const Tensor& grad, std::int64_t dim, const Tensor& index, IntArrayRef source_sizes) {
  const Tensor g = grad.dim() == 0 ? grad.reshape({1}) : grad;
  return index_select(g, dim, index).reshape(source_sizes);
}
}  // namespace

struct IndexSlabBackward final : Node {
  SavedTensor index;
  std::int64_t dim = 0;
  enum class Kind { Add, Fill, Copy } kind = Kind::Add;
  Scalar alpha = 1;
  std::string_view name() const override {
    return kind == Kind::Add    ? "IndexAddBackward"
           : kind == Kind::Fill ? "IndexFillBackward"
                                : "IndexCopyBackward";
  }
  void release_saved() override { index.reset(); }
  tensor_list apply(tensor_list&& g) override {
    const Tensor idx = index.unpack(*this);
    tensor_list out(input_meta().size());
    if (needs_input_grad(0)) out[0] = kind == Kind::Add ? g[0] : index_fill(g[0], dim, idx, Scalar(0));
    if (out.size() > 1 && needs_input_grad(1)) {
      out[1] = source_gradient(g[0], dim, idx, input_meta()[1].sizes);
      if (kind == Kind::Add && alpha.toDouble() != 1.0) out[1] = out[1] * alpha;
    }
    return out;
  }
};

Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha) {
  const SlabArgs args = check_slab_op("index_add", self, dim, index, &source);
  Tensor out = copy_of(self);
  scatter_values(out, args.dim, args.scatter_index, source, Write::Add, alpha);
  if (auto* node = record<IndexSlabBackward>({self, source}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = args.dim;
    node->alpha = alpha;
  }
  return out;
}

Tensor index_copy(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source) {
  const SlabArgs args = check_slab_op("index_copy", self, dim, index, &source);
  Tensor out = copy_of(self);
  scatter_values(out, args.dim, args.scatter_index, source, Write::Assign);
  if (auto* node = record<IndexSlabBackward>({self, source}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = args.dim;
    node->kind = IndexSlabBackward::Kind::Copy;
  }
  return out;
}

Tensor index_fill(const Tensor& self, std::int64_t dim, const Tensor& index, const Scalar& value) {
  const SlabArgs args = check_slab_op("index_fill", self, dim, index, nullptr);
  Tensor out = copy_of(self);
  fill_values("index_fill", out, args.dim, args.scatter_index, value);
  if (auto* node = record<IndexSlabBackward>({self}, {out})) {
    node->index = SavedTensor(index, false);
    node->dim = args.dim;
    node->kind = IndexSlabBackward::Kind::Fill;
  }
  return out;
}

// where() gives value the sum of the gradient over the filled elements.
Tensor index_fill(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& value) {
  detail::check_defined("index_fill", "value", value);
  check(value.dim() == 0, "index_fill", "only supports a 0-dimensional value tensor, but got tensor with ",
        value.dim(), " dimension(s)");
  Tensor filled;
  {
    NoGradGuard no_grad;
    filled = index_fill(zeros(self.sizes(), kBool), dim, index, Scalar(true));
  }
  // the checks on self come first, from index_fill above (it has self's shape)
  return where(filled, value.dtype() == self.dtype() ? value : value.to(self.dtype()), self);
}

// ---- take_along_dim: gather after broadcasting, so gather and expand give the gradient.
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<std::int64_t> dim) {
  constexpr std::string_view op = "take_along_dim";
  detail::check_defined(op, "self", self);
  detail::check_defined(op, "indices", indices);
  check(indices.dtype() == kInt64, op, "dtype of indices should be int64 but got ", indices.dtype());
  if (!dim) {
    check_index_values(op, indices, 0, self.numel());
    return gather(self.reshape({-1}), 0, indices.reshape({-1}));
  }
  check(self.dim() == indices.dim(), op,
        "input and indices should have the same number of dimensions, but got ", self.dim(),
        " dimensions for input, and ", indices.dim(), " dimensions for indices");
  const std::int64_t d = wrap_dim(op, *dim, self.dim());
  if (self.dim() == 0) {
    check_index_values(op, indices, d, 1);
    return gather(self, 0, indices);
  }
  const auto k = static_cast<std::size_t>(d);
  Shape picked = self.sizes();
  picked[k] = indices.size(d);
  const Shape index_sizes = broadcast_shapes(op, picked, indices.sizes());
  Shape input_sizes = index_sizes;
  input_sizes[k] = self.size(d);
  check_index_values(op, indices, d, self.size(d));
  return gather(expand(self, input_sizes), d, expand(indices, index_sizes));
}

// ---- one_hot (not differentiable: int64 in, int64 out)
Tensor one_hot(const Tensor& self, std::int64_t num_classes) {
  constexpr std::string_view op = "one_hot";
  detail::check_defined(op, "self", self);
  check(self.dtype() == kInt64, op, "one_hot is only applicable to index tensor (int64), got ", self.dtype());
  const auto values = self.to_vector<std::int64_t>();
  if (num_classes == -1) {
    check(!values.empty(), op, "Can not infer total number of classes from empty tensor.");
    num_classes = *std::max_element(values.begin(), values.end()) + 1;
  }
  check(num_classes >= 0, op, "num_classes should be -1 or non-negative, got ", num_classes);
  Shape sizes = self.sizes();
  sizes.push_back(num_classes);
  Tensor out = zeros(sizes, kInt64);
  std::int64_t* to = out.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i) {
    check(values[i] >= 0, op, "Class values must be non-negative. (got ", values[i], " at position ", i, ")");
    check(values[i] < num_classes, op, "Class values must be smaller than num_classes. (got ", values[i],
          " at position ", i, " with num_classes = ", num_classes, ")");
    to[static_cast<std::int64_t>(i) * num_classes + values[i]] = 1;
  }
  return out;
}

// ---- tril / triu: keep one triangle of each matrix; the gradient keeps the same triangle.
namespace {
Tensor triangle(std::string_view op, const Tensor& self, std::int64_t diagonal, bool upper);

struct TriangleBackward final : Node {
  std::int64_t diagonal = 0;
  bool upper = false;
  std::string_view name() const override { return upper ? "TriuBackward" : "TrilBackward"; }
  tensor_list apply(tensor_list&& g) override {
    return {triangle(upper ? "triu" : "tril", g[0], diagonal, upper)};
  }
};

Tensor triangle(std::string_view op, const Tensor& self, std::int64_t diagonal, bool upper) {
  detail::check_defined(op, "self", self);
  check(self.dim() >= 2, op, "input tensor must have at least 2 dimensions, got shape ", self.sizes());
  Tensor out = copy_of(self);
  const std::int64_t rows = self.size(-2), cols = self.size(-1);
  const std::int64_t matrices = rows * cols == 0 ? 0 : out.numel() / (rows * cols);
  kernels::dispatch(out.dtype(), [&]<class T>() {
    T* data = out.data_ptr<T>();
    for (std::int64_t m = 0; m < matrices; ++m)
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) {
          const bool kept = upper ? j - i >= diagonal : j - i <= diagonal;
          if (!kept) data[(m * rows + i) * cols + j] = T(0);
        }
  });
  if (auto* node = record<TriangleBackward>({self}, {out})) {
    node->diagonal = diagonal;
    node->upper = upper;
  }
  return out;
}
}  // namespace

Tensor tril(const Tensor& self, std::int64_t diagonal) { return triangle("tril", self, diagonal, false); }
Tensor triu(const Tensor& self, std::int64_t diagonal) { return triangle("triu", self, diagonal, true); }

// ---- Tensor methods
Tensor Tensor::scatter(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return tg::scatter(*this, dim, index, src);
}
const Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return write_back("scatter_", *this, &src, [&] { return tg::scatter(*this, dim, index, src); });
}
Tensor Tensor::scatter(std::int64_t dim, const Tensor& index, const Scalar& value) const {
  return tg::scatter(*this, dim, index, value);
}
const Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, const Scalar& value) const {
  return write_back("scatter_", *this, nullptr, [&] { return tg::scatter(*this, dim, index, value); });
}
Tensor Tensor::scatter(std::int64_t dim, const Tensor& index, const Tensor& src,
                       std::string_view reduce) const {
  return tg::scatter(*this, dim, index, src, reduce);
}
const Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, const Tensor& src,
                               std::string_view reduce) const {
  return write_back("scatter_", *this, &src, [&] { return tg::scatter(*this, dim, index, src, reduce); });
}
Tensor Tensor::scatter(std::int64_t dim, const Tensor& index, const Scalar& value,
                       std::string_view reduce) const {
  return tg::scatter(*this, dim, index, value, reduce);
}
const Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, const Scalar& value,
                               std::string_view reduce) const {
  return write_back("scatter_", *this, nullptr,
                    [&] { return tg::scatter(*this, dim, index, value, reduce); });
}
Tensor Tensor::scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return tg::scatter_add(*this, dim, index, src);
}
const Tensor& Tensor::scatter_add_(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return write_back("scatter_add_", *this, &src, [&] { return tg::scatter_add(*this, dim, index, src); });
}
Tensor Tensor::index_add(std::int64_t dim, const Tensor& index, const Tensor& source,
                         const Scalar& alpha) const {
  return tg::index_add(*this, dim, index, source, alpha);
}
const Tensor& Tensor::index_add_(std::int64_t dim, const Tensor& index, const Tensor& source,
                                 const Scalar& alpha) const {
  return write_back("index_add_", *this, &source,
                    [&] { return tg::index_add(*this, dim, index, source, alpha); });
}
Tensor Tensor::index_fill(std::int64_t dim, const Tensor& index, const Scalar& value) const {
  return tg::index_fill(*this, dim, index, value);
}
const Tensor& Tensor::index_fill_(std::int64_t dim, const Tensor& index, const Scalar& value) const {
  return write_back("index_fill_", *this, nullptr, [&] { return tg::index_fill(*this, dim, index, value); });
}
Tensor Tensor::index_fill(std::int64_t dim, const Tensor& index, const Tensor& value) const {
  return tg::index_fill(*this, dim, index, value);
}
const Tensor& Tensor::index_fill_(std::int64_t dim, const Tensor& index, const Tensor& value) const {
  return write_back("index_fill_", *this, &value, [&] { return tg::index_fill(*this, dim, index, value); });
}
Tensor Tensor::index_copy(std::int64_t dim, const Tensor& index, const Tensor& source) const {
  return tg::index_copy(*this, dim, index, source);
}
const Tensor& Tensor::index_copy_(std::int64_t dim, const Tensor& index, const Tensor& source) const {
  return write_back("index_copy_", *this, &source, [&] { return tg::index_copy(*this, dim, index, source); });
}
Tensor Tensor::take_along_dim(const Tensor& indices, std::optional<std::int64_t> dim) const {
  return tg::take_along_dim(*this, indices, dim);
}
Tensor Tensor::tril(std::int64_t diagonal) const { return tg::tril(*this, diagonal); }
Tensor Tensor::triu(std::int64_t diagonal) const { return tg::triu(*this, diagonal); }
const Tensor& Tensor::tril_(std::int64_t diagonal) const {
  return write_back("tril_", *this, nullptr, [&] { return tg::tril(*this, diagonal); });
}
const Tensor& Tensor::triu_(std::int64_t diagonal) const {
  return write_back("triu_", *this, nullptr, [&] { return tg::triu(*this, diagonal); });
}

}  // namespace tg
