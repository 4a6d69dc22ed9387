#pragma once
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// Returns its input (a placeholder, e.g. to switch a layer off in a Sequential).
class IdentityImpl : public Cloneable<IdentityImpl> {
 public:
  void reset() override {}
  Tensor forward(const Tensor& input) { return input; }
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Identity()"; }
};
TG_MODULE(Identity);

}  // namespace tg::nn

#pragma GCC visibility pop
