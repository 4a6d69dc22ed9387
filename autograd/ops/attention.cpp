// Note [fused attention]
// Forward, per (batch, block of kQueryBlock query rows): for each block of kKeyBlock keys, the scores
// Q_i K_jᵀ come from one GEMM into a small buffer, get scaled and masked, and fold into a running row
// maximum m, row sum l and output accumulator O (online softmax: when the maximum grows, the old sums
// are rescaled by exp(m_old - m_new)); P_ij V_j is one more GEMM into O. At the end O /= l and the row's
// log-sum-exp m + log l is kept for the backward. Causal attention stops at the last key the block's last
// row may see, so fully masked blocks cost nothing.
// Backward (FlashAttention-2), per batch: D_i = dO_i · O_i, then for each key block and each query block
// that sees it: P = exp(S - lse) recomputed, dV_j += Pᵀ dO_i, dP = dO_i V_jᵀ, dS = P (dP - D) scale,
// dQ_i += dS K_j, dK_j += dSᵀ Q_i. With dropout the same formulas hold with P replaced by the dropped and
// rescaled weights where they multiply V (D is unchanged: sum_j P_ij Z_ij (dO_i · V_j) = dO_i · O_i).
// The dropout decision for (batch, row, column) is a hash of a seed drawn from tapegrad's generator at
// forward time, so the backward (and any blocking or thread count) sees the same pattern without storing
// it. With create_graph (double backward), or when an additive mask needs a gradient, the op is composed
// of differentiable ops instead (materializing the [L, S] weights), with the same dropout pattern.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/fast_math.hpp>
#include <tapegrad/autograd/kernels/lane_reductions.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/attention.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/matmul.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/softmax.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/autograd/tensor/random.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

constexpr std::string_view kOp = "scaled_dot_product_attention";
constexpr std::int64_t kQueryBlock = 64;
constexpr std::int64_t kKeyBlock = 64;

enum class MaskKind { none, boolean, additive };

// Everything the kernels need besides the data.
struct Geometry {
  Shape batch;  // the broadcast leading dims
  std::int64_t batches = 0, L = 0, S = 0, E = 0, Ev = 0;
  double scale = 1.0;
  bool causal = false;
  MaskKind mask = MaskKind::none;
  double dropout_p = 0.0;
  std::uint64_t seed = 0;
};

Shape leading(const Tensor& t) { return Shape(t.sizes().begin(), t.sizes().end() - 2); }

Shape with_matrix(const Shape& batch, std::int64_t rows, std::int64_t cols) {
  Shape sizes = batch;
  sizes.push_back(rows);
  sizes.push_back(cols);
  return sizes;
}

// A stride-0 view of t broadcast to `sizes` (t's dims aligned right), without history.
Tensor broadcast_view(const Tensor& t, const Shape& sizes) {
  Shape strides(sizes.size(), 0);
  const std::size_t lead = sizes.size() - static_cast<std::size_t>(t.dim());
  for (std::size_t d = 0; d < static_cast<std::size_t>(t.dim()); ++d)
    if (t.sizes()[d] != 1) strides[lead + d] = t.strides()[d];
  return detail::make_view(t, sizes, strides, t.storage_offset());
}

// The element offset (from view.raw_data()) of each batch's matrix in a view of rank batch + 2.
std::vector<std::int64_t> batch_offsets(const Tensor& view, std::int64_t batches) {
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(batches), 0);
  const std::int64_t rank = view.dim() - 2;
  for (std::int64_t b = 0; b < batches; ++b) {
    std::int64_t rest = b, offset = 0;
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      const std::int64_t size = view.size(d);
      offset += rest % size * view.stride(d);
      rest /= size;
    }
    offsets[static_cast<std::size_t>(b)] = offset;
  }
  return offsets;
}

// The dropout decision for one attention weight: a counter-based hash (splitmix64's finalizer) of the seed
// and the weight's position, so forward, backward and the composed path agree.
std::uint64_t mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

