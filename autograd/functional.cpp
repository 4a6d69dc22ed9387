#include <optional>
#include <string>
#include <string_view>

#include <tapegrad/autograd/engine/engine.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/functional.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg::autograd::functional {
namespace {

// Fresh tensors for the inputs, so that func's graph starts at them. With create_graph an input that
// requires grad is passed through a differentiable view, so results keep their history back to it;
// otherwise it is detached (and made to require grad when a graph is needed).
tensor_list prepare(std::string_view op, const tensor_list& tensors, bool create_graph, bool need_graph) {
  tensor_list out;
  out.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check(t.defined(), op, "input ", i, " is an undefined tensor");
    if (create_graph && t.requires_grad()) {
      out.push_back(t.reshape(t.sizes()));
      continue;
    }
    Tensor fresh = t.detach();
    if (need_graph) {
      check(t.is_floating_point(), op, "input ", i, " is ", t.dtype(),
            "; only float32/float64 inputs can be differentiated against");
      fresh.requires_grad_(true);
    }
    out.push_back(std::move(fresh));
  }
  return out;
}

// Without create_graph, results are returned without history.
tensor_list finish(tensor_list tensors, bool create_graph) {
  if (!create_graph)
    for (Tensor& t : tensors)
      if (t.defined()) t = t.detach();
  return tensors;
}

enum class Checked { outputs, grad_inputs, jacobian, hessian };

void check_requires_grad(std::string_view op, const tensor_list& tensors, Checked what, bool strict) {
  if (!strict) return;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    check(tensors[i].defined(), op, "The output of the user-provided function is independent of input ", i,
          ". This is not allowed in strict mode.");
    if (tensors[i].requires_grad()) continue;
    switch (what) {
      case Checked::outputs:
        check(false, op, "Output ", i,
              " of the user-provided function does not require gradients. The outputs must be computed in a "
              "differentiable manner from the input when running in strict mode.");
        break;
      case Checked::grad_inputs:
        check(false, op, "The gradient with respect to input ", i,
              " is independent of the inputs of the user-provided function. This is not allowed in strict "
              "mode.");
        break;
      case Checked::jacobian:
        check(false, op,
              "While computing the hessian, found that the jacobian of the user-provided function with "
              "respect to input ",
              i,
              " is independent of the input. This is not allowed in strict mode. You should ensure that your "
              "function is twice differentiable and that the jacobian depends on the inputs (this would be "
              "violated by a linear function for example).");
        break;
      case Checked::hessian:
        check(false, op, "The hessian of the user-provided function with respect to input ", i,
              " is independent of the input. This is not allowed in strict mode. You should ensure that your "
              "function is thrice differentiable and that the hessian depends on the inputs.");
        break;
    }
  }
}

// v must match `reference` (the outputs for vjp, the inputs otherwise) in count and shapes.
tensor_list prepare_v(std::string_view op, const tensor_list& v, const tensor_list& reference, bool is_list,
                      bool create_graph) {
  if (is_list)
    check(v.size() == reference.size(), op, "v is a tuple of invalid length: should be ", reference.size(),
          " but got ", v.size(), ".");
  else
    check(v.size() == 1, op, "The given v should contain a single Tensor.");
  for (std::size_t i = 0; i < v.size(); ++i) {
    check(v[i].defined(), op, is_list ? "entry " + std::to_string(i) + " of v" : std::string("v"),
          " is an undefined tensor");
    check(v[i].sizes() == reference[i].sizes(), op,
          is_list ? "Entry " + std::to_string(i) + " in " : std::string(), "v has invalid size: should be ",
          reference[i].sizes(), " but got ", v[i].sizes(), ".");
  }
  return prepare(op, v, create_graph, /*need_graph=*/false);
}

bool single_element(const tensor_list& tensors) { return tensors.size() == 1 && tensors[0].numel() == 1; }

// autograd::grad over the outputs that take part in a graph; an input none of them reaches gets an
// undefined gradient (as does every input when no output requires grad).
tensor_list grad_of_differentiable(const tensor_list& outputs, const tensor_list& inputs,
                                   const tensor_list& grad_outputs, bool create_graph,
                                   std::optional<bool> retain_graph = std::nullopt) {
  tensor_list roots, root_grads;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined() || !outputs[i].requires_grad()) continue;
    roots.push_back(outputs[i]);
    root_grads.push_back(grad_outputs.empty() ? Tensor() : grad_outputs[i]);
  }
  if (roots.empty()) return tensor_list(inputs.size());
  return grad(roots, inputs, root_grads, retain_graph, create_graph, /*allow_unused=*/true);
}

// Which backward produced `grads` (for strict mode's messages).
enum class Stage { back, back_trick, double_back, double_back_trick };

