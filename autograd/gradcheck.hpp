#pragma once
// gradcheck / gradgradcheck: compare autograd's Jacobians with central finite differences.
// Meant for users' own tests too (see gradcheck_gtest.hpp for the GoogleTest one-liner).
#include <functional>
#include <string>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::autograd {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // pass when |analytical - numerical| <= atol + rtol * |numerical|
  double rtol = 1e-3;
  bool raise_exception = true;  // throw tg::Error with the report on failure (PyTorch's default)
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  // empty on success; on failure: which input/output element, both values, shapes
  explicit operator bool() const { return ok; }
};

using TensorFunction = std::function<Tensor(const tensor_list&)>;
using TensorListFunction = std::function<tensor_list(const tensor_list&)>;

/// Checks d fn(inputs) / d inputs for every input that requires grad (those must be float64).
GradcheckResult gradcheck(const TensorListFunction& fn, const tensor_list& inputs,
                          GradcheckOptions options = {});
GradcheckResult gradcheck(const TensorFunction& fn, const tensor_list& inputs, GradcheckOptions options = {});

/// Checks second derivatives: gradcheck of (inputs, v) -> grad(fn(inputs), inputs, v, create_graph=true)
/// for fixed pseudo-random v.
GradcheckResult gradgradcheck(const TensorListFunction& fn, const tensor_list& inputs,
                              GradcheckOptions options = {});
GradcheckResult gradgradcheck(const TensorFunction& fn, const tensor_list& inputs,
                              GradcheckOptions options = {});

}  // namespace tg::autograd

#pragma GCC visibility pop
