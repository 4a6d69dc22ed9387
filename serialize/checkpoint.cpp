#include <sstream>
#include <string_view>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/optim/optimizer.hpp>
#include <tapegrad/serialize/checkpoint.hpp>
#include <tapegrad/serialize/safetensors.hpp>

namespace tg {
namespace {

using detail::check_content;
using detail::kContentKey;
constexpr std::size_t kMaxListed = 20;  // names listed per kind of mismatch before "... and N more"

std::string in_quotes(std::string_view text) {
  std::string out;  // appended piece by piece: "\"" + text + "\"" trips GCC 12's -Wrestrict
  out.reserve(text.size() + 2);
  out.append(1, '"').append(text).append(1, '"');
  return out;
}

// The parameters and buffers of a module under their dotted names, as torch's state_dict():
// undefined buffers (registered as placeholders) are left out.
OrderedDict<Tensor> module_state(const nn::Module& module, std::string_view op) {
  OrderedDict<Tensor> state;
  for (const auto& item : module.named_parameters()) state.insert(item.key(), item.value());
  for (const auto& item : module.named_buffers()) {
    if (!item.value().defined()) continue;
    check(!state.contains(item.key()), op, "the buffer ", in_quotes(item.key()),
          " has the name of a parameter");
    state.insert(item.key(), item.value());
  }
  return state;
}

void append_list(std::ostringstream& out, std::string_view label, const std::vector<std::string>& items) {
  if (items.empty()) return;
  out << "; " << label << " (" << items.size() << "): ";
  for (std::size_t i = 0; i < items.size() && i < kMaxListed; ++i) out << (i ? ", " : "") << items[i];
  if (items.size() > kMaxListed) out << ", ... and " << items.size() - kMaxListed << " more";
}

std::string describe(const Tensor& tensor) {
  std::ostringstream out;
  out << tensor.sizes() << " " << tensor.dtype();
  return out.str();
}

// Throws (listing every mismatch) unless `saved` has exactly the module's names, shapes and dtypes.
void check_fits(std::string_view op, const OrderedDict<Tensor>& state, const OrderedDict<Tensor>& saved,
                const LoadSource& source) {
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& item : state) {
    const Tensor* found = saved.find(item.key());
    if (found == nullptr) {
      missing.push_back(in_quotes(item.key()));
    } else if (found->sizes() != item.value().sizes() || found->dtype() != item.value().dtype()) {
      mismatched.push_back(in_quotes(item.key()) + " is " + describe(*found) + " in the checkpoint but " +
                           describe(item.value()) + " in the module");
    }
  }
  for (const auto& item : saved)
    if (!state.contains(item.key())) unexpected.push_back(in_quotes(item.key()));
  if (missing.empty() && unexpected.empty() && mismatched.empty()) return;
  std::ostringstream message;
  message << source.describe() << " does not fit the module (nothing was loaded)";
  append_list(message, "missing from the checkpoint", missing);
  append_list(message, "not in the module", unexpected);
  append_list(message, "shape or dtype differs", mismatched);
  check(false, op, message.str());
}

void copy_into(const OrderedDict<Tensor>& state, const OrderedDict<Tensor>& saved) {
  NoGradGuard no_grad;
  for (const auto& item : state) item.value().copy_(saved[item.key()]);
}

constexpr std::string_view kModelPrefix = "model.";
constexpr std::string_view kOptimizerPrefix = "optimizer.";
constexpr std::string_view kReservedMetadata = "tapegrad.";

}  // namespace

void save(const nn::Module& module, const SaveTarget& target) {
  target.write("save", module_state(module, "save"),
               {{"format", "pt"}, {std::string(kContentKey), "module"}});
}

void load(nn::Module& module, const LoadSource& source) {
  const SafetensorsFile file = source.read("load");
  check_content("load", file, source, "module");
  const OrderedDict<Tensor> state = module_state(module, "load");
  check_fits("load", state, file.tensors, source);
  copy_into(state, file.tensors);
}

void save(const optim::Optimizer& optimizer, const SaveTarget& target) {
  OrderedDict<Tensor> state;
  for (const auto& [key, value] : optimizer.state_dict()) state.insert(key, value);
  target.write("save", state, {{std::string(kContentKey), "optimizer"}});
}

void load(optim::Optimizer& optimizer, const LoadSource& source) {
  const SafetensorsFile file = source.read("load");
  check_content("load", file, source, "optimizer");
  std::map<std::string, Tensor> state;
  for (const auto& item : file.tensors) state.emplace(item.key(), item.value());
  try {
    optimizer.load_state_dict(state);
  } catch (const Error& error) {
    throw Error("load: " + source.describe() + ": " + error.what());
  }
}

void save_checkpoint(const SaveTarget& target, const nn::Module& module, const optim::Optimizer& optimizer,
                     const std::map<std::string, std::string>& metadata) {
  OrderedDict<Tensor> tensors;
  for (const auto& item : module_state(module, "save_checkpoint"))
    tensors.insert(std::string(kModelPrefix) + item.key(), item.value());
  for (const auto& [key, value] : optimizer.state_dict())
    tensors.insert(std::string(kOptimizerPrefix) + key, value);
  std::map<std::string, std::string> all_metadata = metadata;
  for (const auto& [key, value] : metadata)
    check(!key.starts_with(kReservedMetadata), "save_checkpoint", "metadata key ", in_quotes(key),
          " is reserved (keys starting with \"tapegrad.\" are tapegrad's own)");
  all_metadata[std::string(kContentKey)] = "training";
  target.write("save_checkpoint", tensors, all_metadata);
}

std::map<std::string, std::string> load_checkpoint(const LoadSource& source, nn::Module& module,
                                                   optim::Optimizer& optimizer) {
  SafetensorsFile file = source.read("load_checkpoint");
  check_content("load_checkpoint", file, source, "training");
  OrderedDict<Tensor> model;
  std::map<std::string, Tensor> optimizer_state;
  std::vector<std::string> unexpected;
  for (const auto& item : file.tensors) {
    const std::string& key = item.key();
    if (key.starts_with(kModelPrefix))
      model.insert(key.substr(kModelPrefix.size()), item.value());
    else if (key.starts_with(kOptimizerPrefix))
      optimizer_state.emplace(key.substr(kOptimizerPrefix.size()), item.value());
    else
      unexpected.push_back(in_quotes(key));
  }
  if (!unexpected.empty()) {
    std::ostringstream message;
    message << source.describe() << " is not a training checkpoint (nothing was loaded)";
    append_list(message, "names outside \"model.\" and \"optimizer.\"", unexpected);
    check(false, "load_checkpoint", message.str());
  }
  // All or nothing: the module is checked first, the optimizer checks and commits its own state,
  // and only then are the module's values copied (which cannot fail).
  const OrderedDict<Tensor> state = module_state(module, "load_checkpoint");
  check_fits("load_checkpoint", state, model, source);
  try {
    optimizer.load_state_dict(optimizer_state);
  } catch (const Error& error) {
    throw Error("load_checkpoint: " + source.describe() + ": " + error.what() + " (nothing was loaded)");
  }
  copy_into(state, model);
  file.metadata.erase(std::string(kContentKey));
  return file.metadata;
}

}  // namespace tg
