#include <cmath>
#include <optional>
#include <sstream>

#include <tapegrad/autograd/engine/anomaly_mode.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>

namespace tg::autograd {

std::atomic<bool> AnomalyMode::enabled_{false};

namespace {

thread_local std::string scope_path;
// Ops run inside a backward node or a custom op's forward are checked as that node or op.
thread_local int forward_checks_off = 0;

struct NonFinite {
  std::int64_t index;  // flat index in the tensor's logical (row-major) order
  double value;
};

std::optional<NonFinite> first_non_finite(const Tensor& tensor) {
  if (!tensor.defined() || !tensor.is_floating_point()) return std::nullopt;
  NoGradGuard no_grad;
  const Tensor values = tensor.contiguous();
  std::optional<NonFinite> found;
  kernels::dispatch_floating("detect_anomaly", values.dtype(), [&]<class T>() {
    const T* data = values.data_ptr<T>();
    for (std::int64_t i = 0; i < values.numel(); ++i)
      if (!std::isfinite(data[i])) {
        found = NonFinite{i, static_cast<double>(data[i])};
        return;
      }
  });
  return found;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "nan";
  return value > 0 ? "inf" : "-inf";
}

std::string_view op_name(std::string_view node_name) {
  constexpr std::string_view suffix = "Backward";
  if (node_name.ends_with(suffix)) node_name.remove_suffix(suffix.size());
  return node_name;
}

// "SqrtBackward <- MulBackward <- AddBackward": the nodes that produced a tensor, newest first,
// following each node's first input that has a history.
void describe_history(std::ostream& out, const Tensor& tensor) {
  const Node* node = tensor.grad_fn().get();
  if (node == nullptr) {
    out << (tensor.requires_grad() ? "leaf" : "constant");
    return;
  }
  constexpr int kMaxDepth = 6;
  for (int depth = 0; node != nullptr; ++depth) {
    if (depth == kMaxDepth) {
      out << " <- ...";
      return;
    }
    out << (depth == 0 ? "" : " <- ") << node->name();
    const Node* producer = nullptr;
    for (const Edge& edge : node->next_edges())
      if (edge.valid()) {
        producer = edge.function.get();
        break;
      }
    node = producer;
  }
}

std::string describe_recording(const Node* node, const TensorRefs& inputs) {
  std::ostringstream out;
  out << "recorded ";
  if (node != nullptr) out << "as op #" << node->sequence_nr() << " of its thread ";
  const std::string& scope = AnomalyScope::current();
  out << (scope.empty() ? std::string("outside any AnomalyScope") : "in scope \"" + scope + "\"");
  out << "; inputs:";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& input = inputs[i];
    out << (i == 0 ? " " : ", ");
    if (!input.defined()) {
      out << "(none)";
      continue;
    }
    out << input.sizes() << " " << input.dtype() << " from ";
    describe_history(out, input);
  }
  return out.str();
}

}  // namespace

AnomalyScope::AnomalyScope(const std::string& label) : previous_length_(scope_path.size()) {
  if (!scope_path.empty()) scope_path += '/';
  scope_path += label;
}

AnomalyScope::~AnomalyScope() { scope_path.resize(previous_length_); }

const std::string& AnomalyScope::current() { return scope_path; }

namespace detail {

ForwardChecksOff::ForwardChecksOff() { ++forward_checks_off; }
ForwardChecksOff::~ForwardChecksOff() { --forward_checks_off; }

void check_forward_anomaly(std::string_view node_name, const TensorRefs& inputs, const TensorRefs& outputs,
                           Node* node) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (forward_checks_off > 0) break;
    const auto bad = first_non_finite(outputs[i]);
    if (!bad) continue;
    bool inputs_finite = true;
    for (std::size_t j = 0; j < inputs.size(); ++j)
      inputs_finite = inputs_finite && !first_non_finite(inputs[j]);
    std::ostringstream message;
    message << "detect_anomaly: forward of " << op_name(node_name) << " produced " << format_value(bad->value)
            << " in output " << i << " (shape " << outputs[i].sizes() << ", " << outputs[i].dtype()
            << ") at flat index " << bad->index << "; "
            << (inputs_finite ? "all its inputs were finite" : "an input was already non-finite") << "; "
            << describe_recording(node, inputs);
    throw AnomalyError(message.str());
  }
  if (node != nullptr) node->set_anomaly_context(describe_recording(node, inputs));
}

void check_backward_anomaly(const Node& node, const tensor_list& grads) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const auto bad = first_non_finite(grads[i]);
    if (!bad) continue;
    std::ostringstream message;
    message << "detect_anomaly: backward of " << node.name() << " returned " << format_value(bad->value)
            << " in the gradient for input " << i << " (shape " << grads[i].sizes() << ", "
            << grads[i].dtype() << ") at flat index " << bad->index << "; the op was "
            << (node.anomaly_context() ? *node.anomaly_context()
                                       : std::string("recorded before anomaly detection was turned on"));
    throw AnomalyError(message.str());
  }
}

std::string with_anomaly_context(const Node& node, std::string_view what) {
  std::ostringstream message;
  message << what << "\n  (detect_anomaly: raised in backward of " << node.name() << "; the op was "
          << (node.anomaly_context() ? *node.anomaly_context()
                                     : std::string("recorded before anomaly detection was turned on"))
          << ")";
  return message.str();
}

}  // namespace detail
}  // namespace tg::autograd