struct Dropout {
  double p = 0.0;
  std::uint64_t seed = 0;
  std::int64_t L = 0, S = 0;
  bool active() const { return p > 0.0; }
  // 1 / (1 - p) when kept, else 0.
  double factor(std::int64_t batch, std::int64_t row, std::int64_t col) const {
    if (p >= 1.0) return 0.0;
    const std::uint64_t position = static_cast<std::uint64_t>((batch * L + row) * S + col);
    const double u = static_cast<double>(mix(seed ^ mix(position + 0x9e3779b97f4a7c15ull)) >> 11) * 0x1.0p-53;
    return u >= p ? 1.0 / (1.0 - p) : 0.0;
  }
};

kernels::MatrixView view_of(const void* data, std::int64_t rows, std::int64_t cols, std::int64_t row_stride,
                            std::int64_t col_stride) {
  return {data, rows, cols, row_stride, col_stride};
}

// The operands of one problem, as typed pointers and per-batch offsets.
template <class T>
struct Operands {
  const T *q, *k, *v;
  const void* mask_data;  // bool or T
  // Kᵀ [E, S] and Vᵀ [Ev, S] per batch, contiguous (batch b at b * E * S): every block GEMM then reads
  // plain row-major operands, which libxsmm's JIT kernels take (it has no kernel for A Bᵀ).
  const T *k_t = nullptr, *v_t = nullptr;
  std::vector<std::int64_t> q_at, k_at, v_at, mask_at;
  std::int64_t mask_row = 0, mask_col = 0;  // strides of the mask view's last two dims
};

template <class T>
Operands<T> operands(const Geometry& g, const Tensor& qv, const Tensor& kv, const Tensor& vv,
                     const Tensor& mv, const Tensor& k_t, const Tensor& v_t) {
  Operands<T> o;
  o.k_t = k_t.defined() ? static_cast<const T*>(k_t.raw_data()) : nullptr;
  o.v_t = v_t.defined() ? static_cast<const T*>(v_t.raw_data()) : nullptr;
  o.q = static_cast<const T*>(qv.raw_data());
  o.k = static_cast<const T*>(kv.raw_data());
  o.v = static_cast<const T*>(vv.raw_data());
  o.q_at = batch_offsets(qv, g.batches);
  o.k_at = batch_offsets(kv, g.batches);
  o.v_at = batch_offsets(vv, g.batches);
  o.mask_data = nullptr;
  if (g.mask != MaskKind::none) {
    o.mask_data = mv.raw_data();
    o.mask_at = batch_offsets(mv, g.batches);
    o.mask_row = mv.stride(-2);
    o.mask_col = mv.stride(-1);
  }
  return o;
}

// A contiguous [batch..., cols, rows] copy of a [batch..., rows, cols] view.
Tensor transposed_copy(const Tensor& view) {
  Shape sizes = view.sizes(), strides = view.strides();
  std::swap(sizes[sizes.size() - 1], sizes[sizes.size() - 2]);
  std::swap(strides[strides.size() - 1], strides[strides.size() - 2]);
  Tensor copy = detail::make_contiguous(sizes, view.dtype());
  kernels::copy(copy, detail::make_view(view, sizes, strides, view.storage_offset()));
  return copy;
}

