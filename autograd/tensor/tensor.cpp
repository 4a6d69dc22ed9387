#include <algorithm>
#include <memory>
#include <type_traits>

#include <tapegrad/autograd/core/numeric_cast.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/tensor/block_pool.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

void Tensor::throw_undefined() {
  throw Error(
      "tensor: this tensor is undefined (default-constructed, or a gradient that was never computed)");
}

std::int64_t Tensor::size(std::int64_t dim) const {
  check(this->dim() > 0, "size", "dim ", dim, " is out of range for a 0-d tensor (it has no dims)");
  return sizes()[static_cast<std::size_t>(wrap_dim("size", dim, this->dim()))];
}

std::int64_t Tensor::stride(std::int64_t dim) const {
  check(this->dim() > 0, "stride", "dim ", dim, " is out of range for a 0-d tensor (it has no dims)");
  return strides()[static_cast<std::size_t>(wrap_dim("stride", dim, this->dim()))];
}

bool Tensor::is_contiguous() const {
  const TensorImpl& impl = checked_impl();
  bool contiguous = true;
  std::int64_t expected = 1;
  for (std::size_t i = impl.sizes.size(); i-- > 0;) {
    const std::int64_t size = impl.sizes[i];
    if (size == 0) return true;  // as in PyTorch: no element is out of place
    if (size == 1) continue;
    contiguous = contiguous && impl.strides[i] == expected;
    expected *= size;
  }
  return contiguous;
}

void Tensor::check_element_type(Dtype requested, const char* what) const {
  check(dtype() == requested, what, "requested ", requested, " elements from a ", dtype(), " tensor");
}

Scalar Tensor::item() const {
  check(numel() == 1, "item", "only one-element tensors can be converted to a scalar, got shape ", sizes());
  return kernels::dispatch(dtype(), [&]<class T>() { return Scalar(*static_cast<T*>(raw_data())); });
}

double Tensor::item_double() const {
  check(numel() == 1, "item", "only one-element tensors can be converted to a scalar, got shape ", sizes());
  return kernels::dispatch(dtype(),
                           [&]<class T>() { return static_cast<double>(*static_cast<T*>(raw_data())); });
}

std::int64_t Tensor::item_int() const {
  check(numel() == 1, "item", "only one-element tensors can be converted to a scalar, got shape ", sizes());
  return kernels::dispatch(dtype(), [&]<class T>() {
    const T value = *static_cast<T*>(raw_data());
    if constexpr (std::is_floating_point_v<T>)
      check(fits_in_int64(value), "item", "the value ", value, " does not fit in int64");
    return static_cast<std::int64_t>(value);
  });
}

std::vector<double> Tensor::to_double_vector() const {
  Tensor values = contiguous();
  return kernels::dispatch(dtype(), [&]<class T>() {
    const T* data = static_cast<const T*>(values.raw_data());
    return std::vector<double>(data, data + values.numel());
  });
}

std::vector<std::int64_t> Tensor::to_int_vector() const {
  Tensor values = contiguous();
  return kernels::dispatch(dtype(), [&]<class T>() {
    const T* data = static_cast<const T*>(values.raw_data());
    std::vector<std::int64_t> out(static_cast<std::size_t>(values.numel()));
    for (std::size_t i = 0; i < out.size(); ++i) {
      if constexpr (std::is_floating_point_v<T>)
        check(fits_in_int64(data[i]), "to_vector", "the value ", data[i], " at index ", i,
              " does not fit in int64");
      out[i] = static_cast<std::int64_t>(data[i]);
    }
    return out;
  });
}

const Tensor& Tensor::requires_grad_(bool requires_grad) const {
  check(is_leaf() || requires_grad, "requires_grad_",
        "cannot turn off requires_grad of a non-leaf tensor (it was computed by ", grad_fn_name(),
        "); use detach() instead");
  check(!requires_grad || is_floating_point(), "requires_grad_",
        "only float32/float64 tensors can require gradients, got a ", dtype(), " tensor");
  impl_->autograd_meta().requires_grad = requires_grad;
  return *this;
}

