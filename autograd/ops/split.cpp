#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/split.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;

namespace {

// d(pieces)/dx: the pieces tile x along dim, so x's gradient is their gradients joined back in order.
// A piece nobody used gets no gradient from the engine and contributes zeros.
struct SplitBackward final : Node {
  std::int64_t dim = 0;
  std::vector<std::int64_t> lengths;
  bool squeezed = false;  // unbind removed the dim from every piece
  std::string_view name() const override { return squeezed ? "UnbindBackward" : "SplitBackward"; }
  tensor_list apply(tensor_list&& g) override {
    const autograd::InputMeta& input = input_meta()[0];
    tensor_list pieces;
    pieces.reserve(lengths.size());
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      if (i < g.size() && g[i].defined()) {
        pieces.push_back(squeezed ? unsqueeze(g[i], dim) : g[i]);
        continue;
      }
      Shape sizes = input.sizes;
      sizes[static_cast<std::size_t>(dim)] = lengths[i];
      pieces.push_back(zeros(sizes, input.dtype));
    }
    return {cat(pieces, dim)};
  }
};

// Views of consecutive runs of `lengths` along dim (already checked to tile the dim).
tensor_list split_views(const Tensor& x, std::int64_t dim, const std::vector<std::int64_t>& lengths,
                        bool squeeze_dim) {
  tensor_list pieces;
  pieces.reserve(lengths.size());
  Shape sizes = x.sizes(), strides = x.strides();
  if (squeeze_dim) {
    sizes.erase(sizes.begin() + dim);
    strides.erase(strides.begin() + dim);
  }
  std::int64_t start = 0;
  for (std::int64_t length : lengths) {
    if (!squeeze_dim) sizes[static_cast<std::size_t>(dim)] = length;
    pieces.push_back(detail::make_view(x, sizes, strides, x.storage_offset() + start * x.stride(dim)));
    start += length;
  }
  if (pieces.empty()) return pieces;
  if (auto* node = record<SplitBackward>({x}, pieces)) {
    node->dim = dim;
    node->lengths = lengths;
    node->squeezed = squeeze_dim;
  }
  return pieces;
}

std::int64_t split_dim(std::string_view op, const Tensor& x, std::int64_t dim) {
  detail::check_defined(op, "input", x);
  check(x.dim() > 0, op, "expects at least a 1-dimensional tensor, got a 0-d tensor");
  return wrap_dim(op, dim, x.dim());
}

}  // namespace

tensor_list split_with_sizes(const Tensor& x, IntArrayRef split_sizes, std::int64_t dim) {
  const std::int64_t d = split_dim("split_with_sizes", x, dim);
  std::int64_t total = 0;
  for (std::int64_t length : split_sizes) {
    check(length >= 0, "split_with_sizes",
          "expects split_sizes have only non-negative entries, but got split_sizes=", split_sizes);
    total += length;
  }
  check(total == x.size(d), "split_with_sizes", "expects split_sizes to sum exactly to ", x.size(d),
        " (input tensor's size at dimension ", d, "), but got split_sizes=", split_sizes);
  return split_views(x, d, std::vector<std::int64_t>(split_sizes.begin(), split_sizes.end()), false);
}

tensor_list split(const Tensor& x, IntArrayRef split_sizes, std::int64_t dim) {
  return split_with_sizes(x, split_sizes, dim);
}

tensor_list split(const Tensor& x, std::int64_t split_size, std::int64_t dim) {
  const std::int64_t d = split_dim("split", x, dim);
  const std::int64_t n = x.size(d);
  check(split_size >= 0, "split", "expects split_size be non-negative, but got split_size=", split_size);
  check(split_size > 0 || n == 0, "split",
        "split_size can only be 0 if dimension size is 0, but got dimension size of ", n);
  // An empty dim still gives one (empty) piece, as PyTorch does.
  if (n == 0) return split_views(x, d, {0}, false);
  std::vector<std::int64_t> lengths;
  for (std::int64_t start = 0; start < n; start += split_size)
    lengths.push_back(std::min(split_size, n - start));
  return split_views(x, d, lengths, false);
}

tensor_list chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim) {
  const std::int64_t d = split_dim("chunk", x, dim);
  check(chunks > 0, "chunk", "expects `chunks` to be greater than 0, got: ", chunks);
  const std::int64_t n = x.size(d);
  // An empty dim splits into `chunks` empty pieces (PyTorch's rule), not one.
  if (n == 0) return split_views(x, d, std::vector<std::int64_t>(static_cast<std::size_t>(chunks), 0), false);
  return split(x, (n + chunks - 1) / chunks, d);
}

tensor_list unbind(const Tensor& x, std::int64_t dim) {
  const std::int64_t d = split_dim("unbind", x, dim);
  return split_views(x, d, std::vector<std::int64_t>(static_cast<std::size_t>(x.size(d)), 1), true);
}

tensor_list Tensor::chunk(std::int64_t chunks, std::int64_t dim) const {
  return tg::chunk(*this, chunks, dim);
}
tensor_list Tensor::split(std::int64_t split_size, std::int64_t dim) const {
  return tg::split(*this, split_size, dim);
}
tensor_list Tensor::split(IntArrayRef split_sizes, std::int64_t dim) const {
  return tg::split(*this, split_sizes, dim);
}
tensor_list Tensor::split_with_sizes(IntArrayRef split_sizes, std::int64_t dim) const {
  return tg::split_with_sizes(*this, split_sizes, dim);
}
tensor_list Tensor::unbind(std::int64_t dim) const { return tg::unbind(*this, dim); }

}  // namespace tg
