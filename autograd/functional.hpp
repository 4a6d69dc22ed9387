#pragma once
// Higher-level derivatives of whole functions, as PyTorch's torch.autograd.functional: jacobian,
// hessian, vjp, jvp, vhp, hvp. Built on autograd::grad (jvp and hvp use the double-backward trick).
//
// Each function comes in two forms (C++ has no Python tuples):
//   - single tensor in, single tensor out: func is Tensor(const Tensor&), results are Tensors;
//   - several tensors: func is tensor_list(const tensor_list&) (or Tensor(const tensor_list&) for the
//     scalar functions of hessian/vhp/hvp), results are tensor_lists, and jacobian/hessian return a
//     std::vector<tensor_list> indexed [output i][input j] (hessian: [input i][input j]).
//
// Shapes follow PyTorch: the Jacobian of an output of shape O with respect to an input of shape I has
// shape O + I (concatenated); the Hessian of a scalar function with respect to inputs i and j has
// shape I_i + I_j.
//
// create_graph: the results are differentiable (they keep their history back to `inputs` when those
// require grad); otherwise they are detached. strict: throw tg::Error when an output does not depend
// on an input (or is not differentiable) instead of returning zeros for that part; the messages are
// PyTorch's. The caller's grad mode does not matter: func always runs with grad mode on.
#include <functional>
#include <utility>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::autograd::functional {

using TensorFunction = std::function<Tensor(const Tensor&)>;
using TensorListFunction = std::function<tensor_list(const tensor_list&)>;
/// A function of several tensors returning one (one-element) tensor, for hessian, vhp and hvp.
using ScalarFunction = std::function<Tensor(const tensor_list&)>;

/// (func(inputs), v^T J): v has the outputs' shapes; it may be omitted only for a one-element output.
std::pair<Tensor, Tensor> vjp(const TensorFunction& func, const Tensor& inputs, const Tensor& v = {},
                              bool create_graph = false, bool strict = false);
std::pair<tensor_list, tensor_list> vjp(const TensorListFunction& func, const tensor_list& inputs,
                                        const tensor_list& v = {}, bool create_graph = false,
                                        bool strict = false);

/// (func(inputs), J v): v has the inputs' shapes; it may be omitted only for a one-element input.
std::pair<Tensor, Tensor> jvp(const TensorFunction& func, const Tensor& inputs, const Tensor& v = {},
                              bool create_graph = false, bool strict = false);
std::pair<tensor_list, tensor_list> jvp(const TensorListFunction& func, const tensor_list& inputs,
                                        const tensor_list& v = {}, bool create_graph = false,
                                        bool strict = false);

/// The Jacobian, of shape output.sizes() + input.sizes() (one backward per output element).
Tensor jacobian(const TensorFunction& func, const Tensor& inputs, bool create_graph = false,
                bool strict = false);
/// result[i][j] = d outputs[i] / d inputs[j].
std::vector<tensor_list> jacobian(const TensorListFunction& func, const tensor_list& inputs,
                                  bool create_graph = false, bool strict = false);

/// The Hessian of a one-element function, of shape input.sizes() + input.sizes().
Tensor hessian(const TensorFunction& func, const Tensor& inputs, bool create_graph = false,
               bool strict = false);
/// result[i][j] = d^2 func / d inputs[i] d inputs[j].
std::vector<tensor_list> hessian(const ScalarFunction& func, const tensor_list& inputs,
                                 bool create_graph = false, bool strict = false);

/// (func(inputs), v^T H) for a one-element func; v has the inputs' shapes.
std::pair<Tensor, Tensor> vhp(const TensorFunction& func, const Tensor& inputs, const Tensor& v = {},
                              bool create_graph = false, bool strict = false);
std::pair<Tensor, tensor_list> vhp(const ScalarFunction& func, const tensor_list& inputs,
                                   const tensor_list& v = {}, bool create_graph = false, bool strict = false);

/// (func(inputs), H v) for a one-element func, by the double-backward trick; v has the inputs' shapes.
std::pair<Tensor, Tensor> hvp(const TensorFunction& func, const Tensor& inputs, const Tensor& v = {},
                              bool create_graph = false, bool strict = false);
std::pair<Tensor, tensor_list> hvp(const ScalarFunction& func, const tensor_list& inputs,
                                   const tensor_list& v = {}, bool create_graph = false, bool strict = false);

}  // namespace tg::autograd::functional

#pragma GCC visibility pop
