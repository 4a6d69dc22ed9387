#pragma once
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

/// Returns its input (a placeholder, e.g. to switch a layer off in a Sequential).
class IdentityImpl : public Module {
 public:
  Tensor forward(const Tensor& input) { return input; }
  void pretty_print(std::ostream& out) const override { out << "Identity()"; }
};

using Identity = ModuleHolder<IdentityImpl>;

}  // namespace tg::nn
