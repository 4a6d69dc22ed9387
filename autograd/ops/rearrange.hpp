#pragma once
// Copies that rearrange or repeat elements: repeat, tile, repeat_interleave, flip, roll. All return
// new tensors (never views), as PyTorch's do.
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Repeats the whole tensor repeats[i] times along dim i (leading repeats add new dims).
Tensor repeat(const Tensor& x, IntArrayRef repeats);
/// repeat, with fewer `dims` than x has padded by leading ones.
Tensor tile(const Tensor& x, IntArrayRef dims);
/// Each element (or slab along dim) repeated `repeats` times in place; without dim, x is flattened.
Tensor repeat_interleave(const Tensor& x, std::int64_t repeats,
                         std::optional<std::int64_t> dim = std::nullopt,
                         std::optional<std::int64_t> output_size = std::nullopt);
/// Slab i along dim repeated repeats[i] times (repeats: int64, 0-d or 1-d).
Tensor repeat_interleave(const Tensor& x, const Tensor& repeats,
                         std::optional<std::int64_t> dim = std::nullopt,
                         std::optional<std::int64_t> output_size = std::nullopt);
/// Index i repeated repeats[i] times: repeat_interleave([1, 0, 2]) = [0, 2, 2].
Tensor repeat_interleave(const Tensor& repeats, std::optional<std::int64_t> output_size = std::nullopt);
/// Reverses the order of elements along each of dims.
Tensor flip(const Tensor& x, IntArrayRef dims);
/// Shifts elements cyclically by shifts[i] along dims[i]; with no dims, over the flattened tensor.
Tensor roll(const Tensor& x, IntArrayRef shifts, IntArrayRef dims = {});

}  // namespace tg

#pragma GCC visibility pop
