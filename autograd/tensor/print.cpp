// operator<< for tensors: PyTorch-like values (summarised past 1000 elements), then shape, dtype, grad_fn.
#include <iomanip>
#include <sstream>

#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {
namespace {

constexpr std::int64_t kSummarizeAbove = 1000;
constexpr std::int64_t kEdgeItems = 3;

struct Printer {
  std::ostream& out;
  const Tensor& values;  // contiguous
  bool summarize;

  void element(std::int64_t index) const {
    kernels::dispatch(values.dtype(), [&]<class T>() {
      const T value = static_cast<const T*>(values.raw_data())[index];
      if constexpr (std::is_same_v<T, bool>)
        out << (value ? "true" : "false");
      else if constexpr (std::is_integral_v<T>)
        out << static_cast<std::int64_t>(value);  // int8/uint8 as numbers, not characters
      else
        out << std::fixed << std::setprecision(4) << value;
    });
  }

  void dims(std::size_t dim, std::int64_t offset, int indent) const {
    const Shape& sizes = values.sizes();
    if (sizes.empty()) return element(0);
    const std::int64_t n = sizes[dim];
    const std::int64_t stride = values.strides()[dim];
    out << '[';
    for (std::int64_t i = 0; i < n; ++i) {
      if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
        out << "...";
        i = n - kEdgeItems - 1;
        if (dim + 1 == sizes.size())
          out << ", ";
        else
          out << ",\n" << std::string(static_cast<std::size_t>(indent + 1), ' ');
        continue;
      }
      if (dim + 1 == sizes.size())
        element(offset + i * stride);
      else
        dims(dim + 1, offset + i * stride, indent + 1);
      if (i + 1 < n) {
        if (dim + 1 == sizes.size())
          out << ", ";
        else
          out << ",\n" << std::string(static_cast<std::size_t>(indent + 1), ' ');
      }
    }
    out << ']';
  }
};

// Printing a tensor must leave the caller's stream as it found it (std::fixed, precision, std::hex, ...),
// and the caller's settings must not change how the tensor prints.
class StreamStateGuard {
 public:
  explicit StreamStateGuard(std::ostream& out)
      : out_(out), flags_(out.flags()), precision_(out.precision()), fill_(out.fill()) {
    out.flags(std::ios_base::dec);
    out.fill(' ');
  }
  ~StreamStateGuard() {
    out_.flags(flags_);
    out_.precision(precision_);
    out_.fill(fill_);
  }
  StreamStateGuard(const StreamStateGuard&) = delete;
  StreamStateGuard& operator=(const StreamStateGuard&) = delete;

 private:
  std::ostream& out_;
  std::ios_base::fmtflags flags_;
  std::streamsize precision_;
  char fill_;
};

}  // namespace

std::ostream& operator<<(std::ostream& out, const Tensor& tensor) {
  if (!tensor.defined()) return out << "tensor(undefined)";
  const StreamStateGuard restore_caller_state(out);
  out << "tensor(";
  Tensor values = tensor.detach().contiguous();
  Printer{out, values, tensor.numel() > kSummarizeAbove}.dims(0, 0, 7);
  out << ", shape=" << tensor.sizes() << ", dtype=" << tensor.dtype();
  if (tensor.grad_fn())
    out << ", grad_fn=<" << tensor.grad_fn_name() << '>';
  else if (tensor.requires_grad())
    out << ", requires_grad=true";
  return out << ')';
}

}  // namespace tg
