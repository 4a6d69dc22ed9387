#pragma once
// tg::save / tg::load for tensors, with libtorch's entry points (torch/serialize.h):
//
//   tg::save(x, "x.safetensors");              tg::load(x, "x.safetensors");
//   tg::save(std::vector<Tensor>{a, b}, out);  tg::load(tensors, in);       (std::ostream / std::istream)
//
// A Tensor file holds it under the key "0" and a std::vector<Tensor> file its tensors under "0",
// "1", ... (libtorch's keys); any tapegrad dtype, any strides (written row-major), 0-d and
// zero-size tensors. The metadata tells the two kinds apart, so loading one as the other throws.
// Named tensors (std::map, OrderedDict) are saved as they are, without metadata, as plain
// safetensors files any tool reads.
#include <map>
#include <string>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/ordered_dict.hpp>
#include <tapegrad/serialize/io.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

void save(const Tensor& tensor, const SaveTarget& target);
void save(const std::vector<Tensor>& tensors, const SaveTarget& target);
void save(const std::map<std::string, Tensor>& tensors, const SaveTarget& target);
void save(const OrderedDict<Tensor>& tensors, const SaveTarget& target);

/// An undefined `tensor` becomes the loaded one; a defined one takes its value, sizes and dtype in
/// place (as libtorch's set_, under NoGradGuard), so other handles to it see the new value and its
/// requires_grad is kept. A file without tapegrad's metadata (e.g. written by Python) must hold
/// exactly one tensor, named "0".
void load(Tensor& tensor, const LoadSource& source);
/// Appends the file's tensors "0", "1", ... to `tensors` (as libtorch, which pushes them back).
void load(std::vector<Tensor>& tensors, const LoadSource& source);
/// Replaces `tensors` with the file's tensors (any safetensors file).
void load(std::map<std::string, Tensor>& tensors, const LoadSource& source);
void load(OrderedDict<Tensor>& tensors, const LoadSource& source);

}  // namespace tg

#pragma GCC visibility pop
