#include <cmath>
#include <random>
#include <sstream>

#include <tapegrad/autograd/engine/engine.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/gradcheck.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg::autograd {
namespace {

// Memory offset of the element with row-major position `index`.
std::int64_t element_offset(const Tensor& t, std::int64_t index) {
  std::int64_t offset = 0;
  for (std::int64_t d = t.dim() - 1; d >= 0; --d) {
    offset += (index % t.size(d)) * t.stride(d);
    index /= t.size(d);
  }
  return offset;
}

std::string multi_index(const Tensor& t, std::int64_t index) {
  Shape position(static_cast<std::size_t>(t.dim()));
  for (std::int64_t d = t.dim() - 1; d >= 0; --d) {
    position[static_cast<std::size_t>(d)] = index % t.size(d);
    index /= t.size(d);
  }
  return to_string(position);
}

// All output elements, as doubles, concatenated.
std::vector<double> flat_outputs(const tensor_list& outputs) {
  std::vector<double> values;
  for (const Tensor& out : outputs)
    if (out.defined() && out.is_floating_point()) {
      auto v = out.to_vector<double>();
      values.insert(values.end(), v.begin(), v.end());
    }
  return values;
}

GradcheckResult fail(const GradcheckOptions& options, std::string message) {
  if (options.raise_exception) throw Error(message);
  return {false, std::move(message)};
}

}  // namespace

GradcheckResult gradcheck(const TensorListFunction& fn, const tensor_list& inputs, GradcheckOptions options) {
  std::vector<std::size_t> wrt;  // inputs that require grad
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    if (inputs[i].dtype() != kFloat64) {
      std::ostringstream message;
      message << "gradcheck: input " << i << " is " << inputs[i].dtype()
              << "; finite differences need float64 inputs (use .to(tg::kFloat64))";
      return fail(options, message.str());
    }
    wrt.push_back(i);
  }
  if (wrt.empty()) return fail(options, "gradcheck: no input requires grad; nothing to check");

  const tensor_list outputs = fn(inputs);
  tensor_list differentiable;  // outputs autograd can differentiate
  std::vector<std::int64_t> output_start;
  std::int64_t total = 0;
  for (const Tensor& out : outputs) {
    if (!out.defined() || !out.is_floating_point()) continue;
    differentiable.push_back(out);
    output_start.push_back(total);
    total += out.numel();
  }

  // numerical[j][k]: d output element k / d input element j (over all inputs in `wrt`).
  std::vector<std::vector<double>> numerical, analytical;
  for (std::size_t w : wrt) {
    const Tensor& input = inputs[w];
    for (std::int64_t j = 0; j < input.numel(); ++j) {
      double* element = static_cast<double*>(input.raw_data()) + element_offset(input, j);
      const double original = *element;
      std::vector<double> plus, minus;
      {
        NoGradGuard no_grad;
        *element = original + options.eps;
        plus = flat_outputs(fn(inputs));
        *element = original - options.eps;
        minus = flat_outputs(fn(inputs));
        *element = original;
      }
      std::vector<double> column(static_cast<std::size_t>(total), 0.0);
      for (std::size_t k = 0; k < column.size() && k < plus.size(); ++k)
        column[k] = (plus[k] - minus[k]) / (2 * options.eps);
      numerical.push_back(std::move(column));
      analytical.emplace_back(static_cast<std::size_t>(total), 0.0);
    }
  }

  tensor_list wrt_inputs;
  for (std::size_t w : wrt) wrt_inputs.push_back(inputs[w]);
  for (std::size_t o = 0; o < differentiable.size(); ++o) {
    if (!differentiable[o].requires_grad()) continue;  // constant output: analytical Jacobian is 0
    for (std::int64_t k = 0; k < differentiable[o].numel(); ++k) {
      tensor_list roots{differentiable[o]};
      Tensor seed = zeros(differentiable[o].sizes(), differentiable[o].dtype());
      static_cast<double*>(seed.raw_data())[k] = 1.0;
      tensor_list grads =
          grad(roots, wrt_inputs, {seed}, /*retain_graph=*/true, false, /*allow_unused=*/true);
      std::size_t row = 0;
      for (std::size_t i = 0; i < wrt.size(); ++i) {
        const std::int64_t n = wrt_inputs[i].numel();
        if (grads[i].defined()) {
          check(grads[i].sizes() == wrt_inputs[i].sizes(), "gradcheck", "gradient for input ", wrt[i],
                " has shape ", grads[i].sizes(), "; expected ", wrt_inputs[i].sizes());
          const auto values = grads[i].to_vector<double>();
          for (std::int64_t j = 0; j < n; ++j)
            analytical[row + static_cast<std::size_t>(j)][static_cast<std::size_t>(output_start[o] + k)] =
                values[static_cast<std::size_t>(j)];
        }
        row += static_cast<std::size_t>(n);
      }
    }
  }

  std::size_t row = 0, mismatches = 0;
  std::ostringstream first;
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    const Tensor& input = wrt_inputs[i];
    for (std::int64_t j = 0; j < input.numel(); ++j, ++row) {
      for (std::size_t o = 0; o < differentiable.size(); ++o) {
        for (std::int64_t k = 0; k < differentiable[o].numel(); ++k) {
          const auto column = static_cast<std::size_t>(output_start[o] + k);
          const double a = analytical[row][column], n = numerical[row][column];
          if (std::abs(a - n) <= options.atol + options.rtol * std::abs(n)) continue;
          if (mismatches++ == 0)
            first << "gradcheck: Jacobian mismatch for output " << o << " element "
                  << multi_index(differentiable[o], k) << " (shape " << differentiable[o].sizes()
                  << ") with respect to input " << wrt[i] << " element " << multi_index(input, j)
                  << " (shape " << input.sizes() << "): analytical " << a << ", numerical " << n << " (atol "
                  << options.atol << ", rtol " << options.rtol << ")";
        }
      }
    }
  }
  if (mismatches == 0) return {};
  first << "; " << mismatches << " Jacobian entr" << (mismatches == 1 ? "y" : "ies") << " differ in all";
  return fail(options, first.str());
}

