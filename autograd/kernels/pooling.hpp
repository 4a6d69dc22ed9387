#pragma once
// Pooling loops on contiguous planes: a tensor is seen as [planes, depth, height, width] (1-d and 2-d pools
// have depth and height 1), every leading dim a plane, and each plane is one task of the parallel loop.
// Each output position reads a window given per spatial dim by a table (first input position, number of
// positions, step), which covers the strided, padded, dilated, ceil-mode and adaptive windows alike: the
// padding is already cut off by the tables, so the loops never test bounds. Included only by .cpp files.
#include <array>
#include <cstdint>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::kernels {

/// The windows of one spatial dim: output position o reads input positions first[o] + t * step for t in
/// [0, count[o]). `divisor_count[o]` is what that dim contributes to an average's divisor.
struct PoolAxis {
  std::int64_t input_size = 1;
  std::int64_t step = 1;
  std::vector<std::int64_t> first = {0};
  std::vector<std::int64_t> count = {1};
  std::vector<std::int64_t> divisor_count = {1};
  std::int64_t output_size() const { return static_cast<std::int64_t>(first.size()); }
};

/// Depth, height, width; absent leading dims are single-position axes.
struct PoolGeometry {
  std::array<PoolAxis, 3> axes;
  std::int64_t divisor_override = 0;  // 0: the product of the axes' divisor counts
  std::int64_t input_plane() const { return axes[0].input_size * axes[1].input_size * axes[2].input_size; }
  std::int64_t output_plane() const {
    return axes[0].output_size() * axes[1].output_size() * axes[2].output_size();
  }
};

/// values[p, o] = max over o's window of input[p, .] (NaN wins), indices[p, o] its position in the plane
/// (the first of equal maxima). `input` contiguous floating, `values`/`indices` contiguous.
void max_pool(const PoolGeometry& geometry, const Tensor& input, const Tensor& values, const Tensor& indices);
/// output[p, o] = sum over o's window of input[p, .] / divisor(o).
void avg_pool(const PoolGeometry& geometry, const Tensor& input, const Tensor& output);
/// The adjoint of avg_pool: grad_input (zeroed here) gets grad_output[p, o] / divisor(o) at every
/// position of o's window.
void avg_pool_adjoint(const PoolGeometry& geometry, const Tensor& grad_output, const Tensor& grad_input);

/// out[p, j] = source[p, indices[p, j]] with planes of source_plane and index_plane elements.
void gather_planes(const Tensor& source, const Tensor& indices, std::int64_t planes, const Tensor& out);
/// out (zeroed here) [p, indices[p, j]] += values[p, j] (accumulate) or = values[p, j].
void scatter_planes(const Tensor& values, const Tensor& indices, std::int64_t planes, const Tensor& out,
                    bool accumulate);

}  // namespace tg::kernels
