#include <algorithm>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/diagonal.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;

namespace {

struct DiagonalPlane {
  std::int64_t dim1, dim2;
};

DiagonalPlane wrap_plane(std::string_view op, std::int64_t dim1, std::int64_t dim2, std::int64_t rank) {
  const std::int64_t d1 = wrap_dim(op, dim1, rank), d2 = wrap_dim(op, dim2, rank);
  check(d1 != d2, op, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  return {d1, d2};
}

// The diagonal of t's (dim1, dim2) planes as a view without autograd history.
Tensor diagonal_view(const Tensor& t, std::int64_t offset, DiagonalPlane plane) {
  const std::int64_t rows = t.size(plane.dim1), cols = t.size(plane.dim2);
  const std::int64_t length =
      std::max<std::int64_t>(offset >= 0 ? std::min(rows, cols - offset) : std::min(rows + offset, cols), 0);
  std::int64_t start = t.storage_offset();
  if (length > 0) start += offset >= 0 ? offset * t.stride(plane.dim2) : -offset * t.stride(plane.dim1);
  Shape sizes, strides;
  for (std::int64_t d = 0; d < t.dim(); ++d) {
    if (d == plane.dim1 || d == plane.dim2) continue;
    sizes.push_back(t.size(d));
    strides.push_back(t.stride(d));
  }
  sizes.push_back(length);
  strides.push_back(t.stride(plane.dim1) + t.stride(plane.dim2));
  return detail::make_view(t, sizes, strides, start);
}

}  // namespace

// ---- diagonal: a view; the gradient is written onto the diagonal of zeros (diagonal_backward), whose
// own gradient is the diagonal again.
struct DiagonalBackward final : Node {
  std::int64_t offset = 0, dim1 = 0, dim2 = 1;
  std::string_view name() const override { return "DiagonalBackward"; }
  tensor_list apply(tensor_list&& g) override {
    return {diagonal_backward(g[0], input_meta()[0].sizes, offset, dim1, dim2)};
  }
};

struct DiagonalBackwardBackward final : Node {
  std::int64_t offset = 0, dim1 = 0, dim2 = 1;
  std::string_view name() const override { return "DiagonalBackwardBackward"; }
  tensor_list apply(tensor_list&& g) override { return {diagonal(g[0], offset, dim1, dim2)}; }
};

Tensor diagonal(const Tensor& x, std::int64_t offset, std::int64_t dim1, std::int64_t dim2) {
  detail::check_defined("diagonal", "input", x);
  check(x.dim() >= 2, "diagonal", "needs an input of at least 2 dims, got shape ", x.sizes());
  const DiagonalPlane plane = wrap_plane("diagonal", dim1, dim2, x.dim());
  Tensor out = diagonal_view(x, offset, plane);
  if (auto* node = record<DiagonalBackward>({x}, {out})) {
    node->offset = offset;
    node->dim1 = plane.dim1;
    node->dim2 = plane.dim2;
  }
  return out;
}

Tensor diagonal_backward(const Tensor& grad, IntArrayRef sizes, std::int64_t offset, std::int64_t dim1,
                         std::int64_t dim2) {
  Tensor out = zeros(sizes, dtype(grad.dtype()));
  const DiagonalPlane plane = wrap_plane("diagonal_backward", dim1, dim2, out.dim());
  if (grad.numel() > 0) kernels::copy(diagonal_view(out, offset, plane), grad, "diagonal_backward");
  if (auto* node = record<DiagonalBackwardBackward>({grad}, {out})) {
    node->offset = offset;
    node->dim1 = plane.dim1;
    node->dim2 = plane.dim2;
  }
  return out;
}

// ---- diag_embed: x's last dim is written onto the diagonal of zeros; the gradient is that diagonal.
struct DiagEmbedBackward final : Node {
  std::int64_t offset = 0, dim1 = 0, dim2 = 1;
  std::string_view name() const override { return "DiagEmbedBackward"; }
  tensor_list apply(tensor_list&& g) override { return {diagonal(g[0], offset, dim1, dim2)}; }
};

Tensor diag_embed(const Tensor& x, std::int64_t offset, std::int64_t dim1, std::int64_t dim2) {
  detail::check_defined("diag_embed", "input", x);
  check(x.dim() >= 1, "diag_embed", "needs an input of at least 1 dim, got a 0-d tensor");
  const DiagonalPlane plane = wrap_plane("diag_embed", dim1, dim2, x.dim() + 1);
  const std::int64_t n = x.size(-1) + std::abs(offset);
  Shape sizes(x.sizes().begin(), x.sizes().end() - 1);
  // Insert the lower-numbered dim first so that both land at their final positions.
  const auto [low, high] = std::minmax(plane.dim1, plane.dim2);
  sizes.insert(sizes.begin() + low, n);
  sizes.insert(sizes.begin() + high, n);
  Tensor out = zeros(sizes, dtype(x.dtype()));
  if (x.numel() > 0) kernels::copy(diagonal_view(out, offset, plane), x, "diag_embed");
  if (auto* node = record<DiagEmbedBackward>({x}, {out})) {
    node->offset = offset;
    node->dim1 = plane.dim1;
    node->dim2 = plane.dim2;
  }
  return out;
}

Tensor diag(const Tensor& x, std::int64_t diagonal_index) {
  detail::check_defined("diag", "input", x);
  check(x.dim() == 1 || x.dim() == 2, "diag", "matrix or a vector expected, got shape ", x.sizes());
  if (x.dim() == 1) return diag_embed(x, diagonal_index, 0, 1);
  return diagonal(x, diagonal_index, 0, 1).clone();
}

// ---- kron: a as [a0, 1, a1, 1, ...] times b as [1, b0, 1, b1, ...] is the block layout, flattened pairwise;
// mul and reshape carry the gradients.
Tensor kron(const Tensor& a, const Tensor& b) {
  detail::check_defined("kron", "self", a);
  detail::check_defined("kron", "other", b);
  const std::int64_t rank = std::max(a.dim(), b.dim());
  Shape a_sizes, b_sizes, out_sizes;
  for (std::int64_t d = 0; d < rank; ++d) {
    const std::int64_t sa = d < rank - a.dim() ? 1 : a.size(d - (rank - a.dim()));
    const std::int64_t sb = d < rank - b.dim() ? 1 : b.size(d - (rank - b.dim()));
    a_sizes.insert(a_sizes.end(), {sa, 1});
    b_sizes.insert(b_sizes.end(), {1, sb});
    out_sizes.push_back(sa * sb);
  }
  return reshape(reshape(a, a_sizes) * reshape(b, b_sizes), out_sizes);
}

Tensor Tensor::diagonal(std::int64_t offset, std::int64_t dim1, std::int64_t dim2) const {
  return tg::diagonal(*this, offset, dim1, dim2);
}
Tensor Tensor::diag_embed(std::int64_t offset, std::int64_t dim1, std::int64_t dim2) const {
  return tg::diag_embed(*this, offset, dim1, dim2);
}
Tensor Tensor::diag(std::int64_t diagonal) const { return tg::diag(*this, diagonal); }
Tensor Tensor::kron(const Tensor& other) const { return tg::kron(*this, other); }

}  // namespace tg
