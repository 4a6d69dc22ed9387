#include <algorithm>
#include <charconv>
#include <set>
#include <typeinfo>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/optimizer.hpp>

namespace tg::optim {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;  // clang 14 has no class template argument deduction for aggregates

bool retains_grad(const Tensor& tensor) {
  return tg::detail::impl_of(tensor)->autograd && tg::detail::impl_of(tensor)->autograd->retains_grad;
}

Tensor field_to_tensor(const OptimizerOptions::Field& field) {
  return std::visit(
      Overloaded{
          [](double* value) { return scalar_tensor(*value, kFloat64); },
          [](bool* value) { return scalar_tensor(*value ? 1.0 : 0.0, kFloat64); },
          [](std::tuple<double, double>* value) {
            return tensor(std::vector<double>{std::get<0>(*value), std::get<1>(*value)}, {2}, kFloat64);
          },
          [](std::int64_t* value) { return scalar_tensor(static_cast<double>(*value), kInt64); },
      },
      field.value);
}

void assign_field(const OptimizerOptions::Field& field, const Tensor& value, const std::string& key,
                  const std::string& op) {
  std::visit(Overloaded{
                 [&](double* target) {
                   check(value.dim() == 0, op, "'", key, "' must be a 0-d tensor, got shape ", value.sizes());
                   *target = value.item<double>();
                 },
                 [&](bool* target) {
                   check(value.dim() == 0, op, "'", key, "' must be a 0-d tensor, got shape ", value.sizes());
                   const double flag = value.item<double>();
                   check(flag == 0 || flag == 1, op, "'", key, "' is a flag and must be 0 or 1, got ", flag);
                   *target = flag == 1;
                 },
                 [&](std::tuple<double, double>* target) {
                   check(value.dim() == 1 && value.size(0) == 2, op, "'", key,
                         "' must hold two values (shape [2]), got shape ", value.sizes());
                   const std::vector<double> values = value.to_vector<double>();
                   *target = {values[0], values[1]};
                 },
                 [&](std::int64_t* target) {
                   check(value.dim() == 0 && value.dtype() == kInt64, op, "'", key,
                         "' must be a 0-d int64 tensor, got ", value.dtype(), " of shape ", value.sizes());
                   *target = value.item<std::int64_t>();
                 },
             },
             field.value);
}

// The number at the start of `text` up to the next '.', and the rest after that '.'; nullopt
// unless both are present and the number is a plain non-negative integer.
std::optional<std::pair<std::int64_t, std::string>> split_index(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) return std::nullopt;
  std::int64_t index = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + dot, index);
  if (error != std::errc() || end != text.data() + dot || index < 0) return std::nullopt;
  return std::pair{index, std::string(text.substr(dot + 1))};
}

std::string join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

}  // namespace

OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
  }
  return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
  check(has_options(), "OptimizerParamGroup", "this parameter group has no options (it gets the ",
        "optimizer's defaults when it is added to an optimizer)");
  return *options_;
}

const OptimizerOptions& OptimizerParamGroup::options() const {
  check(has_options(), "OptimizerParamGroup", "this parameter group has no options (it gets the ",
        "optimizer's defaults when it is added to an optimizer)");
  return *options_;
}

Tensor Optimizer::evaluate_closure(const LossClosure& closure) {
  if (!closure) return Tensor();
  // As PyTorch's torch.enable_grad() around the closure: step() may be called under no_grad.
  AutoGradMode enable_grad(true);
  return closure();
}

void Optimizer::add_parameters(const tensor_list& params) {
  check(!param_groups_.empty(), defaults_->optimizer_name(),
        "add_parameters needs a parameter group to add to");
  check_new_params(params, 0);
  tensor_list& first = param_groups_.front().params();
  first.insert(first.end(), params.begin(), params.end());
}

std::size_t Optimizer::size() const {
  std::size_t count = 0;
  for (const OptimizerParamGroup& group : param_groups_) count += group.params().size();
  return count;
}

Optimizer::Optimizer(std::vector<OptimizerParamGroup> param_groups,
                     std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  defaults_->validate();
  std::size_t count = 0;
  for (const OptimizerParamGroup& group : param_groups) count += group.params().size();
  check(count > 0, defaults_->optimizer_name(), "got an empty parameter list");
  for (const OptimizerParamGroup& group : param_groups) add_param_group(group);
}