tensor_list zeros_where_undefined(std::string_view op, tensor_list grads, const tensor_list& references,
                                  bool strict, bool create_graph, Stage stage) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) {
      if (strict) {
        switch (stage) {
          case Stage::back:
            check(false, op, "The output of the user-provided function is independent of input ", i,
                  ". This is not allowed in strict mode.");
            break;
          case Stage::back_trick:
            check(false, op, "The gradient with respect to the input is independent of entry ", i,
                  " in the grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.");
            break;
          case Stage::double_back:
            check(false, op, "The jacobian of the user-provided function is independent of input ", i,
                  ". This is not allowed in strict mode.");
            break;
          case Stage::double_back_trick:
            check(false, op, "The hessian of the user-provided function is independent of entry ", i,
                  " in the grad_jacobian. This is not allowed in strict mode as it prevents from using the "
                  "double backward trick to replace forward mode AD.");
            break;
        }
      }
      grads[i] = zeros_like(references[i]);
      continue;
    }
    if (strict && create_graph && !grads[i].requires_grad()) {
      const bool second_order = stage == Stage::double_back || stage == Stage::double_back_trick;
      check(false, op, "The ", second_order ? "hessian" : "jacobian",
            " of the user-provided function is independent of input ", i,
            ". This is not allowed in strict mode when create_graph=True.");
    }
  }
  return grads;
}

Shape concatenated(const Shape& a, const Shape& b) {
  Shape out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::pair<tensor_list, tensor_list> vjp_impl(std::string_view op, const TensorListFunction& func,
                                             const tensor_list& given_inputs, const tensor_list& given_v,
                                             bool is_list, bool create_graph, bool strict) {
  const bool grad_enabled = GradMode::is_enabled();
  tensor_list inputs, outputs, v;
  {
    AutoGradMode enable(true);
    inputs = prepare(op, given_inputs, create_graph, /*need_graph=*/true);
    outputs = func(inputs);
    check_requires_grad(op, outputs, Checked::outputs, strict);
    if (!given_v.empty()) {
      v = prepare_v(op, given_v, outputs, is_list, create_graph);
    } else {
      check(single_element(outputs), op,
            "The vector v can only be None if the user-provided function returns a single Tensor with a "
            "single element.");
    }
  }
  AutoGradMode mode(create_graph || grad_enabled);
  tensor_list result = grad_of_differentiable(outputs, inputs, v, create_graph);
  result = zeros_where_undefined(op, std::move(result), inputs, strict, create_graph, Stage::back);
  return {finish(std::move(outputs), create_graph), finish(std::move(result), create_graph)};
}

std::pair<tensor_list, tensor_list> jvp_impl(std::string_view op, const TensorListFunction& func,
                                             const tensor_list& given_inputs, const tensor_list& given_v,
                                             bool is_list, bool create_graph, bool strict) {
  tensor_list inputs, outputs, v, grad_outputs, grad_inputs;
  {
    AutoGradMode enable(true);
    inputs = prepare(op, given_inputs, create_graph, /*need_graph=*/true);
    if (!given_v.empty()) {
      v = prepare_v(op, given_v, inputs, is_list, create_graph);
    } else {
      check(single_element(inputs), op,
            "The vector v can only be None if the input to the user-provided function is a single Tensor "
            "with a single element.");
    }
    outputs = func(inputs);
    check_requires_grad(op, outputs, Checked::outputs, strict);
    // Double-backward trick: g(u) = J^T u is linear in u, so d(g . v)/du = J v. The value of u does not
    // matter (zeros keep NaN/Inf out).
    for (const Tensor& out : outputs) grad_outputs.push_back(zeros_like(out).requires_grad_(true));
    grad_inputs = grad_of_differentiable(outputs, inputs, grad_outputs, /*create_graph=*/true);
    check_requires_grad(op, grad_inputs, Checked::grad_inputs, strict);
  }
  std::optional<AutoGradMode> enable;
  if (create_graph) enable.emplace(true);
  tensor_list result = grad_of_differentiable(grad_inputs, grad_outputs, v, create_graph);
  result = zeros_where_undefined(op, std::move(result), outputs, strict, create_graph, Stage::back_trick);
  return {finish(std::move(outputs), create_graph), finish(std::move(result), create_graph)};
}

std::vector<tensor_list> jacobian_impl(std::string_view op, const TensorListFunction& func,
                                       const tensor_list& given_inputs, bool create_graph, bool strict) {
  std::vector<tensor_list> jacobian;
  AutoGradMode enable(true);
  const tensor_list inputs = prepare(op, given_inputs, create_graph, /*need_graph=*/true);
  const tensor_list outputs = func(inputs);
  check_requires_grad(op, outputs, Checked::outputs, strict);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    check(out.defined(), op, "output ", i, " of the user-provided function is an undefined tensor");
    // One backward per element of the output: row k of the Jacobian is the gradient of out[k].
    std::vector<tensor_list> rows(inputs.size());
    const Tensor flat = out.reshape({-1});
    for (std::int64_t k = 0; k < out.numel(); ++k) {
      tensor_list row = grad_of_differentiable({flat.select(0, k)}, inputs, {}, create_graph,
                                               /*retain_graph=*/true);
      for (std::size_t j = 0; j < inputs.size(); ++j) {
        if (row[j].defined()) {
          check(!(strict && create_graph && !row[j].requires_grad()), op,
                "The jacobian of the user-provided function is independent of input ", i,
                ". This is not allowed in strict mode when create_graph=True.");
          rows[j].push_back(std::move(row[j]));
        } else {
          check(!strict, op, "Output ", i, " of the user-provided function is independent of input ", j,
                ". This is not allowed in strict mode.");
          rows[j].push_back(zeros_like(inputs[j]));
        }
      }
    }
    tensor_list jacobian_i;
    for (std::size_t j = 0; j < inputs.size(); ++j) {
      const Shape sizes = concatenated(out.sizes(), inputs[j].sizes());
      jacobian_i.push_back(rows[j].empty() ? zeros(sizes, inputs[j].dtype())
                                           : stack(rows[j], 0).reshape(sizes));
    }
    jacobian.push_back(finish(std::move(jacobian_i), create_graph));
  }
  return jacobian;
}