bool Tensor::is_leaf() const {
  const TensorImpl& impl = checked_impl();
  return !impl.autograd || !impl.autograd->grad_fn;
}

const Tensor& Tensor::grad() const {
  static const Tensor undefined;
  const TensorImpl& impl = checked_impl();
  return impl.autograd ? impl.autograd->grad : undefined;
}

Tensor& Tensor::mutable_grad() const { return impl_->autograd_meta().grad; }

void Tensor::set_grad(const Tensor& grad) const {
  if (grad.defined())
    check(grad.sizes() == sizes() && grad.dtype() == dtype(), "set_grad", "gradient of shape ", grad.sizes(),
          " (", grad.dtype(), ") does not match the tensor's shape ", sizes(), " (", dtype(), ")");
  mutable_grad() = grad;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  const TensorImpl& impl = checked_impl();
  return impl.autograd ? impl.autograd->grad_fn : nullptr;
}

std::string Tensor::grad_fn_name() const {
  auto fn = grad_fn();
  return fn ? std::string(fn->name()) : std::string();
}

std::uint32_t Tensor::output_nr() const {
  const TensorImpl& impl = checked_impl();
  return impl.autograd ? impl.autograd->output_nr : 0;
}

Tensor Tensor::detach() const {
  const TensorImpl& impl = checked_impl();
  auto out = detail::make_pooled<TensorImpl>();
  out->storage = impl.storage;
  out->sizes = impl.sizes;
  out->strides = impl.strides;
  out->offset = impl.offset;
  out->dtype = impl.dtype;
  return Tensor(std::move(out));
}

unsigned Tensor::add_hook(GradHook hook) const {
  check(requires_grad(), "register_hook", "cannot register a hook on a tensor that does not require grad");
  AutogradMeta& meta = impl_->autograd_meta();
  std::vector<GradHook>* list = &meta.hooks;
  if (auto fn = grad_fn()) {
    if (!meta.non_leaf_hooks) {
      meta.non_leaf_hooks = std::make_shared<std::vector<GradHook>>();
      fn->add_output_hook(output_nr(), [hooks = meta.non_leaf_hooks](const Tensor& grad) {
        Tensor current = grad;
        for (const GradHook& h : *hooks) {
          if (!h) continue;
          Tensor replaced = h(current);
          if (replaced.defined()) current = std::move(replaced);
        }
        return current.is_same(grad) ? Tensor() : current;
      });
    }
    list = meta.non_leaf_hooks.get();
  }
  list->push_back(std::move(hook));
  return static_cast<unsigned>(list->size() - 1);
}

void Tensor::retain_grad() const {
  check(requires_grad(), "retain_grad", "cannot retain the gradient of a tensor that does not require grad");
  if (is_leaf()) return;  // leaves keep their gradient anyway
  AutogradMeta& meta = impl_->autograd_meta();
  if (meta.retains_grad) return;
  meta.retains_grad = true;
  // A weak reference: the node must not keep its own output alive (that would be a cycle).
  std::weak_ptr<TensorImpl> weak = impl_;
  const autograd::Node* producer = grad_fn().get();
  grad_fn()->add_output_hook(output_nr(), [weak, producer](const Tensor& grad) {
    auto impl = weak.lock();
    // After an in-place custom op rebased the tensor's history, .grad is the new value's gradient.
    if (impl && impl->autograd_meta().grad_fn.get() == producer) {
      Tensor& stored = impl->autograd_meta().grad;
      NoGradGuard no_grad;
      stored = stored.defined() ? stored + grad : grad.clone();
    }
    return Tensor();
  });
}

// ---- libtorch aliases

bool Tensor::retains_grad() const {
  const TensorImpl& impl = checked_impl();
  return !is_leaf() && impl.autograd->retains_grad;
}

const Tensor& Tensor::detach_() const {
  checked_impl();
  if (!impl_->autograd) return *this;
  AutogradMeta& meta = *impl_->autograd;
  meta.requires_grad = false;
  meta.retains_grad = false;
  meta.grad_fn.reset();
  meta.output_nr = 0;
  meta.non_leaf_hooks.reset();  // they belong to the old grad_fn
  return *this;
}

