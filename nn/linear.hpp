#pragma once
// Linear: y = x·Wᵀ + b with the fused tg::linear op; PyTorch's names, shapes and default init.
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

struct LinearOptions {
  LinearOptions(std::int64_t in_features, std::int64_t out_features)
      : in_features(in_features), out_features(out_features) {}
  LinearOptions& bias(bool with_bias) {
    this->with_bias = with_bias;
    return *this;
  }
  std::int64_t in_features;
  std::int64_t out_features;
  bool with_bias = true;
};

class LinearImpl : public Module {
 public:
  LinearImpl(std::int64_t in_features, std::int64_t out_features)
      : LinearImpl(LinearOptions(in_features, out_features)) {}
  explicit LinearImpl(const LinearOptions& options);

  Tensor forward(const Tensor& input);
  /// PyTorch's default: weight kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(in), 1/sqrt(in)).
  void reset_parameters();
  void pretty_print(std::ostream& out) const override;

  LinearOptions options;
  Tensor weight;  // [out_features, in_features]
  Tensor bias;    // [out_features], undefined without bias
};

using Linear = ModuleHolder<LinearImpl>;

}  // namespace tg::nn
