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

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/ivalue.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::autograd {

/// Former name of the values in ctx->saved_data (now tg::IValue, as in libtorch).
using SavedValue = IValue;

class AutogradContext {
 public:
  AutogradContext() = default;
  AutogradContext(const AutogradContext&) = delete;
  AutogradContext& operator=(const AutogradContext&) = delete;

  /// Tensors backward needs (inputs or outputs of forward); checked for in-place changes on unpacking.
  void save_for_backward(variable_list tensors) { to_save_ = std::move(tensors); }
  /// The tensors given to save_for_backward, in order.
  variable_list get_saved_variables() const {
    variable_list out;
    out.reserve(saved_.size());
    for (const SavedTensor& saved : saved_) out.push_back(saved.unpack(*node_));
    return out;
  }
  variable_list saved_tensors() const { return get_saved_variables(); }
  /// Whether tensor input `index` of forward needs a gradient. As in libtorch, the index counts tensor
  /// arguments only (each element of a tensor_list argument counts as one; non-tensor arguments are
  /// skipped): in forward(ctx, a, k, b) with a double k, b is input 1.
  bool needs_input_grad(std::size_t index) const {
    check(index < needs_input_grad_.size(), "needs_input_grad", "Index out of range: tensor input ", index,
          " of a custom function with ", needs_input_grad_.size(),
          " tensor inputs (non-tensor arguments are not counted)");
    return needs_input_grad_[index];
  }
  /// Inputs that forward modified in place; they must be returned as outputs. The returned tensor takes
  /// this op as its grad_fn (its history is rebased) and its version counter is bumped, so that
  /// earlier nodes that saved it detect the change.
  void mark_dirty(const variable_list& inputs) { dirty_ = inputs; }
  /// Outputs that are not differentiable (e.g. indices); they get no grad_fn.
  void mark_non_differentiable(const variable_list& outputs) { non_differentiable_ = outputs; }
  /// When true (default), gradients of outputs that received none arrive as zeros instead of undefined.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }

  std::unordered_map<std::string, IValue> saved_data;

 private:
  template <class>
  friend class CppNode;
  template <class>
  friend struct Function;

  static bool contains(const variable_list& list, const Tensor& tensor) {
    for (const Tensor& t : list)
      if (t.defined() && t.is_same(tensor)) return true;
    return false;
  }

  variable_list to_save_;
  std::vector<SavedTensor> saved_;
  std::vector<bool> needs_input_grad_;  // per tensor input
  variable_list non_differentiable_;
  variable_list dirty_;
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
    // As libtorch: extra gradients are fine when all of them are undefined (e.g. for trailing
    // non-tensor arguments counted by the author).
    if (all.size() > tensor_argument.size() &&
        std::none_of(all.begin() + static_cast<std::ptrdiff_t>(tensor_argument.size()), all.end(),
                     [](const Tensor& g) { return g.defined(); }))
      all.resize(tensor_argument.size());
    check(all.size() == tensor_argument.size(), "backward", "custom function ", name_,
          " returned an incorrect number of gradients (expected ", tensor_argument.size(), ", got ",
          all.size(), "); return one per forward argument, undefined for non-tensor arguments");
    tensor_list grads;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (tensor_argument[i]) {
        grads.push_back(std::move(all[i]));
        continue;
      }
      check(!all[i].defined(), "backward", "custom function ", name_,
            " returned a defined gradient at position ", i + 1,
            ", but the corresponding forward argument is not a tensor; return an undefined Tensor() there");
    }
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
    for (const Tensor& input : inputs)
      node->ctx.needs_input_grad_.push_back(recording && input.defined() && input.requires_grad());
    node->ctx.node_ = node.get();
    auto outputs = [&] {
      AutoGradMode no_grad(false);
      std::optional<detail::ForwardChecksOff> checked_as_a_whole;
      if (AnomalyMode::is_enabled()) checked_as_a_whole.emplace();
      return Derived::forward(&node->ctx, std::forward<Args>(args)...);
    }();
    if constexpr (std::is_same_v<decltype(outputs), Tensor>) {
      tensor_list list{outputs};
      wrap_outputs(node, inputs, list, recording);
      return list[0];
    } else {
      wrap_outputs(node, inputs, outputs, recording);
      return outputs;
    }
  }

 private:
  // Tensor, tensor_list (one tensor input per element) and std::optional<Tensor> arguments are tensor
  // inputs, as in libtorch; everything else is passed through to forward untouched.
  template <class Arg>
  static void collect(CppNode<Derived>& node, tensor_list& inputs, const Arg& arg) {
    using T = std::decay_t<Arg>;
    if constexpr (std::is_same_v<T, Tensor>) {
      node.tensor_argument.push_back(true);
      inputs.push_back(arg);
    } else if constexpr (std::is_same_v<T, tensor_list>) {
      for (const Tensor& element : arg) {
        node.tensor_argument.push_back(true);
        inputs.push_back(element);
      }
    } else if constexpr (std::is_same_v<T, std::optional<Tensor>>) {
      const bool present = arg.has_value() && arg->defined();
      node.tensor_argument.push_back(present);
      if (present) inputs.push_back(*arg);
    } else {
      node.tensor_argument.push_back(false);
    }
  }

  static void wrap_outputs(const std::shared_ptr<CppNode<Derived>>& node, const tensor_list& inputs,
                           tensor_list& outputs, bool recording) {
    AutogradContext& ctx = node->ctx;
    for (const Tensor& dirty : ctx.dirty_) {
      check(dirty.defined() && AutogradContext::contains(outputs, dirty), "apply", "custom function ",
            node->name(),
            ": Some elements marked as dirty during the forward method were not returned as "
            "output. The inputs that are modified inplace must all be outputs of the Function.");
      // Bumped here too so that a write forward made through raw data is detected as well.
      tg::detail::impl_of(dirty)->storage->bump_version();
    }
    if (recording) finish(node, inputs, outputs);
    // The outputs now own the node: holding them in its context would be a reference cycle (a leak).
    ctx.dirty_.clear();
    ctx.non_differentiable_.clear();
    if (AnomalyMode::is_enabled()) [[unlikely]]
      detail::check_forward_anomaly(node->name(), inputs, outputs, recording ? node.get() : nullptr);
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
      const bool differentiable =
          out.is_floating_point() && !AutogradContext::contains(ctx.non_differentiable_, out);
      if (!differentiable) continue;
      bool retain_again = false;
      if (AutogradContext::contains(ctx.dirty_, out)) {
        check(!(out.is_leaf() && out.requires_grad()), "apply", "custom function ", node->name(),
              " modified output ", i,
              " in place, a leaf that requires grad: a leaf Variable that requires "
              "grad has been used in an in-place operation; clone() it before passing it in");
        // NOTE: the tensor itself takes the new history (rebase); views of it or its base do not.
        AutogradMeta& meta = tg::detail::impl_of(out)->autograd_meta();
        meta.non_leaf_hooks.reset();  // they belong to the old grad_fn
        retain_again = meta.retains_grad;
        meta.retains_grad = false;
      } else {
        // An input returned as is (not marked dirty) must not have its own history overwritten.
        for (const Tensor& input : inputs)
          if (input.is_same(out)) out = out.detach();
      }
      AutogradMeta& meta = tg::detail::impl_of(out)->autograd_meta();
      meta.requires_grad = true;
      meta.grad_fn = node;
      meta.output_nr = i;
      if (retain_again) out.retain_grad();
    }
    for (const Tensor& tensor : ctx.to_save_)
      ctx.saved_.emplace_back(tensor, tensor.defined() && AutogradContext::contains(outputs, tensor));
    ctx.to_save_.clear();
  }
};

}  // namespace tg::autograd

#pragma GCC visibility pop
