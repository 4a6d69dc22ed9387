#pragma once
// Module: the base of every layer and model. It owns named parameters, buffers and submodules,
// which gives parameters() with dotted names ("encoder.fc1.bias"), train()/eval(), zero_grad()
// and printing. Users hold modules through ModuleHolder handles (module_holder.hpp).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/ordered_dict.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

template <class Impl>
class ModuleHolder;

class Module : public std::enable_shared_from_this<Module> {
 public:
  using ModuleApplyFunction = std::function<void(Module&)>;
  using ConstModuleApplyFunction = std::function<void(const Module&)>;
  using NamedModuleApplyFunction = std::function<void(const std::string&, Module&)>;
  using ConstNamedModuleApplyFunction = std::function<void(const std::string&, const Module&)>;
  using ModulePointerApplyFunction = std::function<void(const std::shared_ptr<Module>&)>;
  using NamedModulePointerApplyFunction =
      std::function<void(const std::string&, const std::shared_ptr<Module>&)>;

  Module() = default;
  /// Names the module explicitly (otherwise name() is derived from its type, as in libtorch).
  explicit Module(std::string name) : name_(std::move(name)) {}
  virtual ~Module() = default;

  /// libtorch's name: the given name, else the demangled type name with tapegrad's "tg::" spelled
  /// "torch::" (built-ins read "torch::nn::LinearImpl", a user's module "NetImpl").
  const std::string& name() const;
  /// This module's own line of `std::cout << module`; libtorch's strings exactly, e.g.
  /// "torch::nn::Linear(in_features=2, out_features=3, bias=true)". The default prints name().
  virtual void pretty_print(std::ostream& out) const;
  /// A deep copy: parameters and buffers are copied (not shared), gradients are not. Only modules
  /// deriving from Cloneable<Derived> can be cloned; `device` must be the CPU (tapegrad's only device).
  virtual std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const;
  /// Whether checkpoints should include this module (true unless overridden).
  virtual bool is_serializable() const { return true; }

  /// Calls `function` on this module, then on every descendant (depth first, registration order).
  void apply(const ModuleApplyFunction& function);
  void apply(const ConstModuleApplyFunction& function) const;
  /// As above, with each module's dotted name ("" for this one, or name_prefix).
  void apply(const NamedModuleApplyFunction& function, const std::string& name_prefix = std::string());
  void apply(const ConstNamedModuleApplyFunction& function,
             const std::string& name_prefix = std::string()) const;
  /// As above, with shared pointers (this module must itself be held by a shared_ptr).
  void apply(const ModulePointerApplyFunction& function) const;
  void apply(const NamedModulePointerApplyFunction& function,
             const std::string& name_prefix = std::string()) const;

  /// Registers a parameter (marked requires_grad when asked) under `name`; returns the stored handle.
  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  /// Registers a tensor that is saved and moved with the module but not trained (e.g. running stats).
  Tensor& register_buffer(std::string name, Tensor tensor);
  /// Registers a submodule; its parameters appear as "<name>.<parameter>".
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    add_child(std::move(name), module);
    return module;
  }
  template <class Impl>
  std::shared_ptr<Impl> register_module(std::string name, ModuleHolder<Impl> holder) {
    add_child(std::move(name), holder.ptr());
    return holder.ptr();
  }
  /// Removes the submodule registered as `name`.
  void unregister_module(const std::string& name);
  /// Replaces the submodule registered as `name` (libtorch's replace_module).
  template <class M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    replace_child(name, module);
    return module;
  }
  template <class Impl>
  std::shared_ptr<Impl> replace_module(const std::string& name, ModuleHolder<Impl> holder) {
    return replace_module(name, holder.ptr());
  }

  /// This module as `T` (an Impl or a handle type such as Linear), or nullptr if it is another type.
  template <class T>
  auto* as() noexcept {
    if constexpr (requires { typename T::ContainedType; })
      return dynamic_cast<typename T::ContainedType*>(this);
    else
      return dynamic_cast<T*>(this);
  }
  template <class T>
  const auto* as() const noexcept {
    if constexpr (requires { typename T::ContainedType; })
      return dynamic_cast<const typename T::ContainedType*>(this);
    else
      return dynamic_cast<const T*>(this);
  }

  tensor_list parameters(bool recurse = true) const;
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;
  tensor_list buffers(bool recurse = true) const;
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const OrderedDict<std::shared_ptr<Module>>& named_children() const { return children_; }
  /// This module (if include_self) and every descendant, depth first.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  /// As modules(), keyed by dotted name: this module is "" (or name_prefix), children "fc1", "enc.fc1".
  OrderedDict<std::shared_ptr<Module>> named_modules(const std::string& name_prefix = std::string(),
                                                     bool include_self = true) const;

  /// Switches this module and its descendants to training (or evaluation) mode.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return is_training_; }

  /// Clears every parameter's gradient as libtorch 1.13: detached and zero-filled, or undefined
  /// with set_to_none = true (PyTorch 2.x's default).
  void zero_grad(bool set_to_none = false);
  /// Number of parameter elements (all, or only those that require grad).
  std::int64_t parameter_count(bool trainable_only = false) const;
  /// Converts every parameter and buffer to `dtype` in place (handles held elsewhere see the change).
  void to(Dtype dtype);
  /// libtorch's `module->to(device)`: a no-op for the CPU; any other device throws tg::Error (tapegrad
  /// runs on CPU only).
  void to(Device device, bool non_blocking = false);
  void to(Device device, Dtype dtype, bool non_blocking = false);

 protected:
  // Copies share tensors and children; Cloneable copies, then re-creates them through reset().
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // Protected as in libtorch, for ParameterList and ParameterDict.
  OrderedDict<Tensor> parameters_;

 private:
  template <class Derived>
  friend class Cloneable;

  /// Makes this module a deep copy of `other` (a module of the same type); Cloneable implements it.
  virtual void clone_(Module& other, const std::optional<Device>& device);
  std::shared_ptr<Module> shared_from_this_checked() const;
  void visit(const std::string& prefix, const NamedModulePointerApplyFunction& function) const;
  void add_child(std::string name, std::shared_ptr<Module> child);
  void replace_child(const std::string& name, std::shared_ptr<Module> child);
  void collect(const std::string& prefix, bool parameters, bool recurse, OrderedDict<Tensor>& out) const;
  void print(std::ostream& out, const std::string& indentation) const;
  friend std::ostream& operator<<(std::ostream& out, const Module& module);

  mutable std::optional<std::string> name_;
  OrderedDict<Tensor> buffers_;
  OrderedDict<std::shared_ptr<Module>> children_;
  bool is_training_ = true;
};

/// Prints the module tree exactly as libtorch does (users diff logs between the two):
///   torch::nn::Sequential(
///     (0): torch::nn::Linear(in_features=784, out_features=128, bias=true)
///     (1): torch::nn::ReLU()
///   )
std::ostream& operator<<(std::ostream& out, const Module& module);
/// tapegrad's addition: the same tree with each leaf's parameter count, then the total
/// ("parameters: 101,770", with "(trainable: N)" when some are frozen).
std::string summary(const Module& module);

}  // namespace tg::nn

#pragma GCC visibility pop
