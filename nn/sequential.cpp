#include <tapegrad/autograd/engine/anomaly_mode.hpp>
#include <tapegrad/nn/activation.hpp>
#include <tapegrad/nn/linear.hpp>
#include <tapegrad/nn/sequential.hpp>

namespace tg::nn {

SequentialImpl::SequentialImpl(std::initializer_list<NamedAnyModule> named_modules) {
  for (const NamedAnyModule& named : named_modules) push_back(named.name(), named.module());
}

SequentialImpl::SequentialImpl(const OrderedDict<AnyModule>& ordered_dict) {
  for (const auto& item : ordered_dict) push_back(item.key(), item.value());
}

void SequentialImpl::push_back(std::string name, AnyModule module) {
  check(!module.is_empty(), "Sequential::push_back", "the module \"", name, "\" is empty");
  register_module(name, module.ptr());
  names_.push_back(std::move(name));
  modules_.push_back(std::move(module));
}

std::shared_ptr<Module> SequentialImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<SequentialImpl>();
  for (std::size_t i = 0; i < modules_.size(); ++i) copy->push_back(names_[i], modules_[i].clone(device));
  copy->train(is_training());
  return copy;
}

const AnyModule& SequentialImpl::checked(std::size_t index) const {
  check(index < modules_.size(), "Sequential", "Index out of range: index ", index, " for ", modules_.size(),
        " modules");
  return modules_[index];
}

std::shared_ptr<Module> SequentialImpl::ptr(std::size_t index) const { return checked(index).ptr(); }

namespace {
// "torch::nn::LinearImpl" -> "Linear": anomaly reports label each step "<entry name>:<type>".
std::string short_type_name(const std::string& name) {
  std::string type = name.substr(name.rfind("::") == std::string::npos ? 0 : name.rfind("::") + 2);
  if (type.ends_with("Impl")) type.resize(type.size() - 4);
  return type;
}
}  // namespace

Tensor SequentialImpl::run_step(std::size_t index,
                                const std::function<Tensor(const AnyModule&)>& step) const {
  const AnyModule& module = modules_[index];
  if (autograd::AnomalyMode::is_enabled()) [[unlikely]] {
    autograd::AnomalyScope scope(names_[index] + ":" + short_type_name(module.ptr()->name()));
    return step(module);
  }
  return step(module);
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
