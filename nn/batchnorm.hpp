#pragma once
#include <cstddef>

#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/init.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/batchnorm.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// What BatchNorm and InstanceNorm modules share (libtorch's NormImplBase): parameters weight (ones) and
/// bias (zeros) when options.affine(); buffers running_mean (zeros), running_var (ones) and
/// num_batches_tracked (int64 0-d) when options.track_running_stats(), under PyTorch's state_dict names.
/// D is the number of trailing dims of a batched input ([N, C] counts as D = 1 like [N, C, L]).
template <std::size_t D, class Derived, class DerivedOptions>
class NormImplBase : public Cloneable<Derived> {
 public:
  explicit NormImplBase(const DerivedOptions& options) : options(options) { NormImplBase::reset(); }

  void reset() override {
    const std::int64_t features = options.num_features();
    if (options.affine()) {
      weight = this->register_parameter("weight", tg::empty({features}));
      bias = this->register_parameter("bias", tg::empty({features}));
    } else {
      weight = Tensor();
      bias = Tensor();
    }
    if (options.track_running_stats()) {
      running_mean = this->register_buffer("running_mean", tg::zeros({features}));
      running_var = this->register_buffer("running_var", tg::ones({features}));
      num_batches_tracked = this->register_buffer("num_batches_tracked", tg::zeros({}, kInt64));
    } else {
      running_mean = Tensor();
      running_var = Tensor();
      num_batches_tracked = Tensor();
    }
    reset_parameters();
  }

  /// running_mean = 0, running_var = 1, num_batches_tracked = 0 (in place, when tracked).
  void reset_running_stats() {
    if (!options.track_running_stats()) return;
    NoGradGuard no_grad;
    running_mean.zero_();
    running_var.fill_(1);
    num_batches_tracked.zero_();
  }

  /// reset_running_stats(), then weight = 1 and bias = 0 (when affine).
  void reset_parameters() {
    reset_running_stats();
    if (!options.affine()) return;
    init::ones_(weight);
    init::zeros_(bias);
  }

  DerivedOptions options;
  Tensor weight;
  Tensor bias;
  Tensor running_mean;
  Tensor running_var;
  Tensor num_batches_tracked;

 protected:
  /// Throws tg::Error when input's rank does not suit the module.
  virtual void _check_input_dim(const Tensor& input) const = 0;
};

/// BatchNorm1d/2d/3d: in training mode (or without running statistics) the batch's per-channel mean and
/// variance normalize the input and update the running statistics; in evaluation mode the running
/// statistics do. See tg::batch_norm.
template <std::size_t D, class Derived>
class BatchNormImplBase : public NormImplBase<D, Derived, BatchNormOptions> {
 public:
  using NormImplBase<D, Derived, BatchNormOptions>::NormImplBase;
  Tensor forward(const Tensor& input);
  /// libtorch's "torch::nn::BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)".
  void pretty_print(std::ostream& out) const override;
};

/// BatchNorm over [N, C] or [N, C, L] input.
class BatchNorm1dImpl : public BatchNormImplBase<1, BatchNorm1dImpl> {
 public:
  using BatchNormImplBase<1, BatchNorm1dImpl>::BatchNormImplBase;

 protected:
  void _check_input_dim(const Tensor& input) const override;
};
TG_MODULE(BatchNorm1d);

/// BatchNorm over [N, C, H, W] input.
class BatchNorm2dImpl : public BatchNormImplBase<2, BatchNorm2dImpl> {
 public:
  using BatchNormImplBase<2, BatchNorm2dImpl>::BatchNormImplBase;

 protected:
  void _check_input_dim(const Tensor& input) const override;
};
TG_MODULE(BatchNorm2d);

/// BatchNorm over [N, C, D, H, W] input.
class BatchNorm3dImpl : public BatchNormImplBase<3, BatchNorm3dImpl> {
 public:
  using BatchNormImplBase<3, BatchNorm3dImpl>::BatchNormImplBase;

 protected:
  void _check_input_dim(const Tensor& input) const override;
};
TG_MODULE(BatchNorm3d);

extern template class BatchNormImplBase<1, BatchNorm1dImpl>;
extern template class BatchNormImplBase<2, BatchNorm2dImpl>;
extern template class BatchNormImplBase<3, BatchNorm3dImpl>;

}  // namespace tg::nn

#pragma GCC visibility pop
