#include <cxxabi.h>

#include <cstdlib>
#include <sstream>
#include <typeinfo>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>
#include <tapegrad/nn/module.hpp>

namespace tg::nn {
namespace {

// 101770 -> "101,770"
std::string with_thousands(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void check_name(std::string_view what, const std::string& name) {
  check(!name.empty() && name.find('.') == std::string::npos, what, "name \"", name,
        "\" must be non-empty and contain no '.' (dots separate submodule names)");
}

}  // namespace

std::string Module::name() const {
  int status = 0;
  char* demangled = abi::__cxa_demangle(typeid(*this).name(), nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : typeid(*this).name();
  std::free(demangled);
  const auto colon = full.rfind("::");
  if (colon != std::string::npos) full = full.substr(colon + 2);
  if (full.size() > 4 && full.ends_with("Impl")) full.resize(full.size() - 4);
  return full;
}

void Module::pretty_print(std::ostream& out) const { out << name(); }

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_name("register_parameter", name);
  detail::check_defined("register_parameter", "tensor", tensor);
  check(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name),
        "register_parameter", "\"", name, "\" is already registered in ", this->name());
  if (requires_grad) tensor.requires_grad_(true);
  return parameters_.insert(std::move(name), std::move(tensor));
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
  check_name("register_buffer", name);
  check(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name),
        "register_buffer", "\"", name, "\" is already registered in ", this->name());
  return buffers_.insert(std::move(name), std::move(tensor));
}

void Module::add_child(std::string name, std::shared_ptr<Module> child) {
  check_name("register_module", name);
  check(child != nullptr, "register_module", "submodule \"", name, "\" is null");
  check(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name),
        "register_module", "\"", name, "\" is already registered in ", this->name());
  children_.insert(std::move(name), std::move(child));
}

void Module::collect(const std::string& prefix, bool parameters, bool recurse,
                     OrderedDict<Tensor>& out) const {
  for (const auto& item : parameters ? parameters_ : buffers_)
    if (item.value().defined()) out.insert(prefix + item.key(), item.value());
  if (!recurse) return;
  for (const auto& child : children_)
    child.value()->collect(prefix + child.key() + ".", parameters, true, out);
}

OrderedDict<Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<Tensor> out;
  collect("", true, recurse, out);
  return out;
}

OrderedDict<Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<Tensor> out;
  collect("", false, recurse, out);
  return out;
}

tensor_list Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }
tensor_list Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) {
  std::vector<std::shared_ptr<Module>> out;
  if (include_self) out.push_back(shared_from_this());
  for (const auto& child : children_)
    for (auto& module : child.value()->modules(true)) out.push_back(std::move(module));
  return out;
}

void Module::train(bool on) {
  is_training_ = on;
  for (const auto& child : children_) child.value()->train(on);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none)
      p.mutable_grad() = Tensor();
    else
      p.grad().zero_();
  }
}

std::int64_t Module::parameter_count(bool trainable_only) const {
  std::int64_t count = 0;
  for (const Tensor& p : parameters())
    if (!trainable_only || p.requires_grad()) count += p.numel();
  return count;
}

void Module::to(Device device, bool /*non_blocking*/) { detail::check_cpu_device("Module::to", device); }

void Module::to(Device device, Dtype dtype, bool non_blocking) {
  to(device, non_blocking);
  to(dtype);
}

void Module::to(Dtype dtype) {
  NoGradGuard no_grad;
  auto convert = [dtype](const Tensor& t) {
    if (t.dtype() == dtype || !t.is_floating_point()) return;
    Tensor converted = t.to(dtype);
    // Swap the data under the existing handle so members and registries keep pointing at it.
    TensorImpl& impl = *t.impl();
    impl.storage = converted.impl()->storage;
    impl.strides = converted.strides();
    impl.offset = 0;
    impl.dtype = dtype;
    if (impl.autograd) impl.autograd->grad = Tensor();
  };
  for (const Tensor& p : parameters()) convert(p);
  for (const Tensor& b : buffers()) convert(b);
}

void Module::print(std::ostream& out, int indent) const {
  pretty_print(out);
  if (children_.empty()) return;
  out << "(\n";
  for (const auto& child : children_) {
    out << std::string(static_cast<std::size_t>(indent + 2), ' ') << '(' << child.key() << "): ";
    child.value()->print(out, indent + 2);
    const std::int64_t count = child.value()->parameter_count();
    if (count > 0 && child.value()->children_.empty())
      out << "  # " << with_thousands(count) << " parameters";
    out << '\n';
  }
  out << std::string(static_cast<std::size_t>(indent), ' ') << ')';
}

std::ostream& operator<<(std::ostream& out, const Module& module) {
  module.print(out, 0);
  const std::int64_t total = module.parameter_count(), trainable = module.parameter_count(true);
  out << "\nparameters: " << with_thousands(total);
  if (trainable != total) out << " (trainable: " << with_thousands(trainable) << ")";
  return out;
}

}  // namespace tg::nn
