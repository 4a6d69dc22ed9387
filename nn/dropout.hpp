#pragma once
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/dropout.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// Dropout(p): active only in training mode (see functional::dropout).
class DropoutImpl : public Cloneable<DropoutImpl> {
 public:
  explicit DropoutImpl(double p) : DropoutImpl(DropoutOptions(p)) {}
  explicit DropoutImpl(const DropoutOptions& options = {});
  void reset() override;
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  DropoutOptions options;
};
TG_MODULE(Dropout);

/// AlphaDropout(p): functional::alpha_dropout in training mode, identity in evaluation.
class AlphaDropoutImpl : public Cloneable<AlphaDropoutImpl> {
 public:
  explicit AlphaDropoutImpl(double p) : AlphaDropoutImpl(AlphaDropoutOptions(p)) {}
  explicit AlphaDropoutImpl(const AlphaDropoutOptions& options = {});
  void reset() override;
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  AlphaDropoutOptions options;
};
TG_MODULE(AlphaDropout);

}  // namespace tg::nn

#pragma GCC visibility pop
