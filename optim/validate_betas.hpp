#pragma once
// The constructor checks the Adam family shares (PyTorch's messages): lr, eps, betas and weight_decay.
#include <string_view>

#include <tapegrad/autograd/core/error.hpp>

namespace tg::optim::detail {

template <class Options>
void validate_betas_eps_decay(const Options& options) {
  const std::string_view name = options.optimizer_name();
  const auto [beta1, beta2] = options.betas();
  check(options.lr() >= 0, name, "Invalid learning rate: ", options.lr(), " (it must be >= 0)");
  check(options.eps() >= 0, name, "Invalid epsilon value: ", options.eps(), " (it must be >= 0)");
  check(beta1 >= 0 && beta1 < 1, name, "Invalid beta parameter at index 0: ", beta1,
        " (it must be in [0, 1))");
  check(beta2 >= 0 && beta2 < 1, name, "Invalid beta parameter at index 1: ", beta2,
        " (it must be in [0, 1))");
  check(options.weight_decay() >= 0, name, "Invalid weight_decay value: ", options.weight_decay(),
        " (it must be >= 0)");
}

}  // namespace tg::optim::detail
