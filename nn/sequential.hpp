#pragma once
// Sequential: runs its modules in order, as libtorch's. Built from layers, optionally named:
//   tg::nn::Sequential net(tg::nn::Linear(784, 128), tg::nn::ReLU(), tg::nn::Linear(128, 10));
//   tg::nn::Sequential named({{"fc1", tg::nn::Linear(2, 3)}, {"act", tg::nn::ReLU()}});
// It stores the shared modules it is given (no copies); unnamed children are named "0", "1", ...
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/container/any.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class SequentialImpl : public Cloneable<SequentialImpl> {
 public:
  using Iterator = std::vector<AnyModule>::iterator;
  using ConstIterator = std::vector<AnyModule>::const_iterator;

  SequentialImpl() = default;
  template <class... Modules>
  requires(sizeof...(Modules) > 0) explicit SequentialImpl(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
  }
  explicit SequentialImpl(std::initializer_list<NamedAnyModule> named_modules);
  explicit SequentialImpl(const OrderedDict<AnyModule>& ordered_dict);

  /// Clones every module (keeping their names).
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void reset() override {}

  /// Appends a module (a handle, a shared_ptr or an AnyModule), optionally under a name.
  template <class M>
  void push_back(M&& module) {
    push_back(std::to_string(modules_.size()), std::forward<M>(module));
  }
  template <class Impl>
  void push_back(std::string name, const ModuleHolder<Impl>& module) {
    push_back(std::move(name), AnyModule(module.ptr()));
  }
  template <class M>
  void push_back(std::string name, std::shared_ptr<M> module) {
    push_back(std::move(name), AnyModule(std::move(module)));
  }
  void push_back(std::string name, AnyModule module);
  /// Appends every module of another Sequential (or any range of modules).
  template <class Container>
  void extend(const Container& container) {
    for (const auto& module : container) push_back(module);
  }
  void extend(const SequentialImpl& other) {
    for (const AnyModule& module : other) push_back(module);
  }

  /// Runs the first module on `inputs`, every next one on the previous result.
  template <class... Inputs>
  Tensor forward(Inputs&&... inputs) {
    check(!is_empty(), "Sequential", "Cannot call forward() on an empty Sequential");
    Tensor x = run_step(0, [&](const AnyModule& m) { return m.forward(std::forward<Inputs>(inputs)...); });
    for (std::size_t i = 1; i < modules_.size(); ++i)
      x = run_step(i, [&x](const AnyModule& m) { return m.forward(x); });
    return x;
  }

  std::size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  Iterator begin() { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator begin() const { return modules_.begin(); }
  ConstIterator end() const { return modules_.end(); }
  std::shared_ptr<Module> operator[](std::size_t index) const { return ptr(index); }
  std::shared_ptr<Module> ptr(std::size_t index) const;
  /// The module at `index` as its concrete type (throws if it is another type).
  template <class T>
  std::shared_ptr<T> ptr(std::size_t index) const {
    return checked(index).ptr<T>();
  }
  template <class T>
  T& at(std::size_t index) const {
    return checked(index).get<T>();
  }
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Sequential"; }

 private:
  const AnyModule& checked(std::size_t index) const;
  Tensor run_step(std::size_t index, const std::function<Tensor(const AnyModule&)>& step) const;

  std::vector<AnyModule> modules_;
  std::vector<std::string> names_;
};

class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  using Impl = SequentialImpl;
  Sequential() : ModuleHolder() {}
  /// Sequential({{"fc1", Linear(2, 3)}, {"relu", ReLU()}}).
  Sequential(std::initializer_list<NamedAnyModule> named_modules)
      : ModuleHolder(std::make_shared<SequentialImpl>(named_modules)) {}
};

/// An MLP in -> hidden... -> out: Linear layers with `activation` ("relu", "tanh", "sigmoid", "gelu",
/// "silu", "leaky_relu") between them, none after the last.
Sequential MLP(std::int64_t in_features, const std::vector<std::int64_t>& hidden, std::int64_t out_features,
               const std::string& activation = "relu");

}  // namespace tg::nn

#pragma GCC visibility pop
