#pragma once
// Linear (y = x·Wᵀ + b) and Bilinear (y = x1ᵀ·A·x2 + b), with PyTorch's names, shapes and default init.
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/linear.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class LinearImpl : public Cloneable<LinearImpl> {
 public:
  LinearImpl(std::int64_t in_features, std::int64_t out_features)
      : LinearImpl(LinearOptions(in_features, out_features)) {}
  explicit LinearImpl(const LinearOptions& options);

  void reset() override;
  Tensor forward(const Tensor& input);
  /// PyTorch's default: weight kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(in), 1/sqrt(in)).
  void reset_parameters();
  void pretty_print(std::ostream& out) const override;

  LinearOptions options;
  Tensor weight;  // [out_features, in_features]
  Tensor bias;    // [out_features], undefined without bias
};
TG_MODULE(Linear);

class BilinearImpl : public Cloneable<BilinearImpl> {
 public:
  BilinearImpl(std::int64_t in1_features, std::int64_t in2_features, std::int64_t out_features)
      : BilinearImpl(BilinearOptions(in1_features, in2_features, out_features)) {}
  explicit BilinearImpl(const BilinearOptions& options);

  void reset() override;
  Tensor forward(const Tensor& input1, const Tensor& input2);
  /// PyTorch's default: weight and bias U(-1/sqrt(in1), 1/sqrt(in1)).
  void reset_parameters();
  void pretty_print(std::ostream& out) const override;

  BilinearOptions options;
  Tensor weight;  // [out_features, in1_features, in2_features]
  Tensor bias;    // [out_features], undefined without bias
};
TG_MODULE(Bilinear);

}  // namespace tg::nn

#pragma GCC visibility pop
