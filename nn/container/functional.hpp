#pragma once
// Functional: a function as a module, e.g. inside a Sequential (libtorch's Functional):
//   Sequential(Linear(2, 3), Functional(tg::relu), Functional(tg::leaky_relu, 0.2))
// Extra arguments are bound after the input.
#include <functional>
#include <utility>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class FunctionalImpl : public Cloneable<FunctionalImpl> {
 public:
  using Function = std::function<Tensor(Tensor)>;

  explicit FunctionalImpl(Function function);
  template <class SomeFunction, class... Args>
  requires(sizeof...(Args) > 0) explicit FunctionalImpl(SomeFunction original_function, Args&&... args)
      : FunctionalImpl(
            Function([function = std::move(original_function), ... bound = std::forward<Args>(args)](
                         Tensor input) -> Tensor { return function(input, bound...); })) {}

  void reset() override {}
  Tensor forward(Tensor input) { return function_(std::move(input)); }
  Tensor operator()(Tensor input) { return forward(std::move(input)); }
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Functional()"; }
  /// A Functional holds no state worth saving.
  bool is_serializable() const override { return false; }

 private:
  Function function_;
};
TG_MODULE(Functional);

}  // namespace tg::nn

#pragma GCC visibility pop
