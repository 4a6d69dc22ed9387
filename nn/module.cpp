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

const std::string& Module::name() const {
  if (!name_) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(typeid(*this).name(), nullptr, nullptr, &status);
    std::string full = status == 0 && demangled ? demangled : typeid(*this).name();
    std::free(demangled);
    // libtorch's logs say "torch::nn::LinearImpl"; tapegrad's built-ins read the same.
    if (full.starts_with("tg::")) full = "torch::" + full.substr(4);
    name_ = std::move(full);
  }
  return *name_;
}

void Module::pretty_print(std::ostream& out) const { out << name(); }

std::shared_ptr<Module> Module::clone(const std::optional<Device>& /*device*/) const {
  throw Error("clone() has not been implemented for " + name() + ". Subclass torch::nn::Cloneable<" + name() +
              "> instead of torch::nn::Module to inherit the ability to clone.");
}

void Module::clone_(Module& /*other*/, const std::optional<Device>& /*device*/) {
  throw Error("clone() has not been implemented for " + name() + " (a submodule being cloned)");
}

std::shared_ptr<Module> Module::shared_from_this_checked() const {
  std::shared_ptr<const Module> self = weak_from_this().lock();
  check(self != nullptr, "Module",
        "It looks like you attempted to retrieve your top-level module as a shared_ptr, but it is not "
        "stored in a shared_ptr. Use std::make_shared<",
        name(),
        ">() instead of creating your module on "
        "the stack, or alternatively do not try to access your top-level module at all by passing "
        "/*include_self=*/false to modules() or named_modules()");
  return std::const_pointer_cast<Module>(self);
}

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

void Module::unregister_module(const std::string& name) {
  check(children_.contains(name), "unregister_module", "No Module with name `", name, "` is registered in ",
        this->name());
  children_.erase(name);
}

void Module::replace_child(const std::string& name, std::shared_ptr<Module> child) {
  check(child != nullptr, "replace_module", "submodule \"", name, "\" is null");
  std::shared_ptr<Module>* slot = children_.find(name);
  check(slot != nullptr, "replace_module", "no submodule \"", name, "\" in ", this->name());
  *slot = std::move(child);
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

namespace {
std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}
}  // namespace

void Module::visit(const std::string& prefix, const NamedModulePointerApplyFunction& function) const {
  for (const auto& child : children_) {
    const std::string name = join_name(prefix, child.key());
    function(name, child.value());
    child.value()->visit(name, function);
  }
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  return named_modules("", include_self).values();
}

OrderedDict<std::shared_ptr<Module>> Module::named_modules(const std::string& name_prefix,
                                                           bool include_self) const {
  OrderedDict<std::shared_ptr<Module>> out;
  if (include_self) out.insert(name_prefix, shared_from_this_checked());
  visit(name_prefix, [&out](const std::string& name, const std::shared_ptr<Module>& module) {
    // A module registered under two names is listed under each (as libtorch does).
    out.insert(name, module);
  });
  return out;
}

void Module::apply(const ModuleApplyFunction& function) {
  function(*this);
  visit("", [&function](const std::string&, const std::shared_ptr<Module>& module) { function(*module); });
}

void Module::apply(const ConstModuleApplyFunction& function) const {
  function(*this);
  visit("", [&function](const std::string&, const std::shared_ptr<Module>& module) { function(*module); });
}

void Module::apply(const NamedModuleApplyFunction& function, const std::string& name_prefix) {
  function(name_prefix, *this);
  visit(name_prefix, [&function](const std::string& name, const std::shared_ptr<Module>& module) {
    function(name, *module);
  });
}

void Module::apply(const ConstNamedModuleApplyFunction& function, const std::string& name_prefix) const {
  function(name_prefix, *this);
  visit(name_prefix, [&function](const std::string& name, const std::shared_ptr<Module>& module) {
    function(name, *module);
  });
}

void Module::apply(const ModulePointerApplyFunction& function) const {
  function(shared_from_this_checked());
  visit("", [&function](const std::string&, const std::shared_ptr<Module>& module) { function(module); });
}

void Module::apply(const NamedModulePointerApplyFunction& function, const std::string& name_prefix) const {
  function(name_prefix, shared_from_this_checked());
  visit(name_prefix, function);
}

void Module::train(bool on) {
  is_training_ = on;
  for (const auto& child : children_) child.value()->train(on);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    Tensor& grad = p.mutable_grad();
    if (set_to_none) {
      grad = Tensor();
      continue;
    }
    // As libtorch: a gradient built with create_graph leaves the graph before it is zeroed.
    if (grad.requires_grad()) grad = grad.detach();
    grad.zero_();
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
    TensorImpl& impl = *tg::detail::impl_of(t);
    impl.storage = tg::detail::impl_of(converted)->storage;
    impl.strides = converted.strides();
    impl.offset = 0;
    impl.dtype = dtype;
    if (impl.autograd) impl.autograd->grad = Tensor();
  };
  for (const Tensor& p : parameters()) convert(p);
  for (const Tensor& b : buffers()) convert(b);
}

void Module::print(std::ostream& out, const std::string& indentation) const {
  pretty_print(out);
  if (children_.empty()) return;
  out << "(\n";
  const std::string inner = indentation + "  ";
  for (const auto& child : children_) {
    out << inner << '(' << child.key() << "): ";
    child.value()->print(out, inner);
    out << '\n';
  }
  out << indentation << ')';
}

std::ostream& operator<<(std::ostream& out, const Module& module) {
  module.print(out, "");
  return out;
}

namespace {
void print_with_counts(std::ostream& out, const Module& module, const std::string& indentation) {
  module.pretty_print(out);
  if (module.named_children().empty()) return;
  out << "(\n";
  const std::string inner = indentation + "  ";
  for (const auto& child : module.named_children()) {
    out << inner << '(' << child.key() << "): ";
    print_with_counts(out, *child.value(), inner);
    const std::int64_t count = child.value()->parameter_count();
    if (count > 0 && child.value()->named_children().empty())
      out << "  # " << with_thousands(count) << " parameters";
    out << '\n';
  }
  out << indentation << ')';
}
}  // namespace

std::string summary(const Module& module) {
  std::ostringstream out;
  print_with_counts(out, module, "");
  const std::int64_t total = module.parameter_count(), trainable = module.parameter_count(true);
  out << "\nparameters: " << with_thousands(total);
  if (trainable != total) out << " (trainable: " << with_thousands(trainable) << ")";
  return out.str();
}

}  // namespace tg::nn