// scores[r, c] (rows x cols block at query row i0, key column j0) scaled and masked in place: -inf where
// the weight is masked out.
template <class T>
void scale_and_mask(T* scores, std::int64_t rows, std::int64_t cols, std::int64_t i0, std::int64_t j0,
                    std::int64_t batch, const Geometry& g, const Operands<T>& o) {
  const T scale = static_cast<T>(g.scale), minus_inf = -std::numeric_limits<T>::infinity();
  for (std::int64_t r = 0; r < rows; ++r) {
    T* row = scores + r * cols;
    for (std::int64_t c = 0; c < cols; ++c) row[c] *= scale;
    if (g.causal)
      for (std::int64_t c = std::max<std::int64_t>(i0 + r + 1 - j0, 0); c < cols; ++c) row[c] = minus_inf;
    if (g.mask == MaskKind::none) continue;
    const std::int64_t base =
        o.mask_at[static_cast<std::size_t>(batch)] + (i0 + r) * o.mask_row + j0 * o.mask_col;
    if (g.mask == MaskKind::boolean) {
      const bool* allowed = static_cast<const bool*>(o.mask_data) + base;
      for (std::int64_t c = 0; c < cols; ++c)
        if (!allowed[c * o.mask_col]) row[c] = minus_inf;
    } else {
      const T* bias = static_cast<const T*>(o.mask_data) + base;
      for (std::int64_t c = 0; c < cols; ++c) row[c] += bias[c * o.mask_col];
    }
  }
}

template <class T>
T exp_of(T x) {
  return kernels::fast::exp_nonpositive(x);
}

// The keys query rows [i0, i0 + rows) may see: causal rows stop at their own index.
std::int64_t key_end(const Geometry& g, std::int64_t i0, std::int64_t rows) {
  return g.causal ? std::min(g.S, i0 + rows) : g.S;
}

// Forward of one block of query rows: out rows and their log-sum-exp.
template <class T>
void forward_block(const Geometry& g, const Operands<T>& o, const Dropout& dropout, std::int64_t batch,
                   std::int64_t i0, T* out, T* lse, std::vector<T>& scores) {
  const std::int64_t rows = std::min(kQueryBlock, g.L - i0), E = g.E, Ev = g.Ev;
  const Dtype dtype = dtype_of<T>();
  const T* q = o.q + o.q_at[static_cast<std::size_t>(batch)] + i0 * E;
  const T* k_t = o.k_t + batch * E * g.S;
  const T* v = o.v + o.v_at[static_cast<std::size_t>(batch)];
  T* acc = out + (batch * g.L + i0) * Ev;
  T* row_lse = lse + batch * g.L + i0;
  std::fill(acc, acc + rows * Ev, T(0));
  std::vector<T> maxima(static_cast<std::size_t>(rows), -std::numeric_limits<T>::infinity());
  std::vector<T> sums(static_cast<std::size_t>(rows), T(0));
  const std::int64_t end = key_end(g, i0, rows);
  for (std::int64_t j0 = 0; j0 < end; j0 += kKeyBlock) {
    const std::int64_t cols = std::min(kKeyBlock, end - j0);
    T* s = scores.data();
    kernels::gemm(dtype, 1.0, view_of(q, rows, E, E, 1), view_of(k_t + j0, E, cols, g.S, 1), 0.0,
                  view_of(s, rows, cols, cols, 1));
    scale_and_mask(s, rows, cols, i0, j0, batch, g, o);
    for (std::int64_t r = 0; r < rows; ++r) {
      T* row = s + r * cols;
      const T top = std::max(maxima[static_cast<std::size_t>(r)], kernels::lane_row_max(row, cols));
      if (top == -std::numeric_limits<T>::infinity()) {  // nothing visible yet: contributes nothing
        std::fill(row, row + cols, T(0));
        continue;
      }
      const T correction = exp_of<T>(maxima[static_cast<std::size_t>(r)] - top);
      for (std::int64_t c = 0; c < cols; ++c) row[c] = exp_of<T>(row[c] - top);
      const T sum = kernels::lane_row_sum(row, cols);
      sums[static_cast<std::size_t>(r)] = sums[static_cast<std::size_t>(r)] * correction + sum;
      maxima[static_cast<std::size_t>(r)] = top;
      if (correction != T(1))
        for (std::int64_t e = 0; e < Ev; ++e) acc[r * Ev + e] *= correction;
      if (dropout.active())
        for (std::int64_t c = 0; c < cols; ++c)
          row[c] *= static_cast<T>(dropout.factor(batch, i0 + r, j0 + c));
    }
    kernels::gemm(dtype, 1.0, view_of(s, rows, cols, cols, 1), view_of(v + j0 * Ev, cols, Ev, Ev, 1), 1.0,
                  view_of(acc, rows, Ev, Ev, 1));
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    const T sum = sums[static_cast<std::size_t>(r)];
    if (sum == T(0)) {  // no visible key: zeros, and a log-sum-exp that makes every weight 0
      std::fill(acc + r * Ev, acc + (r + 1) * Ev, T(0));
      row_lse[r] = -std::numeric_limits<T>::infinity();
      continue;
    }
    const T inverse = T(1) / sum;
    for (std::int64_t e = 0; e < Ev; ++e) acc[r * Ev + e] *= inverse;
    row_lse[r] = maxima[static_cast<std::size_t>(r)] + std::log(sum);
  }
}