std::vector<tensor_list> hessian_impl(std::string_view op, const ScalarFunction& func,
                                      const tensor_list& inputs, bool create_graph, bool strict) {
  // The Hessian is the Jacobian of the gradient; the inner Jacobian keeps its graph for the outer one.
  auto scalar_output = [&](const tensor_list& x) {
    Tensor out = func(x);
    check_requires_grad(op, {out}, Checked::outputs, strict);
    check(out.defined() && out.numel() == 1, op,
          "The Tensor returned by the function given to hessian should contain a single element, got shape ",
          out.defined() ? out.sizes() : Shape{});
    return tensor_list{out.reshape({})};
  };
  auto gradient = [&](const tensor_list& x) {
    tensor_list jacobian = jacobian_impl(op, scalar_output, x, /*create_graph=*/true, /*strict=*/false)[0];
    check_requires_grad(op, jacobian, Checked::jacobian, strict);
    return jacobian;
  };
  return jacobian_impl(op, gradient, inputs, create_graph, strict);
}

// What vhp and hvp share: the prepared inputs and v, the output and its gradient (kept differentiable).
struct FirstOrder {
  tensor_list inputs, v;
  Tensor output;
  tensor_list jacobian;
};

FirstOrder first_order(std::string_view op, const ScalarFunction& func, const tensor_list& given_inputs,
                       const tensor_list& given_v, bool is_list, bool create_graph, bool strict) {
  FirstOrder r;
  r.inputs = prepare(op, given_inputs, create_graph, /*need_graph=*/true);
  if (!given_v.empty()) {
    r.v = prepare_v(op, given_v, r.inputs, is_list, create_graph);
  } else {
    check(
        single_element(r.inputs), op,
        "The vector v can only be None if the input to the user-provided function is a single Tensor with a "
        "single element.");
  }
  r.output = func(r.inputs);
  check(r.output.defined() && r.output.numel() == 1, op, "The Tensor returned by the function given to ", op,
        " should contain a single element, got shape ", r.output.defined() ? r.output.sizes() : Shape{});
  check_requires_grad(op, {r.output}, Checked::outputs, strict);
  r.jacobian = grad_of_differentiable({r.output}, r.inputs, {}, /*create_graph=*/true);
  check_requires_grad(op, r.jacobian, Checked::jacobian, strict);
  return r;
}

std::pair<Tensor, tensor_list> vhp_impl(std::string_view op, const ScalarFunction& func,
                                        const tensor_list& inputs, const tensor_list& v, bool is_list,
                                        bool create_graph, bool strict) {
  const bool grad_enabled = GradMode::is_enabled();
  FirstOrder r;
  {
    AutoGradMode enable(true);
    r = first_order(op, func, inputs, v, is_list, create_graph, strict);
  }
  AutoGradMode mode(create_graph || grad_enabled);
  tensor_list result = grad_of_differentiable(r.jacobian, r.inputs, r.v, create_graph);
  result = zeros_where_undefined(op, std::move(result), r.inputs, strict, create_graph, Stage::double_back);
  return {finish({r.output}, create_graph)[0], finish(std::move(result), create_graph)};
}

