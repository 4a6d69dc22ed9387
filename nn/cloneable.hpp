#pragma once
// Cloneable<Derived>: gives a module clone(), a deep copy, as libtorch's Cloneable. Derived creates
// its parameters, buffers and submodules in reset() (its constructor calls reset()); clone() copies
// the module, empties its registries, calls reset() to make fresh tensors and children, then copies
// the values in. Gradients are not copied; each parameter keeps its requires_grad flag.
#include <memory>
#include <optional>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/nn/module.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

template <class Derived>
class Cloneable : public Module {
 public:
  using Module::Module;

  /// (Re)creates every parameter, buffer and submodule; called by the constructor and by clone().
  virtual void reset() = 0;

  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override {
    if (device) detail::check_cpu_device("clone", *device);
    NoGradGuard no_grad;
    auto copy = std::make_shared<Derived>(static_cast<const Derived&>(*this));
    copy->parameters_ = {};
    copy->buffers_ = {};
    copy->children_ = {};
    copy->reset();
    copy_tensors("parameters", "register_parameter", parameters_, copy->parameters_);
    copy_tensors("buffers", "register_buffer", buffers_, copy->buffers_);
    check(
        copy->children_.size() == children_.size(), "clone",
        "The cloned module does not have the same number of child modules as the original module after "
        "calling reset(). Are you sure you called register_module() inside reset() and not the constructor?");
    for (const auto& child : children_) {
      std::shared_ptr<Module>* target = copy->children_.find(child.key());
      check(target != nullptr, "clone", "reset() did not register the submodule \"", child.key(), "\"");
      (*target)->clone_(*child.value(), device);
    }
    return copy;
  }

 private:
  static void copy_tensors(const char* what, const char* registration, const OrderedDict<Tensor>& from,
                           OrderedDict<Tensor>& to) {
    check(to.size() == from.size(), "clone", "The cloned module does not have the same number of ", what,
          " as the original module after calling reset(). Are you sure you called ", registration,
          "() inside reset() and not the constructor?");
    for (const auto& item : from) {
      Tensor* target = to.find(item.key());
      check(target != nullptr, "clone", "reset() did not register \"", item.key(), "\"");
      if (!item.value().defined()) {
        *target = Tensor();
        continue;
      }
      target->set_data(item.value().detach().clone());
      if (target->requires_grad() != item.value().requires_grad())
        target->requires_grad_(item.value().requires_grad());
    }
  }

  void clone_(Module& other, const std::optional<Device>& device) final {
    auto clone = std::dynamic_pointer_cast<Derived>(other.clone(device));
    check(clone != nullptr, "clone",
          "Attempted to clone submodule, but it is of a different type than the submodule it was to be "
          "cloned into");
    // Assign into this object: the parent's members (handles to this child) keep pointing at it.
    static_cast<Derived&>(*this) = std::move(*clone);
  }
};

}  // namespace tg::nn

#pragma GCC visibility pop
