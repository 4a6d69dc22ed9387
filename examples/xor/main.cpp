// XOR with a 2-8-1 MLP written with the raw autograd API: leaf tensors, linear, tanh, a fused
// sigmoid + binary cross-entropy loss, backward(), and a hand-written SGD step under NoGradGuard.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include <tapegrad/tapegrad.hpp>

namespace po = boost::program_options;

namespace {

struct Options {
  int epochs = 2000;
  double lr = 0.5;
  std::int64_t hidden = 8;
  std::uint64_t seed = 0;
};

// A live bar on a terminal; one plain line every tenth of the run otherwise (CI logs).
void show_progress(int epoch, int epochs, double loss) {
  static const bool terminal = isatty(fileno(stdout)) != 0;
  const int width = 30;
  const int filled = width * epoch / epochs;
  if (terminal) {
    std::printf("\r[%s%s] epoch %5d/%d  loss %.6f",
                std::string(static_cast<std::size_t>(filled), '#').c_str(),
                std::string(static_cast<std::size_t>(width - filled), '.').c_str(), epoch, epochs, loss);
    if (epoch == epochs) std::printf("\n");
    std::fflush(stdout);
  } else if (epoch % std::max(1, epochs / 10) == 0 || epoch == epochs) {
    std::printf("epoch %5d/%d  loss %.6f\n", epoch, epochs, loss);
  }
}

tg::Tensor parameter(tg::IntArrayRef sizes, double scale) {
  tg::Tensor p = tg::randn(sizes) * scale;
  return p.requires_grad_();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  po::options_description description("Trains a 2-hidden-1 MLP on XOR with SGD.\nOptions");
  description.add_options()("help,h", "show this help")(
      "epochs", po::value(&options.epochs)->default_value(options.epochs), "full-batch SGD steps")(
      "lr", po::value(&options.lr)->default_value(options.lr), "learning rate")(
      "hidden", po::value(&options.hidden)->default_value(options.hidden), "hidden units")(
      "seed", po::value(&options.seed)->default_value(options.seed), "random seed");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, description), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "xor: " << e.what() << "\n" << description;
    return 2;
  }
  if (args.count("help")) {
    std::cout << description;
    return 0;
  }

  tg::manual_seed(options.seed);
  const tg::Tensor x = tg::tensor({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const tg::Tensor y = tg::tensor({0, 1, 1, 0}, {4, 1});
  tg::Tensor w1 = parameter({options.hidden, 2}, 1.0), b1 = parameter({options.hidden}, 0.1);
  tg::Tensor w2 = parameter({1, options.hidden}, 1.0), b2 = parameter({1}, 0.1);
  const tg::tensor_list params{w1, b1, w2, b2};

  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    tg::Tensor logits = tg::linear(tg::tanh(tg::linear(x, w1, b1)), w2, b2);
    tg::Tensor loss = tg::binary_cross_entropy_with_logits(logits, y);
    loss.backward();
    {
      tg::NoGradGuard no_grad;
      for (const tg::Tensor& p : params) {
        p.sub_(p.grad(), options.lr);
        p.grad().zero_();
      }
    }
    show_progress(epoch, options.epochs, loss.item<double>());
  }

  tg::NoGradGuard no_grad;
  const auto probabilities =
      tg::sigmoid(tg::linear(tg::tanh(tg::linear(x, w1, b1)), w2, b2)).to_vector<double>();
  const auto inputs = x.to_vector<double>();
  const auto targets = y.to_vector<double>();
  int correct = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const bool right = (probabilities[i] > 0.5) == (targets[i] > 0.5);
    correct += right;
    std::printf("  %g xor %g -> %.4f (target %g)%s\n", inputs[2 * i], inputs[2 * i + 1], probabilities[i],
                targets[i], right ? "" : "  WRONG");
  }
  std::printf("accuracy: %d/4 (%.0f %%)\n", correct, 25.0 * correct);
  return correct == 4 ? 0 : 1;
}
