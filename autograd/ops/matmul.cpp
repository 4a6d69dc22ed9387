#include <algorithm>
#include <string>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/matmul.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

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
    return dot(a, b);
  }
  if (ra == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (rb == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  if (ra == 2 && rb == 2) return matrix_product("matmul", a, b);
  return batched_product("matmul", a, b);
}

// ---- Products built from mm/bmm.
namespace {

std::string matrix_text(const Tensor& m) {
  std::string text;
  for (std::int64_t d = 0; d < m.dim(); ++d) {
    if (d > 0) text += 'x';
    text += std::to_string(m.size(d));
  }
  return text;
}

void check_rank(std::string_view op, std::string_view arg, const Tensor& x, std::int64_t rank) {
  check(x.dim() == rank, op, "expected ", arg, " to be ", rank, "-D, got ", x.dim(), "-D tensor of shape ",
        x.sizes());
}

// PyTorch's phrase, with the sizes as it prints them (3x4 and 5x6).
void check_multipliable(std::string_view op, std::string_view names, const Tensor& a, const Tensor& b) {
  check(a.size(-1) == b.size(a.dim() == 1 || b.dim() == 1 ? 0 : -2), op, names,
        " shapes cannot be multiplied (", matrix_text(a), " and ", matrix_text(b), ")");
}

Tensor scaled(const Tensor& x, const Scalar& factor) { return factor.toDouble() == 1.0 ? x : x * factor; }

// beta·self + alpha·product with self broadcast to the product's shape.
Tensor add_scaled(std::string_view op, const Tensor& self, const Tensor& product, const Scalar& beta,
                  const Scalar& alpha) {
  check(self.dtype() == product.dtype(), op, "self has dtype ", self.dtype(), " but the product has ",
        product.dtype());
  const Shape target = product.sizes();
  check(broadcast_shapes(op, self.sizes(), target) == target, op, "self of shape ", self.sizes(),
        " does not broadcast to the product's shape ", target);
  if (beta.toDouble() == 0.0) {  // PyTorch ignores self's values, even NaN, but gives it a zero gradient
    const Tensor out = scaled(product, alpha);
    if (!GradMode::is_enabled() || !self.requires_grad()) return out;
    return where(ones(out.sizes(), kBool), out, self);
  }
  return scaled(product, alpha) + scaled(self, beta);
}

}  // namespace

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  check_operands("addmm", mat1, mat2);
  check_rank("addmm", "mat1", mat1, 2);
  check_rank("addmm", "mat2", mat2, 2);
  check_multipliable("addmm", "mat1 and mat2", mat1, mat2);
  return add_scaled("addmm", self, matrix_product("addmm", mat1, mat2), beta, alpha);
}

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
               const Scalar& alpha) {
  check_operands("baddbmm", batch1, batch2);
  check_rank("baddbmm", "batch1", batch1, 3);
  check_rank("baddbmm", "batch2", batch2, 3);
  check(batch1.size(0) == batch2.size(0), "baddbmm", "batch1 and batch2 must have the same batch size, got ",
        batch1.sizes(), " and ", batch2.sizes());
  check_multipliable("baddbmm", "batch1 and batch2", batch1, batch2);
  return add_scaled("baddbmm", self, batched_product("baddbmm", batch1, batch2), beta, alpha);
}

Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
              const Scalar& alpha) {
  check_operands("addbmm", batch1, batch2);
  check_rank("addbmm", "batch1", batch1, 3);
  check_rank("addbmm", "batch2", batch2, 3);
  check(batch1.size(0) == batch2.size(0), "addbmm", "batch1 and batch2 must have the same batch size, got ",
        batch1.sizes(), " and ", batch2.sizes());
  check_multipliable("addbmm", "batch1 and batch2", batch1, batch2);
  // One GEMM over the concatenated batch: [n, b·k] @ [b·k, p] sums the batch products.
  const std::int64_t b = batch1.size(0), n = batch1.size(1), k = batch1.size(2), p = batch2.size(2);
  Tensor wide = permute(batch1, {1, 0, 2}).reshape({n, b * k}), tall = batch2.reshape({b * k, p});
  return add_scaled("addbmm", self, matrix_product("addbmm", wide, tall), beta, alpha);
}

Tensor mv(const Tensor& mat, const Tensor& vec) {
  check_operands("mv", mat, vec);
  check_rank("mv", "mat", mat, 2);
  check_rank("mv", "vec", vec, 1);
  check_multipliable("mv", "mat and vec", mat, vec);
  return squeeze(matrix_product("mv", mat, unsqueeze(vec, 1)), -1);
}

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta,
             const Scalar& alpha) {
  check_operands("addmv", mat, vec);
  check_rank("addmv", "mat", mat, 2);
  check_rank("addmv", "vec", vec, 1);
  check_multipliable("addmv", "mat and vec", mat, vec);
  return add_scaled("addmv", self, squeeze(matrix_product("addmv", mat, unsqueeze(vec, 1)), -1), beta, alpha);
}

