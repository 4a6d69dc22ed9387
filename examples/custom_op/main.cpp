// A custom op with the Function API: Swish with a learnable beta, y = x * sigmoid(beta * x).
// The program gradchecks it (first and second order), then trains a small network that uses it
// to fit y = sin(3x) with plain SGD (torch::optim::SGD).
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <tapegrad/tapegrad.hpp>

namespace po = boost::program_options;
using tg::Tensor;
using tg::tensor_list;
using tg::autograd::AutogradContext;

// dy/dx = s + beta x s (1 - s), dy/dbeta = x^2 s (1 - s), with s = sigmoid(beta x).
// backward uses tapegrad ops, so with create_graph it is differentiable again.
struct Swish : tg::autograd::Function<Swish> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& beta) {
    ctx->save_for_backward({x, beta});
    return x * tg::sigmoid(beta * x);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const tensor_list saved = ctx->saved_tensors();
    const Tensor& x = saved[0];
    const Tensor& beta = saved[1];
    const Tensor s = tg::sigmoid(beta * x);
    const Tensor ds = s * (1.0 - s);
    const Tensor& g = grad_outputs[0];
    Tensor grad_x = ctx->needs_input_grad(0) ? g * (s + beta * x * ds) : Tensor();
    Tensor grad_beta = ctx->needs_input_grad(1) ? tg::sum_to(g * x * x * ds, beta.sizes()) : Tensor();
    return {grad_x, grad_beta};
  }
};

namespace {

bool check_gradients() {
  auto options = tg::dtype(tg::kFloat64).requires_grad(true);
  const Tensor x = tg::randn({4, 3}, options);
  const Tensor beta = tg::tensor({1.5}, options);
  auto swish = [](const tensor_list& in) { return Swish::apply(in[0], in[1]); };
  tg::autograd::GradcheckOptions report;
  report.raise_exception = false;
  const auto first = tg::autograd::gradcheck(swish, {x, beta}, report);
  const auto second = tg::autograd::gradgradcheck(swish, {x, beta}, report);
  std::printf("gradcheck: %s\ngradgradcheck: %s\n", first ? "passed" : first.message.c_str(),
              second ? "passed" : second.message.c_str());
  return first.ok && second.ok;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 3000;
  double lr = 0.1;
  po::options_description description("Gradchecks a custom Swish op, then trains with it.\nOptions");
  description.add_options()("help,h", "show this help")("steps", po::value(&steps)->default_value(steps),
                                                        "SGD steps")("lr", po::value(&lr)->default_value(lr),
                                                                     "learning rate");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, description), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "custom_op: " << e.what() << "\n" << description;
    return 2;
  }
  if (args.count("help")) {
    std::cout << description;
    return 0;
  }

  tg::manual_seed(0);
  if (!check_gradients()) return 1;

  // Fit y = sin(3x) on [-1, 1] with a 1-32-1 network whose hidden activation is the custom op.
  const Tensor x = tg::linspace(-1, 1, 101).unsqueeze(1);
  const Tensor y = tg::sin(3 * x);
  const Tensor w1 = (tg::randn({32, 1}) * 2.0).requires_grad_();
  const Tensor b1 = tg::zeros({32}, tg::requires_grad());
  const Tensor w2 = (tg::randn({1, 32}) * 0.2).requires_grad_();
  const Tensor b2 = tg::zeros({1}, tg::requires_grad());
  const Tensor beta = tg::ones({1}, tg::requires_grad());
  tg::optim::SGD optimizer({w1, b1, w2, b2, beta}, lr);
  const bool terminal = isatty(fileno(stdout)) != 0;
  double loss_value = 0;
  for (int step = 1; step <= steps; ++step) {
    optimizer.zero_grad();
    const Tensor loss = tg::mse_loss(tg::linear(Swish::apply(tg::linear(x, w1, b1), beta), w2, b2), y);
    loss.backward();
    optimizer.step();
    loss_value = loss.item<double>();
    if (terminal)
      std::printf("\rstep %5d/%d  mse %.6f  beta %.4f", step, steps, loss_value, beta.item<double>());
    else if (step % (steps / 10 > 0 ? steps / 10 : 1) == 0)
      std::printf("step %5d/%d  mse %.6f  beta %.4f\n", step, steps, loss_value, beta.item<double>());
    std::fflush(stdout);
  }
  if (terminal) std::printf("\n");
  std::printf("final mse %.6f (learned beta %.4f)\n", loss_value, beta.item<double>());
  return loss_value < 0.01 ? 0 : 1;
}
