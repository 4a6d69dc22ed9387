#pragma once
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

/// Dropout(p): active only in training mode (see functional::dropout).
class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p = 0.5);
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "Dropout(p=" << p << ")"; }
  double p;
};

using Dropout = ModuleHolder<DropoutImpl>;

}  // namespace tg::nn
