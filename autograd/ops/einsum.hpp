#pragma once
// einsum: Einstein summation through permute/reshape/sum and batched GEMMs (bmm).
#include <string_view>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// einsum("bij,bjk->bik", {a, b}): letters name dims, "->" gives the output (implicit: the letters seen
/// once, alphabetically), "..." stands for broadcast leading dims. Each pair of operands is contracted
/// with one bmm; a letter in one operand only and not in the output is summed out first. Gradients
/// come from those building blocks. A letter repeated within one operand takes the diagonal ("ii->i",
/// "ii" is the trace).
Tensor einsum(std::string_view equation, const tensor_list& tensors);

}  // namespace tg

#pragma GCC visibility pop
