#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/kernels/pooling.hpp>

namespace tg::kernels {

namespace {

// Plain pointers to the axis tables, so the per-plane loops read no std::vector internals.
struct AxisView {
  const std::int64_t* first;
  const std::int64_t* count;
  const std::int64_t* divisor_count;
  std::int64_t step;
  std::int64_t output_size;
  std::int64_t input_size;
};

struct GeometryView {
  AxisView depth, height, width;
  std::int64_t divisor_override;
  std::int64_t input_plane, output_plane;
};

AxisView view_of(const PoolAxis& axis) {
  return {axis.first.data(), axis.count.data(),  axis.divisor_count.data(),
          axis.step,         axis.output_size(), axis.input_size};
}

GeometryView view_of(const PoolGeometry& g) {
  return {view_of(g.axes[0]), view_of(g.axes[1]), view_of(g.axes[2]),
          g.divisor_override, g.input_plane(),    g.output_plane()};
}

bool worth_threads(std::int64_t planes, std::int64_t work) {
  return planes > 1 && work >= kParallelThreshold;
}

// Visits every output position o of a plane with the flat input offset of its window's first position
// in each of the three dims; `visit(o, od, oh, ow)` does the rest.
template <class Visit>
inline void for_each_output(const GeometryView& g, Visit&& visit) {
  std::int64_t o = 0;
  for (std::int64_t od = 0; od < g.depth.output_size; ++od)
    for (std::int64_t oh = 0; oh < g.height.output_size; ++oh)
      for (std::int64_t ow = 0; ow < g.width.output_size; ++ow) visit(o++, od, oh, ow);
}

// Calls tap(flat input position) for each position of the window of (od, oh, ow).
template <class Tap>
inline void for_each_tap(const GeometryView& g, std::int64_t od, std::int64_t oh, std::int64_t ow,
                         Tap&& tap) {
  const std::int64_t in_h = g.height.input_size, in_w = g.width.input_size;
  const std::int64_t d0 = g.depth.first[od], dn = g.depth.count[od], ds = g.depth.step;
  const std::int64_t h0 = g.height.first[oh], hn = g.height.count[oh], hs = g.height.step;
  const std::int64_t w0 = g.width.first[ow], wn = g.width.count[ow], ws = g.width.step;
  for (std::int64_t td = 0; td < dn; ++td)
    for (std::int64_t th = 0; th < hn; ++th) {
      const std::int64_t row = ((d0 + td * ds) * in_h + h0 + th * hs) * in_w + w0;
      for (std::int64_t tw = 0; tw < wn; ++tw) tap(row + tw * ws);
    }
}

inline std::int64_t divisor(const GeometryView& g, std::int64_t od, std::int64_t oh, std::int64_t ow) {
  if (g.divisor_override != 0) return g.divisor_override;
  return g.depth.divisor_count[od] * g.height.divisor_count[oh] * g.width.divisor_count[ow];
}

// One output row of a 2x2 window with stride 2 along the width: a loop without branches GCC vectorizes
// (the scalar loop of table lookups and compare-and-jumps cost ~7 ns per output on random data). A tap
// wins when it is greater or NaN, so the last NaN of the window wins, as in PyTorch.
template <class T>
inline void max_pool_2x2_stride2_row(const T* __restrict row0, const T* __restrict row1, T* __restrict out,
                                     std::int64_t* __restrict indices, std::int64_t count, std::int64_t top,
                                     std::int64_t in_w) {
  for (std::int64_t ow = 0; ow < count; ++ow) {
    const std::int64_t left = top + 2 * ow;
    const T b = row0[2 * ow + 1], c = row1[2 * ow], d = row1[2 * ow + 1];
    T best = row0[2 * ow];
    std::int64_t at = left;
    const bool wins_b = (b > best) | (b != b);
    best = wins_b ? b : best;
    at = wins_b ? left + 1 : at;
    const bool wins_c = (c > best) | (c != c);
    best = wins_c ? c : best;
    at = wins_c ? left + in_w : at;
    const bool wins_d = (d > best) | (d != d);
    best = wins_d ? d : best;
    at = wins_d ? left + in_w + 1 : at;
    out[ow] = best;
    indices[ow] = at;
  }
}

// The float32 row with AVX-512: 16 outputs per step and masked loads and stores for the rest, so the short
// rows of small images (4 and 12 outputs in the fashion CNN) run as vectors too; the loop above leaves
// rows shorter than its vector width to a scalar epilogue with branches (measured 14 ns per output on
// 8x8 -> 4x4 planes, 4.6 ns on 24x24 -> 12x12).
// A tap wins when it is greater or NaN (the last NaN of the window wins, as in PyTorch).
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) inline void take_if_greater(__m512 tap,
                                                                                          __m512i tap_offset,
                                                                                          __m512& best,
                                                                                          __m512i& offset) {
  const __mmask16 wins =
      _mm512_cmp_ps_mask(tap, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(tap, tap, _CMP_UNORD_Q);
  best = _mm512_mask_blend_ps(wins, best, tap);
  offset = _mm512_mask_blend_epi32(wins, offset, tap_offset);
}

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) void avx512_max_pool_2x2_stride2_row(
    const float* row0, const float* row1, float* out, std::int64_t* indices, std::int64_t count,
    std::int64_t top, std::int64_t in_w) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i below = _mm512_set1_epi32(static_cast<int>(in_w));
  const __m512i below_right = _mm512_set1_epi32(static_cast<int>(in_w + 1));
  const auto lanes = [](std::int64_t n) {
    return static_cast<__mmask16>(n >= 16 ? 0xFFFF : (1u << std::max<std::int64_t>(n, 0)) - 1);
  };
  for (std::int64_t ow = 0; ow < count; ow += 16) {
    const std::int64_t n = std::min<std::int64_t>(16, count - ow);
    const __mmask16 low = lanes(2 * n), high = lanes(2 * n - 16), out_lanes = lanes(n);
    const float* p0 = row0 + 2 * ow;
    const float* p1 = row1 + 2 * ow;
    const __m512 top_lo = _mm512_maskz_loadu_ps(low, p0), top_hi = _mm512_maskz_loadu_ps(high, p0 + 16);
    const __m512 bottom_lo = _mm512_maskz_loadu_ps(low, p1), bottom_hi = _mm512_maskz_loadu_ps(high, p1 + 16);
    const __m512 a = _mm512_permutex2var_ps(top_lo, even, top_hi),
                 b = _mm512_permutex2var_ps(top_lo, odd, top_hi);
    const __m512 c = _mm512_permutex2var_ps(bottom_lo, even, bottom_hi);
    const __m512 d = _mm512_permutex2var_ps(bottom_lo, odd, bottom_hi);
    __m512 best = a;
    __m512i offset = even;  // 2 * lane: the window's top-left, relative to top + 2 * ow
    take_if_greater(b, _mm512_add_epi32(even, _mm512_set1_epi32(1)), best, offset);
    take_if_greater(c, _mm512_add_epi32(even, below), best, offset);
    take_if_greater(d, _mm512_add_epi32(even, below_right), best, offset);
    _mm512_mask_storeu_ps(out + ow, out_lanes, best);
    const __m512i base = _mm512_set1_epi64(top + 2 * ow);
    const __m512i first8 = _mm512_add_epi64(
        base, _mm512_maskz_cvtepi32_epi64(0xFF, _mm512_maskz_extracti64x4_epi64(0xFF, offset, 0)));
    const __m512i last8 = _mm512_add_epi64(
        base, _mm512_maskz_cvtepi32_epi64(0xFF, _mm512_maskz_extracti64x4_epi64(0xFF, offset, 1)));
    _mm512_mask_storeu_epi64(indices + ow, static_cast<__mmask8>(out_lanes), first8);
    _mm512_mask_storeu_epi64(indices + ow + 8, static_cast<__mmask8>(out_lanes >> 8), last8);
  }
}

