#pragma once
// Custom ops in the style of libtorch's torch::autograd::Function:
//
//   struct Square : tg::autograd::Function<Square> {
//     static Tensor forward(AutogradContext* ctx, const Tensor& x) {
//       ctx->save_for_backward({x});
//       return x * x;
//     }
//     static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
//       Tensor x = ctx->saved_tensors()[0];
//       return {grad_outputs[0] * 2.0 * x};  // one entry per forward argument
//     }
//   };
//   Tensor y = Square::apply(x);
//
// forward runs with grad mode off; backward is written with tapegrad ops, so with create_graph it is
// itself recorded (gradients of gradients). A custom op is an ordinary node of the graph.
#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <variant>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg::autograd {

/// A non-tensor value kept for backward in ctx->saved_data (as libtorch's IValue, reduced).
class SavedValue {
 public:
  SavedValue() = default;
  SavedValue(double value) : value_(value) {}
  SavedValue(std::int64_t value) : value_(value) {}
  SavedValue(int value) : value_(static_cast<std::int64_t>(value)) {}
  SavedValue(bool value) : value_(value) {}
  SavedValue(std::string value) : value_(std::move(value)) {}
  SavedValue(const char* value) : value_(std::string(value)) {}
  SavedValue(std::vector<std::int64_t> value) : value_(std::move(value)) {}
  SavedValue(Tensor value) : value_(std::move(value)) {}

  double toDouble() const { return get<double>("double"); }
  std::int64_t toInt() const { return get<std::int64_t>("int"); }
  bool toBool() const { return get<bool>("bool"); }
  const std::string& toStringRef() const { return get<std::string>("string"); }
  const std::vector<std::int64_t>& toIntVector() const { return get<std::vector<std::int64_t>>("int list"); }
  const Tensor& toTensor() const { return get<Tensor>("tensor"); }

 private:
  template <class T>
  const T& get(const char* what) const {
    const T* value = std::get_if<T>(&value_);
    check(value != nullptr, "saved_data", "the saved value is not a ", what);
    return *value;
  }
  std::variant<std::monostate, double, std::int64_t, bool, std::string, std::vector<std::int64_t>, Tensor>
      value_;
};

class AutogradContext {
 public:
  /// Tensors backward needs (inputs or outputs of forward); checked for in-place changes on unpacking.
  void save_for_backward(tensor_list tensors) { to_save_ = std::move(tensors); }
  /// The tensors given to save_for_backward, in order.
  tensor_list saved_tensors() const {
    tensor_list out;
    out.reserve(saved_.size());
    for (const SavedTensor& saved : saved_) out.push_back(saved.unpack(*node_));
    return out;
  }
  /// Whether forward argument `index` (counting every argument, tensor or not) needs a gradient.
  bool needs_input_grad(std::size_t index) const {
    return index < needs_input_grad_.size() && needs_input_grad_[index];
  }
  /// Outputs that are not differentiable (e.g. indices); they get no grad_fn.
  void mark_non_differentiable(const tensor_list& outputs) { non_differentiable_ = outputs; }
  /// When true (default), gradients of outputs that received none arrive as zeros instead of undefined.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }

  std::unordered_map<std::string, SavedValue> saved_data;

 private:
  template <class>
  friend class CppNode;
  template <class>
  friend struct Function;

  tensor_list to_save_;
  std::vector<SavedTensor> saved_;
  std::vector<bool> needs_input_grad_;
  tensor_list non_differentiable_;
  bool materialize_grads_ = true;
  const Node* node_ = nullptr;
};

/// The graph node of a custom op.
template <class Derived>
class CppNode final : public Node {
 public:
  CppNode() : name_(demangled_name()) {}
  std::string_view name() const override { return name_; }
  void release_saved() override {
    for (SavedTensor& saved : ctx.saved_) saved.reset();
  }

  tensor_list apply(tensor_list&& grad_outputs) override {
    if (ctx.materialize_grads_)
      for (std::size_t i = 0; i < grad_outputs.size(); ++i)
        if (!grad_outputs[i].defined()) grad_outputs[i] = zeros(output_meta[i].sizes, output_meta[i].dtype);
    tensor_list all = Derived::backward(&ctx, std::move(grad_outputs));
    check(all.size() == tensor_argument.size(), "backward", "custom function ", name_, " returned ",
          all.size(), " gradients; expected ", tensor_argument.size(),
          " (one per forward argument, undefined for non-tensor arguments)");
    tensor_list grads;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (tensor_argument[i]) grads.push_back(std::move(all[i]));
    return grads;
  }

