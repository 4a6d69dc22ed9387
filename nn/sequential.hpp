#pragma once
// Sequential: runs its modules in order. Built directly from layers, as in libtorch:
//   tg::nn::Sequential net(tg::nn::Linear(784, 128), tg::nn::ReLU(), tg::nn::Linear(128, 10));
// It stores the shared modules it is given (no copies); children are named "0", "1", ...
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

class SequentialImpl : public Module {
 public:
  template <class... Modules>
  explicit SequentialImpl(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
  }

  /// Appends a module (a handle or a shared_ptr to a module with forward(const Tensor&)).
  template <class Impl>
  void push_back(const ModuleHolder<Impl>& module) {
    push_back(std::to_string(steps_.size()), module.ptr());
  }
  template <class Impl>
  void push_back(std::shared_ptr<Impl> module) {
    push_back(std::to_string(steps_.size()), std::move(module));
  }
  template <class Impl>
  void push_back(std::string name, const ModuleHolder<Impl>& module) {
    push_back(std::move(name), module.ptr());
  }
  template <class Impl>
  void push_back(std::string name, std::shared_ptr<Impl> module) {
    Impl* raw = module.get();
    register_module(name, module);
    steps_.push_back({std::move(name), module, [raw](const Tensor& x) { return raw->forward(x); }});
  }

  Tensor forward(const Tensor& input);
  std::size_t size() const { return steps_.size(); }
  bool is_empty() const { return steps_.empty(); }
  std::shared_ptr<Module> operator[](std::size_t index) const;
  /// The module at `index` as its concrete type (throws if it is another type).
  template <class Impl>
  std::shared_ptr<Impl> at(std::size_t index) const {
    auto typed = std::dynamic_pointer_cast<Impl>((*this)[index]);
    check(typed != nullptr, "Sequential", "module ", index, " is a ", (*this)[index]->name(),
          ", not the requested type");
    return typed;
  }
  void pretty_print(std::ostream& out) const override { out << "Sequential"; }

 private:
  struct Step {
    std::string name;
    std::shared_ptr<Module> module;
    std::function<Tensor(const Tensor&)> forward;
  };
  std::vector<Step> steps_;
};

using Sequential = ModuleHolder<SequentialImpl>;

/// An MLP in -> hidden... -> out: Linear layers with `activation` ("relu", "tanh", "sigmoid", "gelu",
/// "silu", "leaky_relu") between them, none after the last.
Sequential MLP(std::int64_t in_features, const std::vector<std::int64_t>& hidden, std::int64_t out_features,
               const std::string& activation = "relu");

}  // namespace tg::nn
