#pragma once
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

/// Flattens dims start_dim..end_dim (by default everything but the batch dim).
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
      : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override {
    out << "Flatten(start_dim=" << start_dim << ", end_dim=" << end_dim << ")";
  }
  std::int64_t start_dim;
  std::int64_t end_dim;
};

using Flatten = ModuleHolder<FlattenImpl>;

}  // namespace tg::nn
