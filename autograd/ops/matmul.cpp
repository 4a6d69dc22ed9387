#include <algorithm>
#include <vector>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/matmul.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace detail {
namespace {

kernels::MatrixView matrix_view(const Tensor& m) {
  return {m.raw_data(), m.size(0), m.size(1), m.stride(0), m.stride(1)};
}

// BLIS reads any view with one unit stride (a transposed view included) without a copy.
Tensor readable(const Tensor& m) {
  if (kernels::gemm_accepts(matrix_view(m))) return m;
  Tensor copy = make_contiguous(m.sizes(), m.dtype());
  kernels::copy(copy, m);
  return copy;
}

}  // namespace

void gemm_into(const Tensor& c, const Tensor& a, const Tensor& b, double beta) {
  const Tensor ra = readable(a), rb = readable(b);
  kernels::gemm(c.dtype(), 1.0, matrix_view(ra), matrix_view(rb), beta, matrix_view(c));
}

}  // namespace detail

namespace {

void check_operands(std::string_view op, const Tensor& a, const Tensor& b) {
  detail::check_floating(op, "self", a);
  detail::check_floating(op, "other", b);
  check(a.dtype() == b.dtype(), op, "dtypes ", a.dtype(), " and ", b.dtype(),
        " differ; convert one with .to(", a.dtype(), ")");
}

void check_inner(std::string_view op, const Tensor& a, const Tensor& b) {
  check(a.size(-1) == b.size(-2), op, "cannot multiply ", a.sizes(), " by ", b.sizes(), ": inner sizes ",
        a.size(-1), " and ", b.size(-2), " differ");
}

// The batch dims of a matrix operand broadcast against `batch_sizes`: the storage offset of each of
// its matrices in row-major batch order (a broadcast dim repeats the same matrix, no copy).
std::vector<std::int64_t> batch_offsets(const Tensor& m, IntArrayRef batch_sizes) {
  const std::int64_t rank = static_cast<std::int64_t>(batch_sizes.size()), lead = rank - (m.dim() - 2);
  std::int64_t count = 1;
  for (std::int64_t size : batch_sizes) count *= size;
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(count), m.storage_offset());
  std::int64_t repeat = count;
  for (std::int64_t d = 0; d < rank; ++d) {
    const std::int64_t size = batch_sizes[static_cast<std::size_t>(d)];
    if (size == 0) break;
    repeat /= size;
    const std::int64_t own = d - lead;
    if (own < 0 || m.size(own) == 1) continue;
    for (std::int64_t i = 0; i < count; ++i)
      offsets[static_cast<std::size_t>(i)] += (i / repeat) % size * m.stride(own);
  }
  return offsets;
}

Tensor matrix_at(const Tensor& m, std::int64_t offset) {
  return detail::make_view(m, {m.size(-2), m.size(-1)}, {m.stride(-2), m.stride(-1)}, offset);
}

Shape batch_shape(std::string_view op, const Tensor& a, const Tensor& b) {
  const std::int64_t rank = std::max(a.dim(), b.dim()) - 2;
  Shape sizes(static_cast<std::size_t>(rank), 1);
  for (std::int64_t d = 0; d < rank; ++d) {
    const std::int64_t da = d - (rank - (a.dim() - 2)), db = d - (rank - (b.dim() - 2));
    const std::int64_t sa = da >= 0 ? a.size(da) : 1, sb = db >= 0 ? b.size(db) : 1;
    check(sa == sb || sa == 1 || sb == 1, op, "batch sizes of ", a.sizes(), " and ", b.sizes(),
          " do not broadcast (", sa, " vs ", sb, ")");
    sizes[static_cast<std::size_t>(d)] = sa == 1 ? sb : sa;  // broadcasting 1 against 0 gives 0
  }
  return sizes;
}

}  // namespace

// ---- matmul (2-D and batched): dA = G·Bᵀ, dB = Aᵀ·G, each summed back over broadcast batches.
struct MatmulBackward final : Node {
  SavedTensor a, b;
  std::string_view name_ = "MmBackward";
  std::string_view name() const override { return name_; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0))
      out[0] = sum_to(matmul(g[0], transpose(b.unpack(*this), -1, -2)), input_meta()[0].sizes);
    if (needs_input_grad(1))
      out[1] = sum_to(matmul(transpose(a.unpack(*this), -1, -2), g[0]), input_meta()[1].sizes);
    return out;
  }
};

namespace {

Tensor record_matmul(const Tensor& a, const Tensor& b, const Tensor& out, std::string_view name) {
  if (auto* node = record<MatmulBackward>({a, b}, {out})) {
    node->name_ = name;
    if (node->needs_input_grad(0)) node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

Tensor matrix_product(std::string_view op, const Tensor& a, const Tensor& b) {
  check_inner(op, a, b);
  Tensor out = detail::make_contiguous({a.size(0), b.size(1)}, a.dtype());
  detail::gemm_into(out, a, b, 0.0);
  return record_matmul(a, b, out, "MmBackward");
}

// Any batch ranks (broadcast NumPy-style): one GEMM per output matrix, operands read in place.
Tensor batched_product(std::string_view op, const Tensor& a, const Tensor& b) {
  check_inner(op, a, b);
  Shape out_sizes = batch_shape(op, a, b);
  const Shape batch_sizes = out_sizes;
  out_sizes.push_back(a.size(-2));
  out_sizes.push_back(b.size(-1));
  Tensor out = detail::make_contiguous(out_sizes, a.dtype());
  const std::vector<std::int64_t> offsets_a = batch_offsets(a, batch_sizes),
                                  offsets_b = batch_offsets(b, batch_sizes),
                                  offsets_out = batch_offsets(out, batch_sizes);
  for (std::size_t i = 0; i < offsets_out.size(); ++i)
    detail::gemm_into(matrix_at(out, offsets_out[i]), matrix_at(a, offsets_a[i]), matrix_at(b, offsets_b[i]),
                      0.0);
  return record_matmul(a, b, out, "BmmBackward");
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands("mm", a, b);
  check(a.dim() == 2 && b.dim() == 2, "mm", "expects two 2-D tensors, got ", a.sizes(), " and ", b.sizes());
  return matrix_product("mm", a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands("bmm", a, b);
  check(a.dim() == 3 && b.dim() == 3, "bmm", "expects two 3-D tensors, got ", a.sizes(), " and ", b.sizes());
  check(a.size(0) == b.size(0), "bmm", "batch sizes of ", a.sizes(), " and ", b.sizes(), " differ");
  return batched_product("bmm", a, b);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands("matmul", a, b);
  const std::int64_t ra = a.dim(), rb = b.dim();
  check(ra >= 1 && rb >= 1, "matmul", "both arguments need to be at least 1-D, got ", a.sizes(), " and ",
        b.sizes());
  if (ra == 1 && rb == 1) {
    check(a.size(0) == b.size(0), "matmul", "cannot multiply ", a.sizes(), " by ", b.sizes(),
          ": inner sizes ", a.size(0), " and ", b.size(0), " differ");
    return sum(a * b);
  }
  if (ra == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (rb == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  if (ra == 2 && rb == 2) return matrix_product("matmul", a, b);
  return batched_product("matmul", a, b);
}

Tensor Tensor::matmul(const Tensor& other) const { return tg::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return tg::mm(*this, other); }
Tensor Tensor::bmm(const Tensor& other) const { return tg::bmm(*this, other); }

}  // namespace tg