std::pair<Tensor, tensor_list> hvp_impl(std::string_view op, const ScalarFunction& func,
                                        const tensor_list& inputs, const tensor_list& v, bool is_list,
                                        bool create_graph, bool strict) {
  const bool grad_enabled = GradMode::is_enabled();
  FirstOrder r;
  tensor_list grad_jacobian, double_back;
  {
    AutoGradMode enable(true);
    r = first_order(op, func, inputs, v, is_list, create_graph, strict);
    // Double-backward trick: double_back(u) = H^T u is linear in u, so its vector-Jacobian product with
    // v in u is H v.
    for (const Tensor& x : r.inputs) grad_jacobian.push_back(zeros_like(x).requires_grad_(true));
    double_back = grad_of_differentiable(r.jacobian, r.inputs, grad_jacobian, /*create_graph=*/true);
    check_requires_grad(op, r.jacobian, Checked::hessian, strict);
  }
  AutoGradMode mode(create_graph || grad_enabled);
  tensor_list result = grad_of_differentiable(double_back, grad_jacobian, r.v, create_graph);
  result =
      zeros_where_undefined(op, std::move(result), r.inputs, strict, create_graph, Stage::double_back_trick);
  return {finish({r.output}, create_graph)[0], finish(std::move(result), create_graph)};
}

TensorListFunction as_list_function(const TensorFunction& func) {
  return [&func](const tensor_list& x) { return tensor_list{func(x[0])}; };
}

ScalarFunction as_scalar_function(const TensorFunction& func) {
  return [&func](const tensor_list& x) { return func(x[0]); };
}

tensor_list optional_list(const Tensor& t) { return t.defined() ? tensor_list{t} : tensor_list{}; }

}  // namespace

std::pair<Tensor, Tensor> vjp(const TensorFunction& func, const Tensor& inputs, const Tensor& v,
                              bool create_graph, bool strict) {
  auto [outputs, result] =
      vjp_impl("vjp", as_list_function(func), {inputs}, optional_list(v), false, create_graph, strict);
  return {outputs[0], result[0]};
}

std::pair<tensor_list, tensor_list> vjp(const TensorListFunction& func, const tensor_list& inputs,
                                        const tensor_list& v, bool create_graph, bool strict) {
  return vjp_impl("vjp", func, inputs, v, true, create_graph, strict);
}

std::pair<Tensor, Tensor> jvp(const TensorFunction& func, const Tensor& inputs, const Tensor& v,
                              bool create_graph, bool strict) {
  auto [outputs, result] =
      jvp_impl("jvp", as_list_function(func), {inputs}, optional_list(v), false, create_graph, strict);
  return {outputs[0], result[0]};
}

std::pair<tensor_list, tensor_list> jvp(const TensorListFunction& func, const tensor_list& inputs,
                                        const tensor_list& v, bool create_graph, bool strict) {
  return jvp_impl("jvp", func, inputs, v, true, create_graph, strict);
}

Tensor jacobian(const TensorFunction& func, const Tensor& inputs, bool create_graph, bool strict) {
  return jacobian_impl("jacobian", as_list_function(func), {inputs}, create_graph, strict)[0][0];
}

std::vector<tensor_list> jacobian(const TensorListFunction& func, const tensor_list& inputs,
                                  bool create_graph, bool strict) {
  return jacobian_impl("jacobian", func, inputs, create_graph, strict);
}

Tensor hessian(const TensorFunction& func, const Tensor& inputs, bool create_graph, bool strict) {
  return hessian_impl("hessian", as_scalar_function(func), {inputs}, create_graph, strict)[0][0];
}

std::vector<tensor_list> hessian(const ScalarFunction& func, const tensor_list& inputs, bool create_graph,
                                 bool strict) {
  return hessian_impl("hessian", func, inputs, create_graph, strict);
}

std::pair<Tensor, Tensor> vhp(const TensorFunction& func, const Tensor& inputs, const Tensor& v,
                              bool create_graph, bool strict) {
  auto [output, result] =
      vhp_impl("vhp", as_scalar_function(func), {inputs}, optional_list(v), false, create_graph, strict);
  return {output, result[0]};
}

std::pair<Tensor, tensor_list> vhp(const ScalarFunction& func, const tensor_list& inputs,
                                   const tensor_list& v, bool create_graph, bool strict) {
  return vhp_impl("vhp", func, inputs, v, true, create_graph, strict);
}

std::pair<Tensor, Tensor> hvp(const TensorFunction& func, const Tensor& inputs, const Tensor& v,
                              bool create_graph, bool strict) {
  auto [output, result] =
      hvp_impl("hvp", as_scalar_function(func), {inputs}, optional_list(v), false, create_graph, strict);
  return {output, result[0]};
}

std::pair<Tensor, tensor_list> hvp(const ScalarFunction& func, const tensor_list& inputs,
                                   const tensor_list& v, bool create_graph, bool strict) {
  return hvp_impl("hvp", func, inputs, v, true, create_graph, strict);
}

}  // namespace tg::autograd::functional
