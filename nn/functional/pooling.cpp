#include <span>
#include <string>

#include <tapegrad/autograd/ops/pooling.hpp>
#include <tapegrad/nn/functional/pooling.hpp>

namespace tg::nn::functional {

namespace {

template <std::size_t D>
IntArrayRef sizes(const ExpandingArray<D>& array) {
  return IntArrayRef(std::span<const std::int64_t>(array->data(), D));
}

// Adaptive output sizes with the input's size where none is given.
template <std::size_t D>
Shape adaptive_sizes(const Tensor& input, const ExpandingArrayWithOptionalElem<D>& output_size) {
  Shape out;
  for (std::size_t d = 0; d < D; ++d) {
    const auto& size = (*output_size)[d];
    out.push_back(size ? *size : input.size(input.dim() - static_cast<std::int64_t>(D - d)));
  }
  return out;
}
template <std::size_t D>
Shape adaptive_sizes(const Tensor&, const ExpandingArray<D>& output_size) {
  return Shape(output_size->begin(), output_size->end());
}

// The unpooled spatial sizes: the options' output_size (its trailing D entries when it also lists the
// leading dims), which must be within a stride of what the pool maps back to.
template <std::size_t D>
std::vector<std::int64_t> unpool_sizes(std::string_view op, const Tensor& input,
                                       const MaxUnpoolFuncOptions<D>& options) {
  std::vector<std::int64_t> defaults;
  for (std::size_t d = 0; d < D; ++d) {
    const std::int64_t n = input.size(input.dim() - static_cast<std::int64_t>(D - d));
    defaults.push_back((n - 1) * (*options.stride())[d] - 2 * (*options.padding())[d] +
                       (*options.kernel_size())[d]);
  }
  if (!options.output_size()) return defaults;
  std::vector<std::int64_t> requested = *options.output_size();
  if (requested.size() == D + 2) requested.erase(requested.begin(), requested.begin() + 2);
  check(requested.size() == D, op, "output_size should be a sequence containing ", D, " or ", D + 2,
        " elements, but it has a length of '", options.output_size()->size(), "'");
  for (std::size_t d = 0; d < D; ++d) {
    const std::int64_t low = defaults[d] - (*options.stride())[d],
                       high = defaults[d] + (*options.stride())[d];
    check(low < requested[d] && requested[d] < high, op, "invalid output_size ", IntArrayRef(requested),
          " (dim ", d, " must be between ", low, " and ", high, ")");
  }
  return requested;
}

}  // namespace

Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& options) {
  return tg::avg_pool1d(input, sizes(options.kernel_size()), sizes(options.stride()),
                        sizes(options.padding()), options.ceil_mode(), options.count_include_pad());
}
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options) {
  return tg::avg_pool2d(input, sizes(options.kernel_size()), sizes(options.stride()),
                        sizes(options.padding()), options.ceil_mode(), options.count_include_pad(),
                        options.divisor_override());
}
Tensor avg_pool3d(const Tensor& input, const AvgPool3dFuncOptions& options) {
  return tg::avg_pool3d(input, sizes(options.kernel_size()), sizes(options.stride()),
                        sizes(options.padding()), options.ceil_mode(), options.count_include_pad(),
                        options.divisor_override());
}

#define TG_MAX_POOL(D)                                                                                   \
  Tensor max_pool##D##d(const Tensor& input, const MaxPool##D##dFuncOptions& options) {                  \
    return tg::max_pool##D##d(input, sizes(options.kernel_size()), sizes(options.stride()),              \
                              sizes(options.padding()), sizes(options.dilation()), options.ceil_mode()); \
  }                                                                                                      \
  std::tuple<Tensor, Tensor> max_pool##D##d_with_indices(const Tensor& input,                            \
                                                         const MaxPool##D##dFuncOptions& options) {      \
    return tg::max_pool##D##d_with_indices(input, sizes(options.kernel_size()), sizes(options.stride()), \
                                           sizes(options.padding()), sizes(options.dilation()),          \
                                           options.ceil_mode());                                         \
  }                                                                                                      \
  std::tuple<Tensor, Tensor> adaptive_max_pool##D##d_with_indices(                                       \
      const Tensor& input, const AdaptiveMaxPool##D##dFuncOptions& options) {                            \
    return tg::adaptive_max_pool##D##d(input, adaptive_sizes(input, options.output_size()));             \
  }                                                                                                      \
  Tensor adaptive_max_pool##D##d(const Tensor& input, const AdaptiveMaxPool##D##dFuncOptions& options) { \
    return std::get<0>(adaptive_max_pool##D##d_with_indices(input, options));                            \
  }                                                                                                      \
  Tensor adaptive_avg_pool##D##d(const Tensor& input, const AdaptiveAvgPool##D##dFuncOptions& options) { \
    return tg::adaptive_avg_pool##D##d(input, adaptive_sizes(input, options.output_size()));             \
  }
// A macro: the three dim counts differ only in the names of the ops they call.
TG_MAX_POOL(1)
TG_MAX_POOL(2)
TG_MAX_POOL(3)
#undef TG_MAX_POOL

Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const MaxUnpool1dFuncOptions& options) {
  return tg::max_unpool1d(input, indices, unpool_sizes("max_unpool1d", input, options));
}
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const MaxUnpool2dFuncOptions& options) {
  return tg::max_unpool2d(input, indices, unpool_sizes("max_unpool2d", input, options));
}
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, const MaxUnpool3dFuncOptions& options) {
  return tg::max_unpool3d(input, indices, unpool_sizes("max_unpool3d", input, options),
                          sizes(options.stride()), sizes(options.padding()));
}

}  // namespace tg::nn::functional
