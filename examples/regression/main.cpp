// Fits a small MLP to a noisy 1-D function, y = sin(2 pi x) * (1 - x^2 / 2) + noise, with Adam and a
// cosine learning-rate schedule; reports the error against the noise-free function.
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numbers>

#include <tapegrad/tapegrad.hpp>

#include "common/progress_bar.hpp"

namespace po = boost::program_options;

namespace {

double target_function(double x) { return std::sin(2 * std::numbers::pi * x) * (1 - x * x / 2); }

// A user-defined module: layers registered by name ("fc1.weight", ...), forward written freely.
struct RegressorImpl : tg::nn::Module {
  explicit RegressorImpl(std::int64_t hidden)
      : fc1(register_module("fc1", tg::nn::Linear(1, hidden))),
        fc2(register_module("fc2", tg::nn::Linear(hidden, hidden))),
        out(register_module("out", tg::nn::Linear(hidden, 1))) {}
  tg::Tensor forward(const tg::Tensor& x) { return out(tg::tanh(fc2(tg::tanh(fc1(x))))); }
  tg::nn::Linear fc1, fc2, out;
};
TG_MODULE(Regressor);

}  // namespace

int main(int argc, char** argv) {
  int epochs = 600;
  double lr = 0.01, noise = 0.1;
  std::int64_t samples = 256;
  std::uint64_t seed = 0;
  po::options_description description(
      "Fits an MLP to a noisy 1-D function with Adam + cosine annealing.\nOptions");
  description.add_options()("help,h", "show this help")("epochs", po::value(&epochs)->default_value(epochs),
                                                        "full-batch steps (one scheduler step each)")(
      "lr", po::value(&lr)->default_value(lr), "initial Adam learning rate")(
      "noise", po::value(&noise)->default_value(noise), "standard deviation of the label noise")(
      "samples", po::value(&samples)->default_value(samples), "training points")(
      "seed", po::value(&seed)->default_value(seed), "random seed");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, description), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "regression: " << e.what() << "\n" << description;
    return 2;
  }
  if (args.count("help")) {
    std::cout << description;
    return 0;
  }

  tg::manual_seed(seed);
  const tg::Tensor x = tg::rand({samples, 1}) * 2.0 - 1.0;
  const tg::Tensor y_clean = tg::sin(2 * std::numbers::pi * x) * (1 - x * x / 2);  // target_function
  const tg::Tensor y = y_clean + tg::randn({samples, 1}) * noise;

  Regressor net(64);
  tg::optim::Adam optimizer(net->parameters(), tg::optim::AdamOptions(lr));
  tg::optim::CosineAnnealingLR scheduler(optimizer, epochs, /*eta_min=*/lr * 0.01);

  examples::ProgressBar bar("training", epochs);
  double loss_value = 0;
  char status[96];
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    optimizer.zero_grad();
    tg::Tensor loss = tg::mse_loss(net(x), y);
    loss.backward();
    optimizer.step();
    scheduler.step();
    loss_value = loss.item<double>();
    std::snprintf(status, sizeof status, "mse %.5f  lr %.5f", loss_value, scheduler.get_last_lr()[0]);
    bar.update(epoch, status);
  }
  bar.finish(status);

  tg::NoGradGuard no_grad;
  const double clean_error = tg::mse_loss(net(x), y_clean).item<double>();
  std::printf("training mse %.5f (noise variance %.5f); mse against the noise-free function %.5f\n",
              loss_value, noise * noise, clean_error);
  for (double probe : {-0.75, -0.25, 0.25, 0.75})
    std::printf("  f(%+.2f) = %+.4f, model %+.4f\n", probe, target_function(probe),
                net(tg::full({1, 1}, probe)).item<double>());
  return clean_error < 0.01 ? 0 : 1;
}
