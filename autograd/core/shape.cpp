#include <algorithm>
#include <limits>
#include <sstream>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/core/shape.hpp>

namespace tg {

std::ostream& operator<<(std::ostream& out, IntArrayRef sizes) {
  out << '[';
  for (std::size_t i = 0; i < sizes.size(); ++i) out << (i ? ", " : "") << sizes[i];
  return out << ']';
}

std::string to_string(IntArrayRef sizes) {
  std::ostringstream out;
  out << sizes;
  return out.str();
}

namespace {
// checked_numel's errors, out of line: on the path of every new tensor, a check() per size with its
// message arguments costs more than the multiplications it guards.
[[noreturn, gnu::noinline, gnu::cold]] void throw_bad_sizes(std::string_view op, IntArrayRef sizes,
                                                            std::size_t element_size) {
  std::int64_t numel = 1;
  std::int64_t span = 1;
  for (std::int64_t size : sizes) {
    check(size >= 0, op, "sizes must be non-negative, got ", sizes);
    check(!__builtin_mul_overflow(span, std::max<std::int64_t>(size, 1), &span), op, "sizes ", sizes,
          " overflow int64 (the product of the sizes exceeds ", std::numeric_limits<std::int64_t>::max(),
          ")");
    numel *= size;
  }
  throw Error(str(op, ": sizes ", sizes, " overflow int64 (", numel, " elements of ", element_size,
                  " bytes exceed ", std::numeric_limits<std::int64_t>::max(), " bytes)"));
}
}  // namespace

std::int64_t checked_numel(std::string_view op, IntArrayRef sizes, std::size_t element_size) {
  std::int64_t numel = 1;
  std::int64_t span = 1;  // the product with sizes of 0 counted as 1: the largest contiguous stride
  for (std::int64_t size : sizes) {
    if (size < 0 || __builtin_mul_overflow(span, std::max<std::int64_t>(size, 1), &span)) [[unlikely]]
      throw_bad_sizes(op, sizes, element_size);
    numel *= size;  // cannot overflow: 0 <= numel <= span
  }
  std::int64_t bytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<std::int64_t>(element_size), &bytes)) [[unlikely]]
    throw_bad_sizes(op, sizes, element_size);
  return numel;
}

Shape contiguous_strides(IntArrayRef sizes) {
  Shape strides(sizes.size());
  std::int64_t stride = 1;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<std::int64_t>(sizes[i], 1);
  }
  return strides;
}

Shape broadcast_shapes(std::string_view op, IntArrayRef a, IntArrayRef b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t sa = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t sb = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    check(sa == sb || sa == 1 || sb == 1, op, "shapes ", a, " and ", b, " do not broadcast (dim ",
          static_cast<std::int64_t>(i) - static_cast<std::int64_t>(rank), ": ", sa, " vs ", sb, ")");
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

std::int64_t wrap_dim(std::string_view op, std::int64_t dim, std::int64_t rank) {
  const std::int64_t bound = std::max<std::int64_t>(rank, 1);
  check(dim >= -bound && dim < bound, op, "dim ", dim, " is out of range for a tensor of rank ", rank,
        " (expected a dim in [", -bound, ", ", bound - 1, "])");
  return dim < 0 ? dim + bound : dim;
}

}  // namespace tg