// The common 2-d window without dilation, kernel 2x2 taps inside the input, stride 2 along the width.
template <class T>
inline void max_pool_2x2_plane(const GeometryView& g, const T* in, T* out, std::int64_t* indices,
                               bool avx512) {
  const std::int64_t in_w = g.width.input_size, out_w = g.width.output_size, w0 = g.width.first[0];
  for (std::int64_t oh = 0; oh < g.height.output_size; ++oh) {
    const std::int64_t top = g.height.first[oh] * in_w + w0;
    if constexpr (std::is_same_v<T, float>) {
      if (avx512) {
        avx512_max_pool_2x2_stride2_row(in + top, in + top + in_w, out + oh * out_w, indices + oh * out_w,
                                        out_w, top, in_w);
        continue;
      }
    }
    max_pool_2x2_stride2_row(in + top, in + top + in_w, out + oh * out_w, indices + oh * out_w, out_w, top,
                             in_w);
  }
}

// True when every window of the 2-d geometry is a full 2x2 block (no padding cut, no dilation) and the
// windows step by 2 along the width.
bool is_full_2x2(const PoolGeometry& g) {
  if (g.axes[0].output_size() != 1 || g.axes[0].input_size != 1) return false;
  for (int a = 1; a < 3; ++a) {
    const PoolAxis& axis = g.axes[a];
    if (axis.step != 1) return false;
    for (std::int64_t n : axis.count)
      if (n != 2) return false;
  }
  const PoolAxis& width = g.axes[2];
  for (std::size_t o = 0; o < width.first.size(); ++o)
    if (width.first[o] != width.first[0] + 2 * static_cast<std::int64_t>(o)) return false;
  return true;
}

}  // namespace

