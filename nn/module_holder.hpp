#pragma once
// ModuleHolder<Impl>: the shared handle users hold, as libtorch's module holders
// (tg::nn::Linear fc(784, 128); fc->weight; fc(x)). Copies share one module, so a module can be
// registered in a parent and used elsewhere without a copy. One template serves every module.
#include <concepts>
#include <cstddef>
#include <memory>
#include <ostream>
#include <type_traits>

#include <tapegrad/autograd/core/error.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

template <class Impl>
class ModuleHolder {
 public:
  using ContainedType = Impl;

  /// Default-constructs the module (when Impl has a default constructor).
  ModuleHolder() requires std::default_initializable<Impl> : impl_(std::make_shared<Impl>()) {}
  /// An empty handle, to be assigned later.
  ModuleHolder(std::nullptr_t) {}
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  /// Builds the module from Impl's constructor arguments.
  template <class First, class... Rest>
  requires(!std::is_same_v<std::remove_cvref_t<First>, ModuleHolder> &&
           !std::is_same_v<std::remove_cvref_t<First>, std::nullptr_t> &&
           !std::is_same_v<std::remove_cvref_t<First>, std::shared_ptr<Impl>> &&
           std::constructible_from<Impl, First, Rest...>) explicit ModuleHolder(First&& first, Rest&&... rest)
      : impl_(std::make_shared<Impl>(std::forward<First>(first), std::forward<Rest>(rest)...)) {}

  Impl* operator->() const { return checked(); }
  Impl& operator*() const { return *checked(); }
  Impl* get() const { return impl_.get(); }
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  bool is_empty() const { return impl_ == nullptr; }

  /// Forwards to the module's operator[] (Sequential, ModuleList, ParameterDict, ...).
  template <class Arg>
  decltype(auto) operator[](Arg&& arg) const {
    return (*checked())[std::forward<Arg>(arg)];
  }

  /// Calls the module's forward.
  template <class... Args>
  decltype(auto) operator()(Args&&... args) const {
    return checked()->forward(std::forward<Args>(args)...);
  }

 private:
  Impl* checked() const {
    check(impl_ != nullptr, "module", "this module handle is empty (constructed from nullptr)");
    return impl_.get();
  }
  std::shared_ptr<Impl> impl_;
};

template <class Impl>
std::ostream& operator<<(std::ostream& out, const ModuleHolder<Impl>& module) {
  return out << *module;
}

}  // namespace tg::nn

// libtorch's TORCH_MODULE: TG_MODULE(Linear) declares `class Linear`, the handle of LinearImpl, with
// ModuleHolder's constructors. A macro because it declares a named class (no function can).
#define TG_MODULE_IMPL(Name, ImplType)                    \
  class Name : public ::tg::nn::ModuleHolder<ImplType> {  \
   public:                                                \
    using ::tg::nn::ModuleHolder<ImplType>::ModuleHolder; \
    using Impl = ImplType;                                \
  }
#define TG_MODULE(Name) TG_MODULE_IMPL(Name, Name##Impl)

#pragma GCC visibility pop
