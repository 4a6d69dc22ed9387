#include <tapegrad/nn/container/functional.hpp>
#include <tapegrad/nn/container/module_dict.hpp>
#include <tapegrad/nn/container/module_list.hpp>
#include <tapegrad/nn/container/parameter_list.hpp>

namespace tg::nn {

// ---- ModuleList

std::shared_ptr<Module> ModuleListImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<ModuleListImpl>();
  for (const auto& module : modules_) copy->push_back(module->clone(device));
  copy->train(is_training());
  return copy;
}

void ModuleListImpl::push_back(std::shared_ptr<Module> module) {
  check(module != nullptr, "ModuleList::push_back", "the module is null");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

void ModuleListImpl::insert(std::size_t index, std::shared_ptr<Module> module) {
  check(module != nullptr, "ModuleList::insert", "the module is null");
  check(index <= modules_.size(), "ModuleList::insert", "Index out of range: ", index, " for a list of ",
        modules_.size());
  modules_.insert(modules_.begin() + static_cast<std::ptrdiff_t>(index), std::move(module));
  // Names follow positions, so every module from `index` on is registered again.
  for (std::size_t i = index; i + 1 < modules_.size(); ++i) unregister_module(std::to_string(i));
  for (std::size_t i = index; i < modules_.size(); ++i) register_module(std::to_string(i), modules_[i]);
}

std::shared_ptr<Module> ModuleListImpl::ptr(std::size_t index) const {
  check(index < modules_.size(), "ModuleList", "Index out of range: ", index, " for a list of ",
        modules_.size());
  return modules_[index];
}

// ---- ModuleDict

ModuleDictImpl::ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  update(modules);
}

ModuleDictImpl::ModuleDictImpl(const OrderedDict<std::shared_ptr<Module>>& modules) {
  for (const auto& item : modules) insert(item.key(), item.value());
}

std::shared_ptr<Module> ModuleDictImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<ModuleDictImpl>();
  for (const auto& item : modules_) copy->insert(item.key(), item.value()->clone(device));
  copy->train(is_training());
  return copy;
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
  check(module != nullptr, "ModuleDict::insert", "the module \"", key, "\" is null");
  if (std::shared_ptr<Module>* existing = modules_.find(key)) {
    *existing = module;
    replace_module(key, std::move(module));
  } else {
    register_module(key, module);
    modules_.insert(key, std::move(module));
  }
}

void ModuleDictImpl::update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  for (const auto& [key, module] : modules) insert(key, module);
}

void ModuleDictImpl::update(const ModuleDictImpl& other) {
  for (const auto& item : other) insert(item.key(), item.value());
}

std::shared_ptr<Module> ModuleDictImpl::pop(const std::string& key) {
  std::shared_ptr<Module> module = (*this)[key];
  modules_.erase(key);
  unregister_module(key);
  return module;
}

void ModuleDictImpl::clear() {
  for (const std::string& key : modules_.keys()) unregister_module(key);
  modules_.clear();
}

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
  const std::shared_ptr<Module>* module = modules_.find(key);
  check(module != nullptr, "ModuleDict", "Key '", key, "' is not defined");
  return *module;
}

// ---- ParameterList / ParameterDict

namespace {
// libtorch's line for one parameter: "(0): Parameter containing: [Float of size [3, 4]]".
void print_parameters(std::ostream& out, const char* container, const OrderedDict<Tensor>& parameters) {
  out << "torch::nn::" << container << "(\n";
  for (const auto& item : parameters)
    out << "(" << item.key() << "): Parameter containing: [" << toString(item.value().dtype()) << " of size "
        << item.value().sizes() << "]\n";
  out << ")";
}
}  // namespace

void ParameterListImpl::append(const Tensor& param) {
  register_parameter(std::to_string(parameters_.size()), param, param.requires_grad());
}

Tensor& ParameterListImpl::at(std::size_t index) {
  check(index < parameters_.size(), "ParameterList", "Index out of range: ", index, " for a list of ",
        parameters_.size());
  return parameters_[std::to_string(index)];
}

const Tensor& ParameterListImpl::at(std::size_t index) const {
  check(index < parameters_.size(), "ParameterList", "Index out of range: ", index, " for a list of ",
        parameters_.size());
  return parameters_[std::to_string(index)];
}

void ParameterListImpl::pretty_print(std::ostream& out) const {
  print_parameters(out, "ParameterList", parameters_);
}

ParameterDictImpl::ParameterDictImpl(const OrderedDict<Tensor>& params) {
  for (const auto& item : params) insert(item.key(), item.value());
}

Tensor& ParameterDictImpl::insert(std::string key, const Tensor& param) {
  if (Tensor* existing = parameters_.find(key)) {
    *existing = param;
    return *existing;
  }
  return register_parameter(std::move(key), param, param.requires_grad());
}

Tensor ParameterDictImpl::pop(const std::string& key) {
  Tensor param = get(key);
  parameters_.erase(key);
  return param;
}

void ParameterDictImpl::update(const ParameterDictImpl& other) {
  for (const auto& item : other) insert(item.key(), item.value());
}

void ParameterDictImpl::pretty_print(std::ostream& out) const {
  print_parameters(out, "ParameterDict", parameters_);
}

// ---- Functional

FunctionalImpl::FunctionalImpl(Function function) : function_(std::move(function)) {
  check(static_cast<bool>(function_), "Functional", "the function is empty");
}

}  // namespace tg::nn
