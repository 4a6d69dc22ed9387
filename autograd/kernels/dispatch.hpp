#pragma once
// Runs a template lambda `[&]<class T>() {...}` with T the C++ type of a runtime Dtype.
#include <cstdint>
#include <string_view>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/core/error.hpp>

namespace tg::kernels {

template <class F>
decltype(auto) dispatch(Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::Bool:
      return f.template operator()<bool>();
    case Dtype::UInt8:
      return f.template operator()<std::uint8_t>();
    case Dtype::Int8:
      return f.template operator()<std::int8_t>();
    case Dtype::Int16:
      return f.template operator()<std::int16_t>();
    case Dtype::Int32:
      return f.template operator()<std::int32_t>();
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    case Dtype::Int64:
      break;
  }
  return f.template operator()<std::int64_t>();
}

template <class F>
decltype(auto) dispatch_floating(std::string_view op, Dtype dtype, F&& f) {
  check(is_floating_point(dtype), op, "expected a float32 or float64 tensor, got ", dtype);
  if (dtype == Dtype::Float32) return f.template operator()<float>();
  return f.template operator()<double>();
}

}  // namespace tg::kernels
