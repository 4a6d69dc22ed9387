#include <atomic>
#include <cstring>
#include <type_traits>

#include <tapegrad/autograd/core/numeric_cast.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>

namespace tg::kernels {

Shape broadcast_strides(const Tensor& tensor, IntArrayRef out_sizes) {
  const std::size_t rank = out_sizes.size();
  const std::size_t offset = rank - static_cast<std::size_t>(tensor.dim());
  Shape strides(rank, 0);
  for (std::size_t i = offset; i < rank; ++i)
    strides[i] = tensor.sizes()[i - offset] == 1 ? 0 : tensor.strides()[i - offset];
  return strides;
}

void copy(const Tensor& destination, const Tensor& source, std::string_view op) {
  const Shape& sizes = destination.sizes();
  if (source.dtype() == destination.dtype() && source.sizes() == sizes && source.is_contiguous() &&
      destination.is_contiguous()) {
    std::memcpy(destination.raw_data(), source.raw_data(),
                static_cast<std::size_t>(destination.numel()) * element_size(destination.dtype()));
    return;
  }
  const Shape source_strides = broadcast_strides(source, sizes);
  const Shape destination_strides = destination.strides();
  dispatch(destination.dtype(), [&]<class To>() {
    dispatch(source.dtype(), [&]<class From>() {
      To* out = static_cast<To*>(destination.raw_data());
      const From* in = static_cast<const From*>(source.raw_data());
      if constexpr (std::is_integral_v<To> && !std::is_same_v<To, bool> && std::is_floating_point_v<From>) {
        // A pass of its own: nothing can be thrown from inside the (OpenMP) copy loop.
        std::atomic<bool> unrepresentable = false;
        for_each_row<1>(sizes, {source_strides.data()},
                        [&](const std::array<std::int64_t, 1>& offsets, std::int64_t count,
                            const std::array<std::int64_t, 1>& step) {
                          for (std::int64_t i = 0; i < count; ++i)
                            if (!fits_in_int64(in[offsets[0] + i * step[0]]))
                              unrepresentable.store(true, std::memory_order_relaxed);
                        });
        check(!unrepresentable.load(), op, "cannot convert ", source.dtype(), " to ", destination.dtype(),
              ": a value is NaN, infinite or outside the int64 range");
      }
      for_each_row<2>(sizes, {destination_strides.data(), source_strides.data()},
                      [&](const std::array<std::int64_t, 2>& offsets, std::int64_t count,
                          const std::array<std::int64_t, 2>& step) {
                        To* row_out = out + offsets[0];
                        const From* row_in = in + offsets[1];
                        // Contiguous rows and broadcast fills (an expanded gradient being materialized)
                        // get loops the compiler can vectorize.
                        if (step[0] == 1 && step[1] == 1) {
                          for (std::int64_t i = 0; i < count; ++i)
                            row_out[i] = convert_element<To>(row_in[i]);
                        } else if (step[0] == 1 && step[1] == 0) {
                          const To value = convert_element<To>(*row_in);
                          for (std::int64_t i = 0; i < count; ++i) row_out[i] = value;
                        } else {
                          for (std::int64_t i = 0; i < count; ++i)
                            row_out[i * step[0]] = convert_element<To>(row_in[i * step[1]]);
                        }
                      });
    });
  });
}

}  // namespace tg::kernels
