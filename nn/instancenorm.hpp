#pragma once
#include <tapegrad/nn/batchnorm.hpp>
#include <tapegrad/nn/options/instancenorm.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// InstanceNorm1d/2d/3d: each (sample, channel) normalized over its trailing dims (see tg::instance_norm);
/// with track_running_stats, evaluation mode uses the running statistics instead. An input with D + 1 dims
/// is one unbatched sample.
template <std::size_t D, class Derived>
class InstanceNormImpl : public NormImplBase<D, Derived, InstanceNormOptions> {
 public:
  using NormImplBase<D, Derived, InstanceNormOptions>::NormImplBase;
  Tensor forward(const Tensor& input);
  /// libtorch's "torch::nn::InstanceNorm2d(64, eps=1e-05, momentum=0.1, affine=false,
  /// track_running_stats=false)".
  void pretty_print(std::ostream& out) const override;
};

/// InstanceNorm over [N, C, L] (or unbatched [C, L]) input.
class InstanceNorm1dImpl : public InstanceNormImpl<1, InstanceNorm1dImpl> {
 public:
  using InstanceNormImpl<1, InstanceNorm1dImpl>::InstanceNormImpl;

 protected:
  void _check_input_dim(const Tensor& input) const override;
};
TG_MODULE(InstanceNorm1d);

/// InstanceNorm over [N, C, H, W] (or unbatched [C, H, W]) input.
class InstanceNorm2dImpl : public InstanceNormImpl<2, InstanceNorm2dImpl> {
 public:
  using InstanceNormImpl<2, InstanceNorm2dImpl>::InstanceNormImpl;

 protected:
  void _check_input_dim(const Tensor& input) const override;
};
TG_MODULE(InstanceNorm2d);

/// InstanceNorm over [N, C, D, H, W] (or unbatched [C, D, H, W]) input.
class InstanceNorm3dImpl : public InstanceNormImpl<3, InstanceNorm3dImpl> {
 public:
  using InstanceNormImpl<3, InstanceNorm3dImpl>::InstanceNormImpl;

 protected:
  void _check_input_dim(const Tensor& input) const override;
};
TG_MODULE(InstanceNorm3d);

extern template class InstanceNormImpl<1, InstanceNorm1dImpl>;
extern template class InstanceNormImpl<2, InstanceNorm2dImpl>;
extern template class InstanceNormImpl<3, InstanceNorm3dImpl>;

}  // namespace tg::nn

#pragma GCC visibility pop
