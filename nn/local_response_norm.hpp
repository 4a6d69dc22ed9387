#pragma once
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/normalization.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// LocalResponseNorm(size): functional::local_response_norm across channels; no parameters.
class LocalResponseNormImpl : public Cloneable<LocalResponseNormImpl> {
 public:
  explicit LocalResponseNormImpl(std::int64_t size) : LocalResponseNormImpl(LocalResponseNormOptions(size)) {}
  explicit LocalResponseNormImpl(const LocalResponseNormOptions& options);
  void reset() override;
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;

  LocalResponseNormOptions options;
};
TG_MODULE(LocalResponseNorm);

}  // namespace tg::nn

#pragma GCC visibility pop