void Optimizer::add_param_group(const OptimizerParamGroup& group) {
  const std::string_view name = defaults_->optimizer_name();
  OptimizerParamGroup added(group.params(),
                            group.has_options() ? group.options().clone() : defaults_->clone());
  const OptimizerOptions &options = added.options(), &defaults = *defaults_;  // typeid of plain references
  check(typeid(options) == typeid(defaults), name, "parameter group ", param_groups_.size(), " has ",
        added.options().optimizer_name(), " options; give it ", name,
        " options or none (to use the defaults)");
  added.options().validate();
  check_new_params(added.params(), param_groups_.size());
  param_groups_.push_back(std::move(added));
}

void Optimizer::check_new_params(const tensor_list& params, std::size_t group_index) const {
  const std::string_view name = defaults_->optimizer_name();
  std::set<const TensorImpl*> seen;
  for (const OptimizerParamGroup& existing : param_groups_)
    for (const Tensor& param : existing.params()) seen.insert(tg::detail::impl_of(param));
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Tensor& param = params[i];
    check(param.defined(), name, "parameter ", i, " of parameter group ", group_index, " is undefined");
    check(param.is_floating_point(), name, "parameter ", i, " is a ", param.dtype(),
          " tensor; only float32/float64 tensors can be optimized");
    check(param.is_leaf() || retains_grad(param), name, "can't optimize a non-leaf tensor (parameter ", i,
          " was computed by ", param.grad_fn_name(), "); optimize the leaf it came from, or x.detach()");
    check(seen.insert(tg::detail::impl_of(param)).second, name, "parameter ", i, " of parameter group ",
          group_index, " (shape ", param.sizes(), ") appears more than once among the parameter groups");
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups_) {
    for (const Tensor& param : group.params()) {
      if (!param.grad().defined()) continue;
      Tensor& grad = param.mutable_grad();
      if (set_to_none) {
        grad = Tensor();
        continue;
      }
      // As PyTorch: a gradient built with create_graph leaves the graph before it is zeroed.
      if (grad.requires_grad()) grad = grad.detach();
      grad.zero_();
    }
  }
}

tensor_list Optimizer::parameters() const {
  tensor_list all;
  for (const OptimizerParamGroup& group : param_groups_)
    all.insert(all.end(), group.params().begin(), group.params().end());
  return all;
}

const ParamState* Optimizer::state(const Tensor& param) const {
  auto it = state_.find(tg::detail::impl_of(param));
  return it == state_.end() ? nullptr : &it->second;
}