Tensor Tensor::data() const {
  const TensorImpl& impl = checked_impl();
  // A second Storage over the same memory gives the alias its own version counter; its deleter keeps
  // the original storage (the owner of the memory) alive.
  const std::shared_ptr<Storage>& owner = impl.storage;
  auto out = detail::make_pooled<TensorImpl>();
  out->storage = std::make_shared<Storage>(owner->data(), owner->nbytes(), [owner](void*) {});
  out->sizes = impl.sizes;
  out->strides = impl.strides;
  out->offset = impl.offset;
  out->dtype = impl.dtype;
  return Tensor(std::move(out));
}

void Tensor::set_data(const Tensor& new_data) const {
  checked_impl();
  detail::check_defined("set_data", "new_data", new_data);
  check(!requires_grad() || new_data.is_floating_point(), "set_data",
        "a tensor that requires grad cannot hold ", new_data.dtype(),
        " data: only float32/float64 tensors can require gradients");
  const TensorImpl& source = *detail::impl_of(new_data);
  impl_->storage = source.storage;
  impl_->sizes = source.sizes;
  impl_->strides = source.strides;
  impl_->offset = source.offset;
  impl_->dtype = source.dtype;
}

void Tensor::remove_hook(unsigned handle) const {
  const TensorImpl& impl = checked_impl();
  std::vector<GradHook>* list = nullptr;
  if (impl.autograd) list = is_leaf() ? &impl_->autograd->hooks : impl_->autograd->non_leaf_hooks.get();
  check(list != nullptr && handle < list->size(), "remove_hook", "Invalid index, no hook at position ",
        handle);
  (*list)[handle] = nullptr;
}

unsigned Tensor::register_post_accumulate_grad_hook(PostAccumulateGradHook hook) const {
  check(requires_grad(), "register_post_accumulate_grad_hook",
        "cannot register a hook on a tensor that doesn't require gradient");
  check(is_leaf(), "register_post_accumulate_grad_hook",
        "post accumulate grad hooks cannot be registered on non-leaf tensors");
  auto& hooks = impl_->autograd_meta().post_accumulate_hooks;
  hooks.push_back(std::move(hook));
  return static_cast<unsigned>(hooks.size() - 1);
}

void Tensor::remove_post_accumulate_grad_hook(unsigned handle) const {
  const TensorImpl& impl = checked_impl();
  const bool valid = impl.autograd && handle < impl.autograd->post_accumulate_hooks.size();
  check(valid, "remove_post_accumulate_grad_hook", "Invalid index, no hook at position ", handle);
  impl_->autograd->post_accumulate_hooks[handle] = nullptr;
}

namespace detail {

Tensor make_contiguous(IntArrayRef sizes, Dtype dtype, std::string_view op) {
  const std::int64_t numel = checked_numel(op, sizes, element_size(dtype));  // sizes >= 0, no overflow
  auto impl = make_pooled<TensorImpl>();
  const std::size_t dims = sizes.size();
  // resize + indexed writes: boost's assign() and push_back() check capacity per element.
  impl->sizes.resize(dims, boost::container::default_init);
  impl->strides.resize(dims, boost::container::default_init);
  std::int64_t stride = 1;
  for (std::size_t i = dims; i-- > 0;) {
    impl->sizes[i] = sizes[i];
    impl->strides[i] = stride;
    stride *= std::max<std::int64_t>(sizes[i], 1);
  }
  impl->storage = Storage::create(static_cast<std::size_t>(numel) * element_size(dtype));
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, std::int64_t offset) {
  auto impl = make_pooled<TensorImpl>();
  impl->storage = detail::impl_of(base)->storage;
  impl->sizes = sizes.vec();
  impl->strides = strides.vec();
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

void check_floating(std::string_view op, std::string_view argument, const Tensor& tensor) {
  check_defined(op, argument, tensor);
  check(tensor.is_floating_point(), op, "expected ", argument, " to be float32 or float64, got ",
        tensor.dtype());
}

void throw_undefined_argument(std::string_view op, std::string_view argument) {
  throw Error(str(op, ": ", argument, " is an undefined tensor"));
}

}  // namespace detail
}  // namespace tg