bool worth_threads(const Geometry& g) {
  return static_cast<double>(g.batches) * static_cast<double>(g.L) * static_cast<double>(g.S) *
             static_cast<double>(g.E + g.Ev) >
         1 << 16;
}

template <class T>
void forward_kernel(const Geometry& g, const Operands<T>& o, T* out, T* lse) {
  const std::int64_t query_blocks = (g.L + kQueryBlock - 1) / kQueryBlock;
  const Dropout dropout{g.dropout_p, g.seed, g.L, g.S};
  kernels::parallel_ranges(g.batches * query_blocks,
                           worth_threads(g) ? kernels::chunk_count(g.batches * query_blocks, 1) : 1,
                           [&](std::int64_t begin, std::int64_t end) {
                             std::vector<T> scores(static_cast<std::size_t>(kQueryBlock * kKeyBlock));
                             for (std::int64_t task = begin; task < end; ++task)
                               kernels::isa_run([&] {
                                 forward_block(g, o, dropout, task / query_blocks,
                                               task % query_blocks * kQueryBlock, out, lse, scores);
                               });
                           });
}

// Backward of one batch: dq [L, E], dk [S, E], dv [S, Ev] of this batch (contiguous, overwritten).
template <class T>
void backward_batch(const Geometry& g, const Operands<T>& o, const Dropout& dropout, std::int64_t batch,
                    const T* grad_out, const T* out, const T* lse, T* dq, T* dk, T* dv) {
  const std::int64_t L = g.L, S = g.S, E = g.E, Ev = g.Ev;
  const Dtype dtype = dtype_of<T>();
  const T* q = o.q + o.q_at[static_cast<std::size_t>(batch)];
  const T* k = o.k + o.k_at[static_cast<std::size_t>(batch)];
  const T* k_t = o.k_t + batch * E * S;
  const T* v_t = o.v_t + batch * Ev * S;
  const T* d_out = grad_out + batch * L * Ev;
  const T* o_rows = out + batch * L * Ev;
  const T* row_lse = lse + batch * L;
  std::vector<T> delta(static_cast<std::size_t>(L));
  for (std::int64_t i = 0; i < L; ++i) {
    T dot = 0;
    for (std::int64_t e = 0; e < Ev; ++e) dot += d_out[i * Ev + e] * o_rows[i * Ev + e];
    delta[static_cast<std::size_t>(i)] = dot;
  }
  std::fill(dq, dq + L * E, T(0));
  std::fill(dk, dk + S * E, T(0));
  std::fill(dv, dv + S * Ev, T(0));
  const std::size_t block = static_cast<std::size_t>(kQueryBlock * kKeyBlock);
  // P and dS of a block, and their transposes (the left operands of dV += Pᵀ dO and dK += dSᵀ Q).
  std::vector<T> weights(block), applied_t(block), d_scores(block), d_scores_t(block);
  for (std::int64_t j0 = 0; j0 < S; j0 += kKeyBlock) {
    const std::int64_t cols = std::min(kKeyBlock, S - j0);
    const std::int64_t first_row = g.causal ? j0 / kQueryBlock * kQueryBlock : 0;
    for (std::int64_t i0 = first_row; i0 < L; i0 += kQueryBlock) {
      const std::int64_t rows = std::min(kQueryBlock, L - i0);
      T* p = weights.data();
      kernels::gemm(dtype, 1.0, view_of(q + i0 * E, rows, E, E, 1), view_of(k_t + j0, E, cols, S, 1), 0.0,
                    view_of(p, rows, cols, cols, 1));
      scale_and_mask(p, rows, cols, i0, j0, batch, g, o);
      for (std::int64_t r = 0; r < rows; ++r) {
        const T shift = row_lse[i0 + r];
        T* row = p + r * cols;
        if (shift == -std::numeric_limits<T>::infinity()) {
          std::fill(row, row + cols, T(0));
          continue;
        }
        for (std::int64_t c = 0; c < cols; ++c) row[c] = exp_of<T>(row[c] - shift);
      }
      T* p_t = applied_t.data();  // the weights that multiplied V, transposed
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) p_t[c * rows + r] = p[r * cols + c];
      if (dropout.active())
        for (std::int64_t c = 0; c < cols; ++c)
          for (std::int64_t r = 0; r < rows; ++r)
            p_t[c * rows + r] *= static_cast<T>(dropout.factor(batch, i0 + r, j0 + c));
      // dV_j += appliedᵀ dO_i
      kernels::gemm(dtype, 1.0, view_of(p_t, cols, rows, rows, 1), view_of(d_out + i0 * Ev, rows, Ev, Ev, 1),
                    1.0, view_of(dv + j0 * Ev, cols, Ev, Ev, 1));
      // dP = dO_i V_jᵀ
      T* ds = d_scores.data();
      T* ds_t = d_scores_t.data();
      kernels::gemm(dtype, 1.0, view_of(d_out + i0 * Ev, rows, Ev, Ev, 1), view_of(v_t + j0, Ev, cols, S, 1),
                    0.0, view_of(ds, rows, cols, cols, 1));
      const T scale = static_cast<T>(g.scale);
      if (dropout.active())
        for (std::int64_t r = 0; r < rows; ++r)
          for (std::int64_t c = 0; c < cols; ++c)
            ds[r * cols + c] *= static_cast<T>(dropout.factor(batch, i0 + r, j0 + c));
      for (std::int64_t r = 0; r < rows; ++r) {
        const T d = delta[static_cast<std::size_t>(i0 + r)];
        for (std::int64_t c = 0; c < cols; ++c) {
          const T dp = ds[r * cols + c];
          const T value = p[r * cols + c] * (dp - d) * scale;
          ds[r * cols + c] = value;
          ds_t[c * rows + r] = value;
        }
      }
      // dQ_i += dS K_j, dK_j += dSᵀ Q_i
      kernels::gemm(dtype, 1.0, view_of(ds, rows, cols, cols, 1), view_of(k + j0 * E, cols, E, E, 1), 1.0,
                    view_of(dq + i0 * E, rows, E, E, 1));
      kernels::gemm(dtype, 1.0, view_of(ds_t, cols, rows, rows, 1), view_of(q + i0 * E, rows, E, E, 1), 1.0,
                    view_of(dk + j0 * E, cols, E, E, 1));
    }
  }
}

