#pragma once
// AnyModule: holds any module whose forward takes one to three tensors and returns a Tensor, behind
// one type (libtorch's AnyModule; tapegrad's is limited to tensor arguments and results). Sequential
// and ModuleList-style code store their modules as AnyModule.
#include <array>
#include <concepts>
#include <memory>
#include <optional>
#include <span>
#include <typeinfo>

#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
template <class M>
constexpr int forward_arity() {
  if constexpr (requires(M & m, const Tensor& x) {
                  { m.forward(x) } -> std::convertible_to<Tensor>;
                })
    return 1;
  else if constexpr (requires(M & m, const Tensor& x) {
                       { m.forward(x, x) } -> std::convertible_to<Tensor>;
                     })
    return 2;
  else if constexpr (requires(M & m, const Tensor& x) {
                       { m.forward(x, x, x) } -> std::convertible_to<Tensor>;
                     })
    return 3;
  else
    return 0;
}
}  // namespace detail
#pragma GCC visibility pop

class AnyModule {
 public:
  AnyModule() = default;
  template <class M>
  requires std::derived_from<M, Module>
  explicit AnyModule(std::shared_ptr<M> module) : module_(std::move(module)) {
    static_assert(detail::forward_arity<M>() > 0,
                  "AnyModule needs a module with forward(Tensor[, Tensor[, Tensor]]) returning a Tensor");
    check(module_ != nullptr, "AnyModule", "the module is null");
    arity_ = detail::forward_arity<M>();
    type_ = &typeid(M);
    forward_ = [](Module& m, std::span<const Tensor> args) -> Tensor {
      auto& typed = static_cast<M&>(m);
      constexpr int arity = detail::forward_arity<M>();
      if constexpr (arity == 1)
        return typed.forward(args[0]);
      else if constexpr (arity == 2)
        return typed.forward(args[0], args[1]);
      else
        return typed.forward(args[0], args[1], args[2]);
    };
    clone_ = [](const Module& m, const std::optional<Device>& device) {
      auto copy = std::dynamic_pointer_cast<M>(m.clone(device));
      check(copy != nullptr, "AnyModule::clone", "clone() of ", m.name(), " returned another type");
      return AnyModule(std::move(copy));
    };
  }
  template <class Impl>
  /* implicit */ AnyModule(const ModuleHolder<Impl>& holder) : AnyModule(holder.ptr()) {}

  /// Calls the module's forward with tensor arguments.
  template <class... Args>
  Tensor forward(Args&&... args) const {
    const std::array<Tensor, sizeof...(Args)> tensors{Tensor(std::forward<Args>(args))...};
    check(!is_empty(), "AnyModule::forward", "Cannot call forward() on an empty AnyModule");
    check(static_cast<int>(sizeof...(Args)) == arity_, "AnyModule::forward", module_->name(),
          "'s forward() expects ", arity_, " argument(s), but received ", sizeof...(Args));
    return forward_(*module_, tensors);
  }

  /// A deep copy of the module (see Module::clone).
  AnyModule clone(const std::optional<Device>& device = std::nullopt) const {
    check(!is_empty(), "AnyModule::clone", "Cannot clone an empty AnyModule");
    return clone_(*module_, device);
  }

  /// The module as its concrete type (throws for another type).
  template <class T>
  T& get() const {
    return *ptr<T>();
  }
  const std::shared_ptr<Module>& ptr() const { return module_; }
  template <class T>
  std::shared_ptr<T> ptr() const {
    check(!is_empty(), "AnyModule", "Cannot call ptr() on an empty AnyModule");
    auto typed = std::dynamic_pointer_cast<T>(module_);
    check(typed != nullptr, "AnyModule", "Attempted to cast module of type ", module_->name(), " to type ",
          typeid(T).name());
    return typed;
  }
  const std::type_info& type_info() const { return type_ ? *type_ : typeid(void); }
  bool is_empty() const { return module_ == nullptr; }
  int arity() const { return arity_; }

 private:
  std::shared_ptr<Module> module_;
  int arity_ = 0;
  const std::type_info* type_ = nullptr;
  Tensor (*forward_)(Module&, std::span<const Tensor>) = nullptr;
  AnyModule (*clone_)(const Module&, const std::optional<Device>&) = nullptr;
};

/// A name and a module, to build a Sequential with named entries: Sequential({{"fc", Linear(2, 3)}}).
class NamedAnyModule {
 public:
  template <class M>
  NamedAnyModule(std::string name, std::shared_ptr<M> module)
      : name_(std::move(name)), module_(std::move(module)) {}
  template <class Impl>
  NamedAnyModule(std::string name, const ModuleHolder<Impl>& holder)
      : name_(std::move(name)), module_(holder.ptr()) {}
  NamedAnyModule(std::string name, AnyModule module) : name_(std::move(name)), module_(std::move(module)) {}
  const std::string& name() const { return name_; }
  const AnyModule& module() const { return module_; }

 private:
  std::string name_;
  AnyModule module_;
};

}  // namespace tg::nn

#pragma GCC visibility pop
