#pragma once
// Tensor: a shared handle to sizes/strides/offset over a Storage, plus the autograd metadata of
// a define-by-run graph (requires_grad, grad, grad_fn). Copying a Tensor copies the handle.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/core/scalar.hpp>
#include <tapegrad/autograd/core/shape.hpp>
#include <tapegrad/autograd/tensor/accessor.hpp>
#include <tapegrad/autograd/tensor/options.hpp>
#include <tapegrad/autograd/tensor/storage.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

class Tensor;
using tensor_list = std::vector<Tensor>;
namespace autograd {
class Node;
// libtorch aliases: a Variable is a Tensor (torch::autograd::Variable is at::Tensor too).
using Variable = Tensor;
using variable_list = std::vector<Variable>;
using tg::tensor_list;
}  // namespace autograd
namespace indexing {
class TensorIndex;
}
#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
struct TensorAccess;
}  // namespace detail
#pragma GCC visibility pop

/// A gradient hook: receives the gradient, returns a replacement or an undefined Tensor to keep it.
using GradHook = std::function<Tensor(const Tensor&)>;
/// Runs after a leaf's gradient has been accumulated into its .grad(); receives the leaf.
using PostAccumulateGradHook = std::function<void(const Tensor&)>;

struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- metadata
  const Shape& shape() const;
  const Shape& sizes() const;
  const Shape& strides() const;
  std::int64_t size(std::int64_t dim) const;
  std::int64_t stride(std::int64_t dim) const;
  std::int64_t dim() const;
  std::int64_t numel() const;
  Dtype dtype() const;
  TensorOptions options() const { return TensorOptions(dtype()).device(device()); }
  std::int64_t storage_offset() const;
  bool is_contiguous() const;
  bool is_floating_point() const { return tg::is_floating_point(dtype()); }
  /// Version counter shared with every view of the same storage.
  std::uint64_t version() const;

  // ---- data access
  /// Pointer to the first element; T must match dtype().
  template <class T>
  T* data_ptr() const {
    check_element_type(dtype_of<T>(), "data_ptr");
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const;
  /// Untyped pointer to the first element (libtorch's data_ptr()).
  void* data_ptr() const { return raw_data(); }
  /// libtorch's element accessor: x.accessor<float, 2>()[i][j], through the strides; T must match
  /// dtype() and N dim(). Not on temporaries (the accessor does not keep the storage alive).
  template <class T, std::size_t N>
  TensorAccessor<T, N> accessor() const& {
    check(dim() == static_cast<std::int64_t>(N), "accessor", "TensorAccessor expected ", N,
          " dims but tensor has ", dim());
    return TensorAccessor<T, N>(data_ptr<T>(), sizes().data(), strides().data());
  }
  template <class T, std::size_t N>
  TensorAccessor<T, N> accessor() && = delete;
  /// The value of a one-element tensor: a Scalar of the tensor's category (item<T>() converts to T).
  Scalar item() const;
  /// The value of a one-element tensor, converted to T.
  template <class T>
  T item() const {
    return static_cast<T>(item_as_double_or_int<T>());
  }
  /// All elements in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector() const;

  Tensor contiguous() const;
  Tensor clone() const;

  // ---- autograd
  bool requires_grad() const;
  /// Marks a leaf as requiring grad (only floating point tensors can).
  const Tensor& requires_grad_(bool requires_grad = true) const;
  bool is_leaf() const;
  /// The accumulated gradient of a leaf (undefined until a backward reaches it).
  const Tensor& grad() const;
  Tensor& mutable_grad() const;
  void set_grad(const Tensor& grad) const;
  /// The node that produced this tensor (null for leaves).
  std::shared_ptr<autograd::Node> grad_fn() const;
  std::string grad_fn_name() const;
  std::uint32_t output_nr() const;
  /// With `inputs`, only those tensors' .grad() receive gradients (see autograd::backward).
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, std::optional<std::vector<Tensor>> inputs = std::nullopt) const;
  /// A tensor sharing storage with this one but cut out of the graph.
  Tensor detach() const;
  /// Keep .grad() for a non-leaf tensor too.
  void retain_grad() const;
  /// Registers fn(grad) -> Tensor (a replacement) or fn(grad) -> void (inspection). Returns the handle
  /// remove_hook() takes.
  template <class F>
  unsigned register_hook(F&& hook) const {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, const Tensor&>>) {
      return add_hook([hook = std::forward<F>(hook)](const Tensor& grad) mutable {
        hook(grad);
        return Tensor();
      });
    } else {
      return add_hook(GradHook(std::forward<F>(hook)));
    }
  }

  /// PyTorch 2.1's Tensor.register_post_accumulate_grad_hook: on a leaf that requires grad, runs
  /// hook(leaf) each time backward has added a gradient into leaf.grad(). Returns the handle
  /// remove_post_accumulate_grad_hook() takes.
  unsigned register_post_accumulate_grad_hook(PostAccumulateGradHook hook) const;
  void remove_post_accumulate_grad_hook(unsigned handle) const;

  // ---- in-place (allowed on leaves under NoGradGuard, and on tensors that do not require grad)
  const Tensor& copy_(const Tensor& source) const;
  const Tensor& fill_(const Scalar& value) const;
  /// Fills with the value of a 0-d tensor.
  const Tensor& fill_(const Tensor& value) const;
  const Tensor& zero_() const;
  // In-place arithmetic follows PyTorch: other is broadcast to self's shape, the result type must be
  // castable to self's dtype (no float result into an int tensor), and with grad mode on a non-leaf self
  // (or a differentiable other) records the op, so `x += residual` inside a forward is differentiable.
  const Tensor& add_(const Tensor& other, const Scalar& alpha = 1) const;
  const Tensor& add_(const Scalar& other, const Scalar& alpha = 1) const;
  const Tensor& sub_(const Tensor& other, const Scalar& alpha = 1) const;
  const Tensor& sub_(const Scalar& other, const Scalar& alpha = 1) const;
  const Tensor& mul_(const Tensor& other) const;
  const Tensor& mul_(const Scalar& other) const;

  // ---- ops as methods (free functions in autograd/ops/ hold the documentation)
  Tensor add(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor sub(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor add(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor sub(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor mul(const Scalar& other) const;
  Tensor div(const Scalar& other) const;
  Tensor div(const Tensor& other, std::optional<std::string_view> rounding_mode) const;
  Tensor div(const Scalar& other, std::optional<std::string_view> rounding_mode) const;
  Tensor neg() const;
  Tensor pow(double exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor clamp(std::optional<double> min, std::optional<double> max = std::nullopt) const;
  Tensor clamp_min(double min) const;
  Tensor clamp_max(double max) const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor erf() const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;

  // ---- Linear algebra methods (autograd/ops/matmul.cpp); free functions of the same names.
  Tensor addmm(const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1, const Scalar& alpha = 1) const;
  Tensor baddbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
                 const Scalar& alpha = 1) const;
  Tensor addmv(const Tensor& mat, const Tensor& vec, const Scalar& beta = 1, const Scalar& alpha = 1) const;
  Tensor addbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
                const Scalar& alpha = 1) const;
  Tensor mv(const Tensor& vec) const;
  Tensor dot(const Tensor& other) const;
  Tensor vdot(const Tensor& other) const;
  Tensor outer(const Tensor& vec2) const;
  Tensor ger(const Tensor& vec2) const;
  // ---- end of linear algebra methods

  // ---- norms and diagonals (autograd/ops/norm, diagonal hold the documentation)
  Tensor norm(const Scalar& p = 2) const;
  Tensor norm(const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim = false) const;
  Tensor norm(const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim, Dtype dtype) const;
  Tensor diagonal(std::int64_t offset = 0, std::int64_t dim1 = 0, std::int64_t dim2 = 1) const;
  Tensor diag_embed(std::int64_t offset = 0, std::int64_t dim1 = -2, std::int64_t dim2 = -1) const;
  Tensor diag(std::int64_t diagonal = 0) const;
  Tensor kron(const Tensor& other) const;
  // ---- end of norms and diagonals

  Tensor sum() const;
  Tensor sum(IntArrayRef dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(IntArrayRef dims, bool keepdim = false) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(std::int64_t dim, bool keepdim = false) const;
  Tensor argmax(std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor var(bool unbiased = true) const;
  Tensor var(IntArrayRef dims, bool unbiased = true, bool keepdim = false) const;
  Tensor reshape(IntArrayRef sizes) const;
  Tensor view(IntArrayRef sizes) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor t() const;
  Tensor permute(IntArrayRef dims) const;
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor expand(IntArrayRef sizes) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor slice(std::int64_t dim, std::optional<std::int64_t> start = std::nullopt,
               std::optional<std::int64_t> end = std::nullopt, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor index_select(std::int64_t dim, const Tensor& index) const;
  Tensor gather(std::int64_t dim, const Tensor& index) const;

  // ---- reductions, scans and sorting as methods (autograd/ops/reduction, scan, sorting hold the
  // documentation)
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(std::int64_t dim, bool keepdim = false) const;
  Tensor argmin(std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor amax(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor amin(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor prod(std::optional<Dtype> dtype = std::nullopt) const;
  Tensor prod(std::int64_t dim, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt) const;
  Tensor logsumexp(IntArrayRef dims, bool keepdim = false) const;
  Tensor std(bool unbiased = true) const;
  Tensor std(IntArrayRef dims, bool unbiased = true, bool keepdim = false) const;
  Tensor std(OptionalIntArrayRef dims, std::optional<std::int64_t> correction, bool keepdim = false) const;
  Tensor var(OptionalIntArrayRef dims, std::optional<std::int64_t> correction, bool keepdim = false) const;
  Tensor cumsum(std::int64_t dim, std::optional<Dtype> dtype = std::nullopt) const;
  const Tensor& cumsum_(std::int64_t dim, std::optional<Dtype> dtype = std::nullopt) const;
  Tensor cumprod(std::int64_t dim, std::optional<Dtype> dtype = std::nullopt) const;
  const Tensor& cumprod_(std::int64_t dim, std::optional<Dtype> dtype = std::nullopt) const;
  std::tuple<Tensor, Tensor> cummax(std::int64_t dim) const;
  std::tuple<Tensor, Tensor> cummin(std::int64_t dim) const;
  Tensor logcumsumexp(std::int64_t dim) const;
  std::tuple<Tensor, Tensor> sort(std::int64_t dim = -1, bool descending = false) const;
  std::tuple<Tensor, Tensor> sort(std::optional<bool> stable, std::int64_t dim = -1,
                                  bool descending = false) const;
  Tensor argsort(std::int64_t dim = -1, bool descending = false) const;
  Tensor argsort(bool stable, std::int64_t dim = -1, bool descending = false) const;
  Tensor msort() const;
  std::tuple<Tensor, Tensor> topk(std::int64_t k, std::int64_t dim = -1, bool largest = true,
                                  bool sorted = true) const;
  std::tuple<Tensor, Tensor> kthvalue(std::int64_t k, std::int64_t dim = -1, bool keepdim = false) const;
  Tensor median() const;
  std::tuple<Tensor, Tensor> median(std::int64_t dim, bool keepdim = false) const;
  Tensor nanmedian() const;
  std::tuple<Tensor, Tensor> nanmedian(std::int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> mode(std::int64_t dim = -1, bool keepdim = false) const;
  // ---- end of reductions, scans and sorting

  // ---- element-wise math and activations as methods (autograd/ops/unary, trigonometric, rounding,
  // binary_math, activation hold the documentation)
  Tensor sin() const;
  Tensor cos() const;
  Tensor tan() const;
  Tensor asin() const;
  Tensor acos() const;
  Tensor atan() const;
  Tensor sinh() const;
  Tensor cosh() const;
  Tensor asinh() const;
  Tensor acosh() const;
  Tensor atanh() const;
  Tensor atan2(const Tensor& other) const;
  Tensor hypot(const Tensor& other) const;
  Tensor rsqrt() const;
  Tensor reciprocal() const;
  Tensor log1p() const;
  Tensor expm1() const;
  Tensor log2() const;
  Tensor log10() const;
  Tensor exp2() const;
  Tensor square() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor round() const;
  Tensor round(std::int64_t decimals) const;
  Tensor trunc() const;
  Tensor frac() const;
  Tensor fmod(const Tensor& other) const;
  Tensor fmod(double other) const;
  Tensor remainder(const Tensor& other) const;
  Tensor remainder(double other) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor maximum(const Tensor& other) const;
  Tensor minimum(const Tensor& other) const;
  Tensor clamp(const std::optional<Tensor>& min = {}, const std::optional<Tensor>& max = {}) const;
  Tensor clamp_min(const Tensor& min) const;
  Tensor clamp_max(const Tensor& max) const;
  Tensor lerp(const Tensor& end, double weight) const;
  Tensor lerp(const Tensor& end, const Tensor& weight) const;
  Tensor addcmul(const Tensor& tensor1, const Tensor& tensor2, double value = 1.0) const;
  Tensor addcdiv(const Tensor& tensor1, const Tensor& tensor2, double value = 1.0) const;
  Tensor prelu(const Tensor& weight) const;
  Tensor logit(std::optional<double> eps = std::nullopt) const;
  /// In place; allowed where the in-place ops above are (no tensor that requires grad under grad mode).
  const Tensor& sigmoid_() const;
  const Tensor& tanh_() const;
  const Tensor& relu_() const;

  // ---- comparisons, masks and selection as methods (free functions in autograd/ops/comparison.hpp)
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor eq(const Scalar& other) const;
  Tensor ne(const Scalar& other) const;
  Tensor lt(const Scalar& other) const;
  Tensor le(const Scalar& other) const;
  Tensor gt(const Scalar& other) const;
  Tensor ge(const Scalar& other) const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor logical_not() const;
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isfinite() const;
  Tensor any() const;
  Tensor all() const;
  Tensor any(std::int64_t dim, bool keepdim = false) const;
  Tensor all(std::int64_t dim, bool keepdim = false) const;
  bool allclose(const Tensor& other, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false) const;
  Tensor isclose(const Tensor& other, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false) const;
  bool equal(const Tensor& other) const;
  /// libtorch's self.where(condition, other): condition ? self : other.
  Tensor where(const Tensor& condition, const Tensor& other) const;
  Tensor masked_fill(const Tensor& mask, const Scalar& value) const;
  Tensor masked_fill(const Tensor& mask, const Tensor& value) const;
  Tensor masked_select(const Tensor& mask) const;
  Tensor nonzero() const;
  Tensor count_nonzero() const;

  // ---- libtorch aliases: names libtorch programs use for what the sections above provide
  std::int64_t ndimension() const { return dim(); }
  ScalarType scalar_type() const { return dtype(); }
  /// Bytes per element (itemsize() as a signed number, as libtorch).
  std::int64_t element_size() const { return static_cast<std::int64_t>(itemsize()); }
  std::size_t itemsize() const { return tg::element_size(dtype()); }
  /// numel() * itemsize(): the bytes of the elements, not of the whole storage.
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * itemsize(); }
  /// The version counter: bumped by every in-place write to the tensor or a view of it.
  std::int64_t _version() const { return static_cast<std::int64_t>(version()); }
  const Tensor& set_requires_grad(bool requires_grad) const { return requires_grad_(requires_grad); }
  /// True for a non-leaf tensor on which retain_grad() was called.
  bool retains_grad() const;
  /// Cuts this tensor out of the graph in place: no grad_fn, requires_grad false.
  const Tensor& detach_() const;
  /// A tensor sharing this one's elements but with no history and its own version counter (libtorch's
  /// variable.data()): in-place writes through it are not seen by saved-tensor checks.
  Tensor data() const;
  /// Makes this tensor view `new_data`'s elements (storage, sizes, strides, dtype), keeping its
  /// autograd metadata (requires_grad, grad, hooks).
  void set_data(const Tensor& new_data) const;
  /// Disables the hook with the given register_hook() handle; other handles stay valid.
  void remove_hook(unsigned handle) const;

  // ---- device, conversion, compound assignment and in-place random fills (device helper's block)
  /// Always the CPU: tapegrad has no other backend (see autograd/core/device.hpp).
  Device device() const {
    checked_impl();
    return Device(kCPU);
  }
  bool is_cpu() const { return device().is_cpu(); }
  bool is_cuda() const { return device().is_cuda(); }
  /// Converts to the options' dtype; throws tg::Error for a device other than the CPU. copy=true always
  /// returns a new tensor; non_blocking has no effect on the CPU.
  Tensor to(TensorOptions options = {}, bool non_blocking = false, bool copy = false) const;
  Tensor to(Device device, Dtype dtype, bool non_blocking = false, bool copy = false) const;
  Tensor to(Dtype dtype, bool non_blocking = false, bool copy = false) const;
  /// Converts to other's dtype and device.
  Tensor to(const Tensor& other, bool non_blocking = false, bool copy = false) const;
  /// This tensor (it already lives on the CPU).
  Tensor cpu() const;
  /// Throws tg::Error: tapegrad runs on CPU only.
  Tensor cuda() const;

  /// In place, as add_/sub_/mul_/div_ (same broadcasting, dtype and autograd rules).
  Tensor& operator+=(const Tensor& other);
  Tensor& operator+=(const Scalar& other);
  Tensor& operator-=(const Tensor& other);
  Tensor& operator-=(const Scalar& other);
  Tensor& operator*=(const Tensor& other);
  Tensor& operator*=(const Scalar& other);
  Tensor& operator/=(const Tensor& other);
  Tensor& operator/=(const Scalar& other);
  const Tensor& div_(const Tensor& other) const;
  const Tensor& div_(const Scalar& other) const;
  const Tensor& div_(const Tensor& other, std::optional<std::string_view> rounding_mode) const;
  const Tensor& div_(const Scalar& other, std::optional<std::string_view> rounding_mode) const;
  const Tensor& true_divide_(const Tensor& other) const { return div_(other); }
  const Tensor& true_divide_(const Scalar& other) const { return div_(other); }

  /// Integers uniform in [0, 2^mantissa bits] for floating dtypes, [0, 2^63 - 1] for int64.
  const Tensor& random_() const;
  /// Integers uniform in [0, to).
  const Tensor& random_(std::int64_t to) const;
  /// Integers uniform in [from, to), or up to the dtype's largest exact integer when to is nullopt.
  const Tensor& random_(std::int64_t from, std::optional<std::int64_t> to) const;
  const Tensor& uniform_(double from = 0, double to = 1) const;
  const Tensor& normal_(double mean = 0, double std = 1) const;
  /// Each element becomes 1 with probability p, else 0.
  const Tensor& bernoulli_(double p = 0.5) const;
  /// Element i becomes 1 with probability p[i] (p broadcast to this tensor's shape).
  const Tensor& bernoulli_(const Tensor& p) const;
  Tensor bernoulli() const;
  Tensor bernoulli(double p) const;
  Tensor multinomial(std::int64_t num_samples, bool replacement = false) const;
  // ---- end of the device helper's block

  // ---- shape ops, splitting and padding as methods (autograd/ops/shape, split, rearrange, padding
  // hold the documentation)
  std::vector<Tensor> chunk(std::int64_t chunks, std::int64_t dim = 0) const;
  std::vector<Tensor> split(std::int64_t split_size, std::int64_t dim = 0) const;
  std::vector<Tensor> split(IntArrayRef split_sizes, std::int64_t dim = 0) const;
  std::vector<Tensor> split_with_sizes(IntArrayRef split_sizes, std::int64_t dim = 0) const;
  std::vector<Tensor> unbind(std::int64_t dim = 0) const;
  Tensor view_as(const Tensor& other) const;
  Tensor reshape_as(const Tensor& other) const;
  Tensor movedim(IntArrayRef source, IntArrayRef destination) const;
  Tensor movedim(std::int64_t source, std::int64_t destination) const;
  Tensor moveaxis(IntArrayRef source, IntArrayRef destination) const;
  Tensor moveaxis(std::int64_t source, std::int64_t destination) const;
  Tensor swapaxes(std::int64_t axis0, std::int64_t axis1) const;
  Tensor swapdims(std::int64_t dim0, std::int64_t dim1) const;
  Tensor unflatten(std::int64_t dim, IntArrayRef sizes) const;
  Tensor narrow_copy(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor repeat(IntArrayRef repeats) const;
  Tensor tile(IntArrayRef dims) const;
  Tensor repeat_interleave(std::int64_t repeats, std::optional<std::int64_t> dim = std::nullopt,
                           std::optional<std::int64_t> output_size = std::nullopt) const;
  Tensor repeat_interleave(const Tensor& repeats, std::optional<std::int64_t> dim = std::nullopt,
                           std::optional<std::int64_t> output_size = std::nullopt) const;
  Tensor flip(IntArrayRef dims) const;
  Tensor roll(IntArrayRef shifts, IntArrayRef dims = {}) const;

  // ---- indexing as in libtorch: x[1][2], x.index({Slice(), 0, "...", None, mask}), x.index_put_(...)
  // (autograd/ops/indexing.hpp holds the documentation and the TensorIndex types)
  /// select(0, index): a view; negative indices count from the end.
  Tensor operator[](std::int64_t index) const;
  /// Advanced indexing along dim 0 with an int64/int32 index or a bool mask (a copy).
  Tensor operator[](const Tensor& index) const;
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor index(std::span<const indexing::TensorIndex> indices) const;
  Tensor index(const std::vector<std::optional<Tensor>>& indices) const;
  const Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& values) const;
  const Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Scalar& value) const;
  const Tensor& index_put_(std::span<const indexing::TensorIndex> indices, const Tensor& values) const;
  const Tensor& index_put_(std::span<const indexing::TensorIndex> indices, const Scalar& value) const;
  const Tensor& index_put_(const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                           bool accumulate = false) const;
  Tensor index_put(const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                   bool accumulate = false) const;
  // ---- end of indexing

  // ---- scatter family (autograd/ops/scatter.hpp); the in-place forms keep the gradient history.
  Tensor scatter(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  const Tensor& scatter_(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(std::int64_t dim, const Tensor& index, const Scalar& value) const;
  const Tensor& scatter_(std::int64_t dim, const Tensor& index, const Scalar& value) const;
  Tensor scatter(std::int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce) const;
  const Tensor& scatter_(std::int64_t dim, const Tensor& index, const Tensor& src,
                         std::string_view reduce) const;
  Tensor scatter(std::int64_t dim, const Tensor& index, const Scalar& value, std::string_view reduce) const;
  const Tensor& scatter_(std::int64_t dim, const Tensor& index, const Scalar& value,
                         std::string_view reduce) const;
  Tensor scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  const Tensor& scatter_add_(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor index_add(std::int64_t dim, const Tensor& index, const Tensor& source,
                   const Scalar& alpha = 1) const;
  const Tensor& index_add_(std::int64_t dim, const Tensor& index, const Tensor& source,
                           const Scalar& alpha = 1) const;
  Tensor index_fill(std::int64_t dim, const Tensor& index, const Scalar& value) const;
  const Tensor& index_fill_(std::int64_t dim, const Tensor& index, const Scalar& value) const;
  Tensor index_fill(std::int64_t dim, const Tensor& index, const Tensor& value) const;
  const Tensor& index_fill_(std::int64_t dim, const Tensor& index, const Tensor& value) const;
  Tensor index_copy(std::int64_t dim, const Tensor& index, const Tensor& source) const;
  const Tensor& index_copy_(std::int64_t dim, const Tensor& index, const Tensor& source) const;
  Tensor take_along_dim(const Tensor& indices, std::optional<std::int64_t> dim = std::nullopt) const;
  Tensor tril(std::int64_t diagonal = 0) const;
  Tensor triu(std::int64_t diagonal = 0) const;
  const Tensor& tril_(std::int64_t diagonal = 0) const;
  const Tensor& triu_(std::int64_t diagonal = 0) const;
  // ---- end of scatter family

 private:
  // The autograd record is the library's: users reach it through tensor methods only, the library
  // through detail::impl_of (TensorAccess).
  friend struct detail::TensorAccess;
  const TensorImpl& checked_impl() const {
    if (!impl_) [[unlikely]]
      throw_undefined();
    return *impl_;
  }
  [[noreturn]] static void throw_undefined();
  void check_element_type(Dtype requested, const char* what) const;
  unsigned add_hook(GradHook hook) const;
  double item_double() const;
  std::int64_t item_int() const;
  template <class T>
  auto item_as_double_or_int() const {
    if constexpr (std::is_integral_v<T>)
      return item_int();
    else
      return item_double();
  }
  std::vector<double> to_double_vector() const;
  std::vector<std::int64_t> to_int_vector() const;

  std::shared_ptr<TensorImpl> impl_;
};

struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;
  std::uint32_t output_nr = 0;
  std::weak_ptr<autograd::Node>
      grad_accumulator;         // leaves only; the accumulator owns the leaf, not vice versa
  std::vector<GradHook> hooks;  // leaves only; non-leaf hooks live on grad_fn
  std::vector<PostAccumulateGradHook> post_accumulate_hooks;  // leaves only; removed ones stay as empty slots
  // Non-leaf hooks registered through this tensor, run by one output hook of grad_fn; shared with that
  // hook so that remove_hook() can disable an entry (a removed entry stays as an empty slot).
  std::shared_ptr<std::vector<GradHook>> non_leaf_hooks;
};

// Embedded in TensorImpl rather than allocated: every op output that records a node needs one.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape sizes;
  Shape strides;
  std::int64_t offset = 0;  // in elements
  Dtype dtype = kFloat32;
  std::optional<AutogradMeta> autograd;  // empty for tensors that never took part in autograd

  AutogradMeta& autograd_meta() {
    if (!autograd) autograd.emplace();
    return *autograd;
  }
};

inline const Shape& Tensor::shape() const { return checked_impl().sizes; }
inline const Shape& Tensor::sizes() const { return checked_impl().sizes; }
inline const Shape& Tensor::strides() const { return checked_impl().strides; }
inline std::int64_t Tensor::dim() const { return static_cast<std::int64_t>(checked_impl().sizes.size()); }
inline std::int64_t Tensor::numel() const { return shape_numel(checked_impl().sizes); }
inline Dtype Tensor::dtype() const { return checked_impl().dtype; }
inline std::int64_t Tensor::storage_offset() const { return checked_impl().offset; }
inline std::uint64_t Tensor::version() const { return checked_impl().storage->version(); }
inline void* Tensor::raw_data() const {
  const TensorImpl& impl = checked_impl();
  return static_cast<char*>(impl.storage->data()) +
         impl.offset * static_cast<std::int64_t>(tg::element_size(impl.dtype));
}
inline bool Tensor::requires_grad() const {
  const TensorImpl& impl = checked_impl();
  return impl.autograd && impl.autograd->requires_grad;
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  if constexpr (std::is_integral_v<T>) {
    auto values = to_int_vector();
    return std::vector<T>(values.begin(), values.end());
  } else {
    auto values = to_double_vector();
    return std::vector<T>(values.begin(), values.end());
  }
}

/// Prints values (summarised when large), shape, dtype and grad_fn, e.g.
/// tensor([1.0000, 2.0000], shape=[2], dtype=float32, grad_fn=<AddBackward>)
std::ostream& operator<<(std::ostream& out, const Tensor& tensor);

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// A new contiguous, uninitialised tensor. Throws tg::Error naming `op` for negative sizes or sizes
/// whose byte count overflows int64 (checked_numel).
Tensor make_contiguous(IntArrayRef sizes, Dtype dtype, std::string_view op = "tensor");
/// A view of `base`'s storage with the given geometry and no autograd history.
Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, std::int64_t offset);
/// Throws unless the tensor is float32 or float64.
void check_floating(std::string_view op, std::string_view argument, const Tensor& tensor);
[[noreturn]] void throw_undefined_argument(std::string_view op, std::string_view argument);
/// Inline: every op checks its arguments; the error is built out of line.
inline void check_defined(std::string_view op, std::string_view argument, const Tensor& tensor) {
  if (!tensor.defined()) [[unlikely]]
    throw_undefined_argument(op, argument);
}
/// Throws unless `self` may be written in place: defined, not an expanded view, and not part of a graph
/// under grad mode (a leaf that requires grad needs NoGradGuard).
void check_inplace(std::string_view op, const Tensor& self);
/// Throws tg::Error (PyTorch's phrase) when self is a leaf that requires grad and grad mode is on.
void check_not_grad_leaf(std::string_view op, const Tensor& self);
/// sum += term for contiguous floating tensors of one shape and dtype, without add_'s argument checks:
/// for the engine's running gradient sums, which nobody else sees.
void add_same_shape_(const Tensor& sum, const Tensor& term);

struct TensorAccess {
  static TensorImpl* impl(const Tensor& tensor) { return tensor.impl_.get(); }
  static const std::shared_ptr<TensorImpl>& impl_ptr(const Tensor& tensor) { return tensor.impl_; }
};
/// The mutable record behind a tensor (storage, geometry, autograd meta), for library code: in-place ops
/// bumping versions, the engine, optimizers keying state by parameter. nullptr when undefined.
inline TensorImpl* impl_of(const Tensor& tensor) { return TensorAccess::impl(tensor); }
inline const std::shared_ptr<TensorImpl>& impl_ptr_of(const Tensor& tensor) {
  return TensorAccess::impl_ptr(tensor);
}
}  // namespace detail
#pragma GCC visibility pop

}  // namespace tg

#pragma GCC visibility pop