// ---- Checks and geometry.

// NumPy broadcasting of two shapes into `out`; false when they do not broadcast.
bool broadcast_into(const Shape& a, const Shape& b, Shape& out) {
  const std::size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (std::size_t d = 0; d < rank; ++d) {
    const std::int64_t x = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    const std::int64_t y = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    if (x != y && x != 1 && y != 1) return false;
    out[d] = x == 1 ? y : x;
  }
  return true;
}

// True when `sizes` broadcasts to exactly `target` (NumPy rules, aligned right).
bool broadcasts_to(IntArrayRef sizes, const Shape& target) {
  if (sizes.size() > target.size()) return false;
  const std::size_t lead = target.size() - sizes.size();
  for (std::size_t d = 0; d < sizes.size(); ++d)
    if (sizes[d] != 1 && sizes[d] != target[lead + d]) return false;
  return true;
}

Geometry check_and_measure(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                           double dropout_p, bool is_causal, std::optional<double> scale) {
  detail::check_defined(kOp, "query", q);
  detail::check_defined(kOp, "key", k);
  detail::check_defined(kOp, "value", v);
  detail::check_floating(kOp, "query", q);
  check(k.dtype() == q.dtype() && v.dtype() == q.dtype(), kOp,
        "query, key and value must have the same dtype, got query ", q.dtype(), ", key ", k.dtype(),
        " and value ", v.dtype());
  check(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2, kOp,
        "query, key and value must have at least 2 dims ([..., L, E]), got query ", q.sizes(), ", key ",
        k.sizes(), " and value ", v.sizes());
  check(k.size(-1) == q.size(-1), kOp, "query ", q.sizes(), " and key ", k.sizes(),
        " must have the same embedding size (last dim)");
  check(k.size(-2) == v.size(-2), kOp, "key ", k.sizes(), " and value ", v.sizes(),
        " must have the same sequence length (dim -2)");
  check(dropout_p >= 0.0 && dropout_p <= 1.0, kOp, "dropout probability has to be between 0 and 1, but got ",
        dropout_p);
  Geometry g;
  Shape qk;
  const bool batch_ok = broadcast_into(leading(q), leading(k), qk) && broadcast_into(qk, leading(v), g.batch);
  check(batch_ok, kOp, "the batch dims of query ", q.sizes(), ", key ", k.sizes(), " and value ", v.sizes(),
        " do not broadcast");
  g.batches = shape_numel(g.batch);
  g.L = q.size(-2);
  g.S = k.size(-2);
  g.E = q.size(-1);
  g.Ev = v.size(-1);
  g.scale = scale.value_or(1.0 / std::sqrt(static_cast<double>(g.E)));
  g.causal = is_causal;
  g.dropout_p = dropout_p;
  if (mask.defined()) {
    check(!is_causal, kOp, "Explicit attn_mask should not be set when is_causal=True");
    check(mask.dtype() == kBool || mask.dtype() == q.dtype(), kOp,
          "Expected attn_mask dtype to be bool or to match query dtype, got attn_mask ", mask.dtype(),
          " and query ", q.dtype());
    const Shape full = with_matrix(g.batch, g.L, g.S);
    const bool fits = broadcasts_to(mask.sizes(), full);
    check(fits, kOp, "attn_mask of shape ", mask.sizes(),
          " does not broadcast to the attention weights' shape ", full, " (query ", q.sizes(), ", key ",
          k.sizes(), ")");
    g.mask = mask.dtype() == kBool ? MaskKind::boolean : MaskKind::additive;
  }
  return g;
}