std::map<std::string, Tensor> Optimizer::state_dict() const {
  NoGradGuard no_grad;
  std::map<std::string, Tensor> out;
  std::int64_t number = 0;
  for (std::size_t g = 0; g < param_groups_.size(); ++g) {
    const OptimizerParamGroup& group = param_groups_[g];
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    std::vector<std::int64_t> numbers;
    for (const Tensor& param : group.params()) {
      numbers.push_back(number);
      if (const ParamState* buffers = state(param))
        for (const auto& [name, buffer] : *buffers)
          out["state." + std::to_string(number) + "." + name] = buffer.clone();
      ++number;
    }
    out[prefix + "params"] = tensor(numbers, {static_cast<std::int64_t>(numbers.size())}, kInt64);
    // fields() hands out pointers into the options, so read them from a copy of these const options.
    std::unique_ptr<OptimizerOptions> options = group.options().clone();
    for (const OptimizerOptions::Field& field : options->fields())
      out[prefix + std::string(field.name)] = field_to_tensor(field);
    if (options->initial_lr()) out[prefix + "initial_lr"] = scalar_tensor(*options->initial_lr(), kFloat64);
  }
  return out;
}

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& state_dict) {
  NoGradGuard no_grad;
  const std::string op = std::string(defaults_->optimizer_name()) + ".load_state_dict";

  // Sort the keys into per-group hyperparameters and per-parameter buffers.
  std::map<std::int64_t, std::map<std::string, Tensor>> group_entries;
  std::map<std::int64_t, std::map<std::string, Tensor>> state_entries;
  for (const auto& [key, value] : state_dict) {
    check(value.defined(), op, "the value of '", key, "' is an undefined tensor");
    const std::string_view view = key;
    std::optional<std::pair<std::int64_t, std::string>> parsed;
    if (view.starts_with("param_groups.") && (parsed = split_index(view.substr(13))))
      group_entries[parsed->first][parsed->second] = value;
    else if (view.starts_with("state.") && (parsed = split_index(view.substr(6))))
      state_entries[parsed->first][parsed->second] = value;
    else
      check(false, op, "unexpected key '", key,
            "'; keys are state.<param number>.<buffer> and param_groups.<group>.<hyperparameter>");
  }

  const std::int64_t group_count = static_cast<std::int64_t>(param_groups_.size());
  const std::int64_t saved_groups = group_entries.empty() ? 0 : group_entries.rbegin()->first + 1;
  check(static_cast<std::int64_t>(group_entries.size()) == saved_groups && saved_groups == group_count, op,
        "the state dict has parameter groups 0..", saved_groups - 1, " (", group_entries.size(),
        " present) but the optimizer has ", group_count, " parameter groups");

  // Hyperparameters, validated on copies so that a failure leaves the optimizer unchanged. The
  // saved parameter numbers map to this optimizer's parameters in order, as in PyTorch.
  std::vector<std::unique_ptr<OptimizerOptions>> new_options;
  std::map<std::int64_t, std::pair<Tensor, const OptimizerOptions*>> params_by_number;
  for (std::int64_t g = 0; g < group_count; ++g) {
    const OptimizerParamGroup& group = param_groups_[g];
    std::map<std::string, Tensor>& entries = group_entries[g];
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    std::unique_ptr<OptimizerOptions> options = group.options().clone();

    auto params_it = entries.find("params");
    check(params_it != entries.end(), op, "missing key '", prefix, "params'");
    const Tensor& numbers = params_it->second;
    check(numbers.dtype() == kInt64 && numbers.dim() == 1, op, "'", prefix,
          "params' must be a 1-d int64 tensor, got ", numbers.dtype(), " of shape ", numbers.sizes());
    check(numbers.size(0) == static_cast<std::int64_t>(group.params().size()), op, "parameter group ", g,
          " has ", numbers.size(0), " parameters in the state dict but ", group.params().size(),
          " in the optimizer");
    const std::vector<std::int64_t> saved_numbers = numbers.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < saved_numbers.size(); ++i)
      check(params_by_number.emplace(saved_numbers[i], std::pair{group.params()[i], options.get()}).second,
            op, "parameter number ", saved_numbers[i], " is listed twice in the parameter groups");
    entries.erase(params_it);

    for (const OptimizerOptions::Field& field : options->fields()) {
      const std::string key = prefix + std::string(field.name);
      auto it = entries.find(std::string(field.name));
      check(it != entries.end(), op, "missing key '", key, "'");
      assign_field(field, it->second, key, op);
      entries.erase(it);
    }
    std::optional<double> initial_lr;
    if (auto it = entries.find("initial_lr"); it != entries.end()) {
      check(it->second.dim() == 0, op, "'", prefix, "initial_lr' must be a 0-d tensor, got shape ",
            it->second.sizes());
      initial_lr = it->second.item<double>();
      entries.erase(it);
    }
    options->set_initial_lr(initial_lr);
    check(entries.empty(), op, "unexpected key '", prefix, entries.empty() ? "" : entries.begin()->first,
          "' for ", defaults_->optimizer_name());
    options->validate();
    new_options.push_back(std::move(options));
  }

  // Buffers: exactly the names the optimizer keeps under the loaded options, each of its
  // parameter's shape (step is 0-d), cast to the parameter's dtype (step stays float64).
  std::unordered_map<const TensorImpl*, ParamState> new_state;
  for (auto& [number, buffers] : state_entries) {
    auto found = params_by_number.find(number);
    check(found != params_by_number.end(), op, "the state dict has state for parameter number ", number,
          " but its parameter groups do not list that number");
    const auto& [param, options] = found->second;
    std::vector<std::string> expected = state_names(*options);
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> present;
    for (const auto& entry : buffers) present.push_back(entry.first);
    check(present == expected, op, "the state of parameter ", number, " holds {", join(present), "} but ",
          defaults_->optimizer_name(), " with these options keeps {", join(expected), "}");
    ParamState& restored = new_state[tg::detail::impl_of(param)];
    for (const auto& [name, value] : buffers) {
      const std::string key = "state." + std::to_string(number) + "." + name;
      check(value.is_floating_point(), op, "'", key, "' must be a floating point tensor, got ",
            value.dtype());
      if (is_scalar_state(name)) {
        check(value.dim() == 0, op, "'", key, "' must be a 0-d tensor, got shape ", value.sizes());
        restored[name] = value.to(kFloat64).clone();
      } else {
        check(value.sizes() == param.sizes(), op, "'", key, "' has shape ", value.sizes(), " but parameter ",
              number, " has shape ", param.sizes());
        restored[name] = value.to(param.dtype()).clone();
      }
    }
  }

  for (std::int64_t g = 0; g < group_count; ++g) param_groups_[g].set_options(std::move(new_options[g]));
  state_ = std::move(new_state);
}

}  // namespace tg::optim
