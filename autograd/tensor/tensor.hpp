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
#include <tuple>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/core/scalar.hpp>
#include <tapegrad/autograd/core/shape.hpp>
#include <tapegrad/autograd/tensor/options.hpp>
#include <tapegrad/autograd/tensor/storage.hpp>

namespace tg {

class Tensor;
using tensor_list = std::vector<Tensor>;
namespace autograd {
class Node;
}
namespace indexing {
class TensorIndex;
}

/// A gradient hook: receives the gradient, returns a replacement or an undefined Tensor to keep it.
using GradHook = std::function<Tensor(const Tensor&)>;

struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
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
  TensorOptions options() const { return TensorOptions(dtype()); }
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
  Tensor to(Dtype dtype) const;

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
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  /// A tensor sharing storage with this one but cut out of the graph.
  Tensor detach() const;
  /// Keep .grad() for a non-leaf tensor too.
  void retain_grad() const;
  /// Registers fn(grad) -> Tensor (a replacement) or fn(grad) -> void (inspection).
  template <class F>
  void register_hook(F&& hook) const {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, const Tensor&>>) {
      add_hook([hook = std::forward<F>(hook)](const Tensor& grad) mutable {
        hook(grad);
        return Tensor();
      });
    } else {
      add_hook(GradHook(std::forward<F>(hook)));
    }
  }

  // ---- in-place (allowed on leaves under NoGradGuard, and on tensors that do not require grad)
  const Tensor& copy_(const Tensor& source) const;
  const Tensor& fill_(double value) const;
  const Tensor& zero_() const;
  const Tensor& add_(const Tensor& other, double alpha = 1.0) const;
  const Tensor& add_(double value) const;
  const Tensor& sub_(const Tensor& other, double alpha = 1.0) const;
  const Tensor& sub_(double value) const;
  const Tensor& mul_(const Tensor& other) const;
  const Tensor& mul_(double value) const;

  // ---- ops as methods (free functions in autograd/ops/ hold the documentation)
  Tensor add(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor sub(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
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

 private:
  const TensorImpl& checked_impl() const {
    if (!impl_) [[unlikely]]
      throw_undefined();
    return *impl_;
  }
  [[noreturn]] static void throw_undefined();
  void check_element_type(Dtype requested, const char* what) const;
  void add_hook(GradHook hook) const;
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

namespace detail {
/// A new contiguous, uninitialised tensor. Throws tg::Error naming `op` for negative sizes or sizes
/// whose byte count overflows int64 (checked_numel).
Tensor make_contiguous(IntArrayRef sizes, Dtype dtype, std::string_view op = "tensor");
/// A view of `base`'s storage with the given geometry and no autograd history.
Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, std::int64_t offset);
/// Throws unless the tensor is float32 or float64.
void check_floating(std::string_view op, std::string_view argument, const Tensor& tensor);
void check_defined(std::string_view op, std::string_view argument, const Tensor& tensor);
}  // namespace detail

}  // namespace tg
