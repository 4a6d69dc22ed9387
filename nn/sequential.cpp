#include <tapegrad/autograd/engine/anomaly_mode.hpp>
#include <tapegrad/nn/activation.hpp>
#include <tapegrad/nn/linear.hpp>
#include <tapegrad/nn/sequential.hpp>

namespace tg::nn {

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  for (const Step& step : steps_) {
    if (autograd::AnomalyMode::is_enabled()) [[unlikely]] {
      autograd::AnomalyScope scope(step.name + ":" + step.module->name());
      x = step.forward(x);
    } else {
      x = step.forward(x);
    }
  }
  return x;
}

std::shared_ptr<Module> SequentialImpl::operator[](std::size_t index) const {
  check(index < steps_.size(), "Sequential", "index ", index, " is out of range for ", steps_.size(),
        " modules");
  return steps_[index].module;
}

namespace {
void append_activation(SequentialImpl& net, const std::string& activation) {
  if (activation == "relu")
    net.push_back(ReLU());
  else if (activation == "tanh")
    net.push_back(Tanh());
  else if (activation == "sigmoid")
    net.push_back(Sigmoid());
  else if (activation == "gelu")
    net.push_back(GELU());
  else if (activation == "silu")
    net.push_back(SiLU());
  else if (activation == "leaky_relu")
    net.push_back(LeakyReLU());
  else
    throw Error("MLP: unknown activation \"" + activation +
                "\" (use relu, tanh, sigmoid, gelu, silu or leaky_relu)");
}
}  // namespace

Sequential MLP(std::int64_t in_features, const std::vector<std::int64_t>& hidden, std::int64_t out_features,
               const std::string& activation) {
  Sequential net;
  std::int64_t width = in_features;
  for (std::int64_t next : hidden) {
    net->push_back(Linear(width, next));
    append_activation(*net, activation);
    width = next;
  }
  net->push_back(Linear(width, out_features));
  return net;
}

}  // namespace tg::nn
