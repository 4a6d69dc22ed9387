#include <tapegrad/autograd/core/numeric_cast.hpp>
#include <tapegrad/autograd/core/scalar.hpp>

namespace tg {

std::int64_t Scalar::toLong() const {
  if (!isFloatingPoint()) return integer_;
  check(fits_in_int64(floating_), "Scalar::toLong", "the value ", floating_, " does not fit in int64");
  return static_cast<std::int64_t>(floating_);
}

std::ostream& operator<<(std::ostream& out, const Scalar& value) {
  if (value.isBoolean()) return out << (value.toBool() ? "true" : "false");
  if (value.isIntegral(false)) return out << value.toLong();
  return out << value.toDouble();
}

}  // namespace tg