void max_pool(const PoolGeometry& geometry, const Tensor& input, const Tensor& values,
              const Tensor& indices) {
  const GeometryView g = view_of(geometry);
  if (g.input_plane == 0) return;
  const std::int64_t planes = input.numel() / g.input_plane;
  const bool full_2x2 = is_full_2x2(geometry);
  // The AVX-512 row keeps window offsets in 32-bit lanes.
  const bool avx512 = active_isa() == Isa::avx512 && geometry.axes[2].input_size < (std::int64_t{1} << 30);
  dispatch_floating("max_pool", input.dtype(), [&]<class T>() {
    const T* in = input.data_ptr<T>();
    T* out = values.data_ptr<T>();
    std::int64_t* at = indices.data_ptr<std::int64_t>();
    parallel_for(planes, worth_threads(planes, input.numel()), [=](std::int64_t p) {
      const T* plane = in + p * g.input_plane;
      T* plane_out = out + p * g.output_plane;
      std::int64_t* plane_at = at + p * g.output_plane;
      if (full_2x2) {
        max_pool_2x2_plane(g, plane, plane_out, plane_at, avx512);
        return;
      }
      for_each_output(g, [&](std::int64_t o, std::int64_t od, std::int64_t oh, std::int64_t ow) {
        T best = -std::numeric_limits<T>::infinity();
        std::int64_t best_at = -1;
        for_each_tap(g, od, oh, ow, [&](std::int64_t i) {
          const T v = plane[i];
          // NaN propagates (the last NaN of the window wins, as in PyTorch).
          if (best_at < 0 || v > best || v != v) {
            best = v;
            best_at = i;
          }
        });
        plane_out[o] = best;
        plane_at[o] = best_at < 0 ? 0 : best_at;
      });
    });
  });
}

