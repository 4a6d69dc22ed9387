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

/// Dropout2d(p): zeroes whole channels of [N, C, H, W] (or unbatched [C, H, W]) input in training mode
/// (see functional::dropout2d); identity in evaluation.
class Dropout2dImpl : public Cloneable<Dropout2dImpl> {
 public:
  explicit Dropout2dImpl(double p) : Dropout2dImpl(Dropout2dOptions(p)) {}
  explicit Dropout2dImpl(const Dropout2dOptions& options = {});
  void reset() override;
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  Dropout2dOptions options;
};
TG_MODULE(Dropout2d);

/// Dropout3d(p): Dropout2d for [N, C, D, H, W] (or unbatched [C, D, H, W]) input.
class Dropout3dImpl : public Cloneable<Dropout3dImpl> {
 public:
  explicit Dropout3dImpl(double p) : Dropout3dImpl(Dropout3dOptions(p)) {}
  explicit Dropout3dImpl(const Dropout3dOptions& options = {});
  void reset() override;
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  Dropout3dOptions options;
};
TG_MODULE(Dropout3d);

/// FeatureAlphaDropout(p): functional::feature_alpha_dropout in training mode, identity in evaluation.
class FeatureAlphaDropoutImpl : public Cloneable<FeatureAlphaDropoutImpl> {
 public:
  explicit FeatureAlphaDropoutImpl(double p) : FeatureAlphaDropoutImpl(FeatureAlphaDropoutOptions(p)) {}
  explicit FeatureAlphaDropoutImpl(const FeatureAlphaDropoutOptions& options = {});
  void reset() override;
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  FeatureAlphaDropoutOptions options;
};
TG_MODULE(FeatureAlphaDropout);

}  // namespace tg::nn

#pragma GCC visibility pop