GradcheckResult gradcheck(const TensorFunction& fn, const tensor_list& inputs, GradcheckOptions options) {
  return gradcheck(TensorListFunction([&fn](const tensor_list& in) { return tensor_list{fn(in)}; }), inputs,
                   options);
}

GradcheckResult gradgradcheck(const TensorListFunction& fn, const tensor_list& inputs,
                              GradcheckOptions options) {
  std::vector<std::size_t> wrt;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) wrt.push_back(i);
  if (wrt.empty()) return fail(options, "gradgradcheck: no input requires grad; nothing to check");

  // Fixed pseudo-random output gradients, independent of tg::manual_seed.
  std::mt19937_64 engine(1234);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  tensor_list grad_outputs;
  for (const Tensor& out : fn(inputs)) {
    if (!out.defined() || !out.is_floating_point() || !out.requires_grad()) continue;
    std::vector<double> values(static_cast<std::size_t>(out.numel()));
    for (double& v : values) v = uniform(engine);
    grad_outputs.push_back(tensor(values, out.sizes(), TensorOptions(kFloat64).requires_grad(true)));
  }
  const std::size_t n_inputs = inputs.size();
  TensorListFunction first_derivative = [&fn, wrt, n_inputs](const tensor_list& all) {
    // Under finite differences grad mode is off, but the first derivative must still be computed;
    // only the analytical pass (grad mode on) needs it differentiable.
    const bool differentiable = GradMode::is_enabled();
    AutoGradMode enable(true);
    tensor_list in(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_inputs));
    tensor_list seeds(all.begin() + static_cast<std::ptrdiff_t>(n_inputs), all.end());
    tensor_list outputs;
    for (const Tensor& out : fn(in))
      if (out.defined() && out.is_floating_point() && out.requires_grad()) outputs.push_back(out);
    tensor_list wrt_inputs;
    for (std::size_t w : wrt) wrt_inputs.push_back(in[w]);
    tensor_list grads =
        grad(outputs, wrt_inputs, seeds, differentiable, differentiable, /*allow_unused=*/true);
    for (std::size_t i = 0; i < grads.size(); ++i)
      if (!grads[i].defined()) grads[i] = zeros_like(wrt_inputs[i]);
    return grads;
  };
  tensor_list all = inputs;
  all.insert(all.end(), grad_outputs.begin(), grad_outputs.end());
  return gradcheck(first_derivative, all, options);
}

GradcheckResult gradgradcheck(const TensorFunction& fn, const tensor_list& inputs, GradcheckOptions options) {
  return gradgradcheck(TensorListFunction([&fn](const tensor_list& in) { return tensor_list{fn(in)}; }),
                       inputs, options);
}

}  // namespace tg::autograd