void avg_pool(const PoolGeometry& geometry, const Tensor& input, const Tensor& output) {
  const GeometryView g = view_of(geometry);
  if (g.output_plane == 0 || output.numel() == 0) return;
  const std::int64_t planes = output.numel() / g.output_plane;
  dispatch_floating("avg_pool", input.dtype(), [&]<class T>() {
    const T* in = input.data_ptr<T>();
    T* out = output.data_ptr<T>();
    parallel_for(planes, worth_threads(planes, input.numel()), [=](std::int64_t p) {
      const T* plane = in + p * g.input_plane;
      T* plane_out = out + p * g.output_plane;
      for_each_output(g, [&](std::int64_t o, std::int64_t od, std::int64_t oh, std::int64_t ow) {
        T sum = 0;
        for_each_tap(g, od, oh, ow, [&](std::int64_t i) { sum += plane[i]; });
        plane_out[o] = sum / static_cast<T>(divisor(g, od, oh, ow));
      });
    });
  });
}

void avg_pool_adjoint(const PoolGeometry& geometry, const Tensor& grad_output, const Tensor& grad_input) {
  const GeometryView g = view_of(geometry);
  if (grad_input.numel() == 0) return;
  std::memset(grad_input.raw_data(), 0, grad_input.nbytes());
  if (g.output_plane == 0) return;
  const std::int64_t planes = grad_input.numel() / g.input_plane;
  dispatch_floating("avg_pool", grad_input.dtype(), [&]<class T>() {
    const T* go = grad_output.data_ptr<T>();
    T* gi = grad_input.data_ptr<T>();
    parallel_for(planes, worth_threads(planes, grad_input.numel()), [=](std::int64_t p) {
      const T* plane_go = go + p * g.output_plane;
      T* plane_gi = gi + p * g.input_plane;
      for_each_output(g, [&](std::int64_t o, std::int64_t od, std::int64_t oh, std::int64_t ow) {
        const T share = plane_go[o] / static_cast<T>(divisor(g, od, oh, ow));
        for_each_tap(g, od, oh, ow, [&](std::int64_t i) { plane_gi[i] += share; });
      });
    });
  });
}

void gather_planes(const Tensor& source, const Tensor& indices, std::int64_t planes, const Tensor& out) {
  if (planes == 0 || out.numel() == 0) return;
  const std::int64_t source_plane = source.numel() / planes, index_plane = indices.numel() / planes;
  dispatch_floating("gather", source.dtype(), [&]<class T>() {
    const T* src = source.data_ptr<T>();
    const std::int64_t* at = indices.data_ptr<std::int64_t>();
    T* dst = out.data_ptr<T>();
    parallel_for(planes, worth_threads(planes, out.numel()), [=](std::int64_t p) {
      const T* plane = src + p * source_plane;
      for (std::int64_t j = p * index_plane; j < (p + 1) * index_plane; ++j) dst[j] = plane[at[j]];
    });
  });
}

void scatter_planes(const Tensor& values, const Tensor& indices, std::int64_t planes, const Tensor& out,
                    bool accumulate) {
  if (out.numel() == 0) return;
  std::memset(out.raw_data(), 0, out.nbytes());
  if (planes == 0 || values.numel() == 0) return;
  const std::int64_t out_plane = out.numel() / planes, index_plane = indices.numel() / planes;
  dispatch_floating("scatter", values.dtype(), [&]<class T>() {
    const T* src = values.data_ptr<T>();
    const std::int64_t* at = indices.data_ptr<std::int64_t>();
    T* dst = out.data_ptr<T>();
    parallel_for(planes, worth_threads(planes, values.numel()), [=](std::int64_t p) {
      T* plane = dst + p * out_plane;
      const std::int64_t begin = p * index_plane, end = begin + index_plane;
      if (accumulate) {
        for (std::int64_t j = begin; j < end; ++j) plane[at[j]] += src[j];
      } else {
        for (std::int64_t j = begin; j < end; ++j) plane[at[j]] = src[j];
      }
    });
  });
}

}  // namespace tg::kernels
