#pragma once
// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_. Unlike optimizers,
// these rescale .grad() in place; parameters without a gradient are skipped.
#include <initializer_list>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::utils {

/// Computes the norm of all gradients together (as if concatenated) and, when
/// max_norm / (total + 1e-6) < 1, multiplies every gradient by that factor. norm_type is any p
/// (inf: the largest |g|, -inf: the smallest, 0: the count of non-zeros). Returns the total norm
/// before clipping (0 when no parameter has a gradient). With error_if_nonfinite, a NaN or
/// infinite total throws tg::Error instead of scaling the gradients by it.
double clip_grad_norm_(const tensor_list& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// A braced list of parameters: clip_grad_norm_({w, b}, 1.0) (libtorch's overload).
inline double clip_grad_norm_(std::initializer_list<Tensor> params, double max_norm, double norm_type = 2.0,
                              bool error_if_nonfinite = false) {
  return clip_grad_norm_(tensor_list(params), max_norm, norm_type, error_if_nonfinite);
}

/// One parameter (libtorch's single-Tensor overload).
inline double clip_grad_norm_(const Tensor& param, double max_norm, double norm_type = 2.0,
                              bool error_if_nonfinite = false) {
  return clip_grad_norm_(tensor_list{param}, max_norm, norm_type, error_if_nonfinite);
}

/// Clamps every gradient element to [-clip_value, clip_value] (clip_value must be >= 0).
void clip_grad_value_(const tensor_list& params, double clip_value);
inline void clip_grad_value_(std::initializer_list<Tensor> params, double clip_value) {
  clip_grad_value_(tensor_list(params), clip_value);
}
inline void clip_grad_value_(const Tensor& param, double clip_value) {
  clip_grad_value_(tensor_list{param}, clip_value);
}

}  // namespace tg::nn::utils

#pragma GCC visibility pop