  AutogradContext ctx;
  std::vector<bool> tensor_argument;  // per forward argument
  std::vector<InputMeta> output_meta;

 private:
  static std::string demangled_name() {
    int status = 0;
    char* demangled = abi::__cxa_demangle(typeid(Derived).name(), nullptr, nullptr, &status);
    std::string name = status == 0 && demangled ? demangled : typeid(Derived).name();
    std::free(demangled);
    return name + "Backward";
  }
  std::string name_;
};

template <class Derived>
struct Function {
  /// Runs Derived::forward(ctx, args...) without recording, then records one node for the whole op.
  template <class... Args>
  static auto apply(Args&&... args) {
    auto node = std::make_shared<CppNode<Derived>>();
    tensor_list inputs;
    (collect(*node, inputs, args), ...);
    const bool recording = any_requires_grad(inputs);
    node->ctx.node_ = node.get();
    auto outputs = [&] {
      AutoGradMode no_grad(false);
      std::optional<detail::ForwardChecksOff> checked_as_a_whole;
      if (AnomalyMode::is_enabled()) checked_as_a_whole.emplace();
      return Derived::forward(&node->ctx, std::forward<Args>(args)...);
    }();
    if constexpr (std::is_same_v<decltype(outputs), Tensor>) {
      tensor_list list{outputs};
      if (recording) finish(node, inputs, list);
      if (AnomalyMode::is_enabled()) [[unlikely]]
        detail::check_forward_anomaly(node->name(), inputs, list, recording ? node.get() : nullptr);
      return list[0];
    } else {
      if (recording) finish(node, inputs, outputs);
      if (AnomalyMode::is_enabled()) [[unlikely]]
        detail::check_forward_anomaly(node->name(), inputs, outputs, recording ? node.get() : nullptr);
      return outputs;
    }
  }

 private:
  template <class Arg>
  static void collect(CppNode<Derived>& node, tensor_list& inputs, const Arg& arg) {
    const bool is_tensor = std::is_same_v<std::decay_t<Arg>, Tensor>;
    node.tensor_argument.push_back(is_tensor);
    if constexpr (std::is_same_v<std::decay_t<Arg>, Tensor>) {
      node.ctx.needs_input_grad_.push_back(arg.defined() && arg.requires_grad());
      inputs.push_back(arg);
    } else {
      node.ctx.needs_input_grad_.push_back(false);
    }
  }

  static void finish(const std::shared_ptr<CppNode<Derived>>& node, const tensor_list& inputs,
                     tensor_list& outputs) {
    node->set_inputs(inputs);
    node->set_num_outputs(static_cast<std::uint32_t>(outputs.size()));
    AutogradContext& ctx = node->ctx;
    for (std::uint32_t i = 0; i < outputs.size(); ++i) {
      Tensor& out = outputs[i];
      check(out.defined(), "apply", "custom function ", node->name(), " returned an undefined output ", i);
      node->output_meta.push_back(InputMeta{out.sizes(), out.dtype()});
      bool differentiable = out.is_floating_point();
      for (const Tensor& marked : ctx.non_differentiable_)
        differentiable = differentiable && !marked.is_same(out);
      if (!differentiable) continue;
      // An input returned as is must not have its own history overwritten.
      for (const Tensor& input : inputs)
        if (input.is_same(out)) out = out.detach();
      AutogradMeta& meta = out.impl()->autograd_meta();
      meta.requires_grad = true;
      meta.grad_fn = node;
      meta.output_nr = i;
    }
    for (const Tensor& tensor : ctx.to_save_) {
      bool is_output = false;
      for (const Tensor& out : outputs) is_output = is_output || (tensor.defined() && tensor.is_same(out));
      ctx.saved_.emplace_back(tensor, is_output);
    }
    ctx.to_save_.clear();
  }
};

}  // namespace tg::autograd
