#include <atomic>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/core/error.hpp>

namespace tg {
namespace {
std::atomic<Dtype> default_dtype{Dtype::Float32};
}

Dtype get_default_dtype() { return default_dtype.load(std::memory_order_relaxed); }

void set_default_dtype(Dtype dtype) {
  check(is_floating_point(dtype), "set_default_dtype",
        "only floating-point types are supported as the default type, got ", dtype);
  default_dtype.store(dtype, std::memory_order_relaxed);
}

}  // namespace tg