std::uint64_t draw_seed() {
  const auto high = static_cast<std::uint64_t>(detail::next_uniform() * 0x1.0p32);
  const auto low = static_cast<std::uint64_t>(detail::next_uniform() * 0x1.0p32);
  return high << 32 | low;
}

// ---- The composed path (double backward, or a mask that needs a gradient).

// [batch..., L, S] bool: where the weight is masked out (causal or a false bool mask).
Tensor masked_out(const Geometry& g, const Tensor& mask) {
  if (g.mask == MaskKind::boolean) return logical_not(mask.detach());
  Tensor hidden = zeros({g.L, g.S}, kBool);
  bool* data = hidden.data_ptr<bool>();
  for (std::int64_t i = 0; i < g.L; ++i)
    for (std::int64_t j = i + 1; j < g.S; ++j) data[i * g.S + j] = true;
  return hidden;
}

// The dropout factors as a [batch..., L, S] tensor in `dtype` (the composed path's multiplier).
Tensor dropout_factors(const Geometry& g, Dtype dtype) {
  Tensor factors = detail::make_contiguous(with_matrix(g.batch, g.L, g.S), kFloat64);
  double* data = factors.data_ptr<double>();
  const Dropout dropout{g.dropout_p, g.seed, g.L, g.S};
  for (std::int64_t b = 0; b < g.batches; ++b)
    for (std::int64_t i = 0; i < g.L; ++i)
      for (std::int64_t j = 0; j < g.S; ++j) data[(b * g.L + i) * g.S + j] = dropout.factor(b, i, j);
  return factors.to(dtype);
}

