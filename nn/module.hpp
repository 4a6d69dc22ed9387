#pragma once
// Module: the base of every layer and model. It owns named parameters, buffers and submodules,
// which gives parameters() with dotted names ("encoder.fc1.bias"), train()/eval(), zero_grad()
// and printing. Users hold modules through ModuleHolder handles (module_holder.hpp).
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/ordered_dict.hpp>

namespace tg::nn {

template <class Impl>
class ModuleHolder;

class Module : public std::enable_shared_from_this<Module> {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The class name without "Impl", e.g. "Linear".
  virtual std::string name() const;
  /// One line describing this module's own configuration, e.g. "Linear(in_features=2, ...)".
  virtual void pretty_print(std::ostream& out) const;

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
  ModuleHolder<Impl> register_module(std::string name, ModuleHolder<Impl> holder) {
    add_child(std::move(name), holder.ptr());
    return holder;
  }

  tensor_list parameters(bool recurse = true) const;
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;
  tensor_list buffers(bool recurse = true) const;
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const OrderedDict<std::shared_ptr<Module>>& named_children() const { return children_; }
  /// This module (if include_self) and every descendant, depth first.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true);

  /// Switches this module and its descendants to training (or evaluation) mode.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return is_training_; }

  /// Clears every parameter's gradient (undefined when set_to_none, else zero-filled).
  void zero_grad(bool set_to_none = true);
  /// Number of parameter elements (all, or only those that require grad).
  std::int64_t parameter_count(bool trainable_only = false) const;
  /// Converts every parameter and buffer to `dtype` in place (handles held elsewhere see the change).
  void to(Dtype dtype);
  /// libtorch's `module->to(device)`: a no-op for the CPU; any other device throws tg::Error (tapegrad
  /// runs on CPU only).
  void to(Device device, bool non_blocking = false);
  void to(Device device, Dtype dtype, bool non_blocking = false);

 private:
  void add_child(std::string name, std::shared_ptr<Module> child);
  void collect(const std::string& prefix, bool parameters, bool recurse, OrderedDict<Tensor>& out) const;
  void print(std::ostream& out, int indent) const;
  friend std::ostream& operator<<(std::ostream& out, const Module& module);

  OrderedDict<Tensor> parameters_;
  OrderedDict<Tensor> buffers_;
  OrderedDict<std::shared_ptr<Module>> children_;
  bool is_training_ = true;
};

/// Prints the module tree (each line with its parameter count) and the total.
std::ostream& operator<<(std::ostream& out, const Module& module);

}  // namespace tg::nn