Tensor dot(const Tensor& self, const Tensor& other) {
  check(self.dtype() == other.dtype(), "dot", "expected both vectors to have same dtype, but found ",
        self.dtype(), " and ", other.dtype());
  check_operands("dot", self, other);
  check(self.dim() == 1 && other.dim() == 1, "dot", "1D tensors expected, but got ", self.dim(), "D and ",
        other.dim(), "D tensors");
  check(self.size(0) == other.size(0), "dot", "inconsistent tensor size, expected tensors ", self.sizes(),
        " and ", other.sizes(), " to have the same number of elements");
  return reshape(matrix_product("dot", unsqueeze(self, 0), unsqueeze(other, 1)), {});
}

Tensor vdot(const Tensor& self, const Tensor& other) { return dot(self, other); }

// Element-wise, as PyTorch computes it: a rank-1 GEMM would only add overhead.
Tensor outer(const Tensor& self, const Tensor& vec2) {
  check_operands("outer", self, vec2);
  check_rank("outer", "self", self, 1);
  check_rank("outer", "vec2", vec2, 1);
  return unsqueeze(self, 1) * unsqueeze(vec2, 0);
}

Tensor ger(const Tensor& self, const Tensor& vec2) { return outer(self, vec2); }

Tensor tensordot(const Tensor& a, const Tensor& b, IntArrayRef dims_a, IntArrayRef dims_b) {
  check_operands("tensordot", a, b);
  check(dims_a.size() == dims_b.size(), "tensordot", "both dimension lists should have same length, got ",
        dims_a, " and ", dims_b);
  std::vector<bool> contracted_a(static_cast<std::size_t>(a.dim())),
      contracted_b(static_cast<std::size_t>(b.dim()));
  Shape order_a, order_b, out_sizes;
  std::int64_t inner = 1;
  for (std::size_t i = 0; i < dims_a.size(); ++i) {
    const std::int64_t da = wrap_dim("tensordot", dims_a[i], a.dim()),
                       db = wrap_dim("tensordot", dims_b[i], b.dim());
    check(a.size(da) == b.size(db), "tensordot", "contracted dimensions need to match, but first has size ",
          a.size(da), " in dim ", da, " and second has size ", b.size(db), " in dim ", db);
    contracted_a[static_cast<std::size_t>(da)] = contracted_b[static_cast<std::size_t>(db)] = true;
    inner *= a.size(da);
  }
  std::int64_t rows = 1, cols = 1;
  for (std::int64_t d = 0; d < a.dim(); ++d)
    if (!contracted_a[static_cast<std::size_t>(d)]) {
      order_a.push_back(d);
      out_sizes.push_back(a.size(d));
      rows *= a.size(d);
    }
  for (std::int64_t db : dims_b) order_b.push_back(wrap_dim("tensordot", db, b.dim()));
  for (std::int64_t da : dims_a) order_a.push_back(wrap_dim("tensordot", da, a.dim()));
  for (std::int64_t d = 0; d < b.dim(); ++d)
    if (!contracted_b[static_cast<std::size_t>(d)]) {
      order_b.push_back(d);
      out_sizes.push_back(b.size(d));
      cols *= b.size(d);
    }
  Tensor left = permute(a, order_a).reshape({rows, inner}),
         right = permute(b, order_b).reshape({inner, cols});
  return matrix_product("tensordot", left, right).reshape(out_sizes);
}

Tensor Tensor::addmm(const Tensor& mat1, const Tensor& mat2, const Scalar& beta, const Scalar& alpha) const {
  return tg::addmm(*this, mat1, mat2, beta, alpha);
}
Tensor Tensor::baddbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                       const Scalar& alpha) const {
  return tg::baddbmm(*this, batch1, batch2, beta, alpha);
}
Tensor Tensor::addmv(const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha) const {
  return tg::addmv(*this, mat, vec, beta, alpha);
}
Tensor Tensor::addbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                      const Scalar& alpha) const {
  return tg::addbmm(*this, batch1, batch2, beta, alpha);
}
Tensor Tensor::mv(const Tensor& vec) const { return tg::mv(*this, vec); }
Tensor Tensor::dot(const Tensor& other) const { return tg::dot(*this, other); }
Tensor Tensor::vdot(const Tensor& other) const { return tg::vdot(*this, other); }
Tensor Tensor::outer(const Tensor& vec2) const { return tg::outer(*this, vec2); }
Tensor Tensor::ger(const Tensor& vec2) const { return tg::ger(*this, vec2); }

Tensor Tensor::matmul(const Tensor& other) const { return tg::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return tg::mm(*this, other); }
Tensor Tensor::bmm(const Tensor& other) const { return tg::bmm(*this, other); }

}  // namespace tg
