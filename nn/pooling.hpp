#pragma once
// libtorch's pooling layers (torch/nn/modules/pooling.h): MaxPoolNd (forward_with_indices), AvgPoolNd,
// AdaptiveMaxPoolNd, AdaptiveAvgPoolNd and MaxUnpoolNd for N = 1, 2, 3. They hold no parameters.
#include <optional>
#include <ostream>
#include <tuple>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/pooling.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

namespace detail {
// Sizes as libtorch prints options: one value for 1-d layers, "[a, b]" otherwise, None for a missing size.
template <class T>
void print_pool_size(std::ostream& out, const T& value) {
  out << value;
}
template <class T>
void print_pool_size(std::ostream& out, const std::optional<T>& value) {
  if (value)
    out << *value;
  else
    out << "None";
}
template <std::size_t D, class T>
void print_pool_sizes(std::ostream& out, const ExpandingArray<D, T>& sizes) {
  if (D == 1) return print_pool_size(out, (*sizes)[0]);
  out << '[';
  for (std::size_t i = 0; i < D; ++i) {
    if (i) out << ", ";
    print_pool_size(out, (*sizes)[i]);
  }
  out << ']';
}
}  // namespace detail

template <std::size_t D, class Derived>
class AvgPoolImpl : public Cloneable<Derived> {
 public:
  AvgPoolImpl(ExpandingArray<D> kernel_size) : AvgPoolImpl(AvgPoolOptions<D>(kernel_size)) {}
  explicit AvgPoolImpl(const AvgPoolOptions<D>& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::AvgPool" << D << "d(kernel_size=";
    detail::print_pool_sizes(out, options.kernel_size());
    out << ", stride=";
    detail::print_pool_sizes(out, options.stride());
    out << ", padding=";
    detail::print_pool_sizes(out, options.padding());
    out << ")";
  }
  AvgPoolOptions<D> options;
};

template <std::size_t D, class Derived>
class MaxPoolImpl : public Cloneable<Derived> {
 public:
  MaxPoolImpl(ExpandingArray<D> kernel_size) : MaxPoolImpl(MaxPoolOptions<D>(kernel_size)) {}
  explicit MaxPoolImpl(const MaxPoolOptions<D>& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::MaxPool" << D << "d(kernel_size=";
    detail::print_pool_sizes(out, options.kernel_size());
    out << ", stride=";
    detail::print_pool_sizes(out, options.stride());
    out << ", padding=";
    detail::print_pool_sizes(out, options.padding());
    out << ", dilation=";
    detail::print_pool_sizes(out, options.dilation());
    out << ", ceil_mode=" << (options.ceil_mode() ? "true" : "false") << ")";
  }
  MaxPoolOptions<D> options;
};

template <std::size_t D, class output_size_t, class Derived>
class AdaptiveMaxPoolImpl : public Cloneable<Derived> {
 public:
  AdaptiveMaxPoolImpl(output_size_t output_size)
      : AdaptiveMaxPoolImpl(AdaptiveMaxPoolOptions<output_size_t>(output_size)) {}
  explicit AdaptiveMaxPoolImpl(const AdaptiveMaxPoolOptions<output_size_t>& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::AdaptiveMaxPool" << D << "d(output_size=";
    detail::print_pool_sizes(out, options.output_size());
    out << ")";
  }
  AdaptiveMaxPoolOptions<output_size_t> options;
};

template <std::size_t D, class output_size_t, class Derived>
class AdaptiveAvgPoolImpl : public Cloneable<Derived> {
 public:
  AdaptiveAvgPoolImpl(output_size_t output_size)
      : AdaptiveAvgPoolImpl(AdaptiveAvgPoolOptions<output_size_t>(output_size)) {}
  explicit AdaptiveAvgPoolImpl(const AdaptiveAvgPoolOptions<output_size_t>& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::AdaptiveAvgPool" << D << "d(output_size=";
    detail::print_pool_sizes(out, options.output_size());
    out << ")";
  }
  AdaptiveAvgPoolOptions<output_size_t> options;
};

template <std::size_t D, class Derived>
class MaxUnpoolImpl : public Cloneable<Derived> {
 public:
  MaxUnpoolImpl(ExpandingArray<D> kernel_size) : MaxUnpoolImpl(MaxUnpoolOptions<D>(kernel_size)) {}
  explicit MaxUnpoolImpl(const MaxUnpoolOptions<D>& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::MaxUnpool" << D << "d(kernel_size=";
    detail::print_pool_sizes(out, options.kernel_size());
    out << ", stride=";
    detail::print_pool_sizes(out, options.stride());
    out << ", padding=";
    detail::print_pool_sizes(out, options.padding());
    out << ")";
  }
  MaxUnpoolOptions<D> options;
};

// The concrete layers: one forward per dim count.
#define TG_POOLING_LAYERS(D)                                                                    \
  class AvgPool##D##dImpl : public AvgPoolImpl<D, AvgPool##D##dImpl> {                          \
   public:                                                                                      \
    using AvgPoolImpl<D, AvgPool##D##dImpl>::AvgPoolImpl;                                       \
    Tensor forward(const Tensor& input);                                                        \
  };                                                                                            \
  TG_MODULE(AvgPool##D##d);                                                                     \
  class MaxPool##D##dImpl : public MaxPoolImpl<D, MaxPool##D##dImpl> {                          \
   public:                                                                                      \
    using MaxPoolImpl<D, MaxPool##D##dImpl>::MaxPoolImpl;                                       \
    Tensor forward(const Tensor& input);                                                        \
    /** The output and the positions of the maxima (as max_unpool reads them). */               \
    std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);                       \
  };                                                                                            \
  TG_MODULE(MaxPool##D##d);                                                                     \
  class MaxUnpool##D##dImpl : public MaxUnpoolImpl<D, MaxUnpool##D##dImpl> {                    \
   public:                                                                                      \
    using MaxUnpoolImpl<D, MaxUnpool##D##dImpl>::MaxUnpoolImpl;                                 \
    /** output_size: the unpooled sizes (default: what the pool maps back to). */               \
    Tensor forward(const Tensor& input, const Tensor& indices,                                  \
                   const std::optional<std::vector<std::int64_t>>& output_size = std::nullopt); \
  };                                                                                            \
  TG_MODULE(MaxUnpool##D##d);

TG_POOLING_LAYERS(1)
TG_POOLING_LAYERS(2)
TG_POOLING_LAYERS(3)
#undef TG_POOLING_LAYERS

#define TG_ADAPTIVE_POOLING_LAYERS(D, output_size_t)                                             \
  class AdaptiveAvgPool##D##dImpl                                                                \
      : public AdaptiveAvgPoolImpl<D, output_size_t, AdaptiveAvgPool##D##dImpl> {                \
   public:                                                                                       \
    using AdaptiveAvgPoolImpl<D, output_size_t, AdaptiveAvgPool##D##dImpl>::AdaptiveAvgPoolImpl; \
    Tensor forward(const Tensor& input);                                                         \
  };                                                                                             \
  TG_MODULE(AdaptiveAvgPool##D##d);                                                              \
  class AdaptiveMaxPool##D##dImpl                                                                \
      : public AdaptiveMaxPoolImpl<D, output_size_t, AdaptiveMaxPool##D##dImpl> {                \
   public:                                                                                       \
    using AdaptiveMaxPoolImpl<D, output_size_t, AdaptiveMaxPool##D##dImpl>::AdaptiveMaxPoolImpl; \
    Tensor forward(const Tensor& input);                                                         \
    std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);                        \
  };                                                                                             \
  TG_MODULE(AdaptiveMaxPool##D##d);

TG_ADAPTIVE_POOLING_LAYERS(1, ExpandingArray<1>)
TG_ADAPTIVE_POOLING_LAYERS(2, ExpandingArrayWithOptionalElem<2>)
TG_ADAPTIVE_POOLING_LAYERS(3, ExpandingArrayWithOptionalElem<3>)
#undef TG_ADAPTIVE_POOLING_LAYERS

}  // namespace tg::nn

#pragma GCC visibility pop