// The attention weights softmax(q kᵀ scale + mask) as differentiable ops, with rows that see no key set to 0.
Tensor composed_weights(const Geometry& g, const Tensor& q, const Tensor& k, const Tensor& mask) {
  Tensor scores = matmul(q, k.transpose(-2, -1)) * g.scale;
  if (g.mask == MaskKind::additive) scores = scores + mask;
  if (g.causal || g.mask == MaskKind::boolean)
    scores = masked_fill(scores, masked_out(g, mask), -std::numeric_limits<double>::infinity());
  if (g.S == 0) return softmax(scores, -1);
  const Tensor blind =
      all(eq(scores.detach(), -std::numeric_limits<double>::infinity()), -1, /*keepdim=*/true);
  return masked_fill(softmax(masked_fill(scores, blind, 0.0), -1), blind, 0.0);
}

Tensor composed_attention(const Geometry& g, const Tensor& q, const Tensor& k, const Tensor& v,
                          const Tensor& mask) {
  Tensor weights = composed_weights(g, q, k, mask);
  if (g.dropout_p > 0.0) weights = weights * dropout_factors(g, q.dtype());
  return matmul(weights, v);
}

}  // namespace

// ---- The fused op.
struct ScaledDotProductAttentionBackward final : Node {
  SavedTensor query, key, value, mask, out;
  Tensor lse;  // [batches, L], a plain buffer of this node
  Geometry geometry;
  std::string_view name() const override { return "ScaledDotProductAttentionBackward"; }
  void release_saved() override {
    query.reset();
    key.reset();
    value.reset();
    mask.reset();
    out.reset();
    lse = Tensor();
  }
  tensor_list apply(tensor_list&& grads) override {
    const Tensor q = query.unpack(*this), k = key.unpack(*this), v = value.unpack(*this);
    const Tensor m = mask.defined() ? mask.unpack(*this) : Tensor();
    const Geometry& g = geometry;
    if (GradMode::is_enabled()) return composed_grads(q, k, v, m, grads[0]);
    const Tensor qv = broadcast_view(q.detach().contiguous(), with_matrix(g.batch, g.L, g.E));
    const Tensor kv = broadcast_view(k.detach().contiguous(), with_matrix(g.batch, g.S, g.E));
    const Tensor vv = broadcast_view(v.detach().contiguous(), with_matrix(g.batch, g.S, g.Ev));
    const Tensor mv = m.defined() ? broadcast_view(m.detach(), with_matrix(g.batch, g.L, g.S)) : Tensor();
    const Tensor grad_out = grads[0].contiguous(), o = out.unpack(*this).detach().contiguous();
    Tensor dq = detail::make_contiguous(with_matrix(g.batch, g.L, g.E), q.dtype());
    Tensor dk = detail::make_contiguous(with_matrix(g.batch, g.S, g.E), q.dtype());
    Tensor dv = detail::make_contiguous(with_matrix(g.batch, g.S, g.Ev), q.dtype());
    kernels::dispatch_floating(kOp, q.dtype(), [&]<class T>() {
      const Tensor k_t = transposed_copy(kv), v_t = transposed_copy(vv);
      const Operands<T> ops = operands<T>(g, qv, kv, vv, mv, k_t, v_t);
      const Dropout dropout{g.dropout_p, g.seed, g.L, g.S};
      const std::int64_t chunks = worth_threads(g) ? kernels::chunk_count(g.batches, 1) : 1;
      kernels::parallel_ranges(g.batches, chunks, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t b = begin; b < end; ++b)
          kernels::isa_run([&] {
            backward_batch(g, ops, dropout, b, grad_out.data_ptr<T>(), o.data_ptr<T>(), lse.data_ptr<T>(),
                           dq.data_ptr<T>() + b * g.L * g.E, dk.data_ptr<T>() + b * g.S * g.E,
                           dv.data_ptr<T>() + b * g.S * g.Ev);
          });
      });
    });
    tensor_list result(3);
    if (needs_input_grad(0)) result[0] = sum_to(dq, q.sizes());
    if (needs_input_grad(1)) result[1] = sum_to(dk, k.sizes());
    if (needs_input_grad(2)) result[2] = sum_to(dv, v.sizes());
    return result;
  }

 private:
  // The same gradients written with differentiable ops (for create_graph).
  tensor_list composed_grads(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& m,
                             const Tensor& grad) {
    const Geometry& g = geometry;
    const Tensor weights = composed_weights(g, q, k, m);
    Tensor applied = weights, d_weights = matmul(grad, v.transpose(-2, -1));
    if (g.dropout_p > 0.0) {
      const Tensor factors = dropout_factors(g, q.dtype());
      applied = weights * factors;
      d_weights = d_weights * factors;
    }
    const Tensor d_scores =
        weights * (d_weights - sum(d_weights * weights, {-1}, /*keepdim=*/true)) * geometry.scale;
    tensor_list result(3);
    if (needs_input_grad(0)) result[0] = sum_to(matmul(d_scores, k), q.sizes());
    if (needs_input_grad(1)) result[1] = sum_to(matmul(d_scores.transpose(-2, -1), q), k.sizes());
    if (needs_input_grad(2)) result[2] = sum_to(matmul(applied.transpose(-2, -1), grad), v.sizes());
    return result;
  }
};

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale) {
  Geometry g = check_and_measure(query, key, value, attn_mask, dropout_p, is_causal, scale);
  if (dropout_p > 0.0) g.seed = draw_seed();
  // An additive mask that needs a gradient: the composed ops give it one (the fused backward has none).
  if (attn_mask.defined() && attn_mask.requires_grad() && GradMode::is_enabled())
    return composed_attention(g, query, key, value, attn_mask);
  Tensor out = detail::make_contiguous(with_matrix(g.batch, g.L, g.Ev), query.dtype());
  Tensor lse = detail::make_contiguous({g.batches, g.L}, query.dtype());
  if (lse.numel() > 0) {  // also when Ev is 0: the backward reads lse
    const Tensor qv = broadcast_view(query.detach().contiguous(), with_matrix(g.batch, g.L, g.E));
    const Tensor kv = broadcast_view(key.detach().contiguous(), with_matrix(g.batch, g.S, g.E));
    const Tensor vv = broadcast_view(value.detach().contiguous(), with_matrix(g.batch, g.S, g.Ev));
    const Tensor mv =
        attn_mask.defined() ? broadcast_view(attn_mask.detach(), with_matrix(g.batch, g.L, g.S)) : Tensor();
    kernels::dispatch_floating(kOp, query.dtype(), [&]<class T>() {
      const Tensor k_t = transposed_copy(kv);
      forward_kernel<T>(g, operands<T>(g, qv, kv, vv, mv, k_t, Tensor()), out.data_ptr<T>(),
                        lse.data_ptr<T>());
    });
  }
  if (auto* node = record<ScaledDotProductAttentionBackward>({query, key, value}, {out})) {
    node->query = SavedTensor(query, false);
    node->key = SavedTensor(key, false);
    node->value = SavedTensor(value, false);
    if (attn_mask.defined()) node->mask = SavedTensor(attn_mask, false);
    node->out = SavedTensor(out, true);
    node->lse = lse;
    node->geometry = g;
  }
  return out;
}

}  // namespace tg
