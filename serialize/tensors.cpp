#include <sstream>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/serialize/tensors.hpp>

namespace tg {
namespace {

constexpr std::string_view kTensorContent = "tensor";
constexpr std::string_view kTensorListContent = "tensor_list";

std::map<std::string, std::string> content(std::string_view kind) {
  return {{std::string(detail::kContentKey), std::string(kind)}};
}

std::string listed_names(const OrderedDict<Tensor>& tensors) {
  std::ostringstream out;
  out << "{";
  std::size_t shown = 0;
  for (const auto& item : tensors) {
    if (shown == 8) {
      out << ", ...";
      break;
    }
    out << (shown++ ? ", " : "") << '"' << item.key() << '"';
  }
  out << "}";
  return out.str();
}

// The file's tensors in the order "0", "1", ..., checked to be exactly those names.
std::vector<Tensor> numbered(const SafetensorsFile& file, const LoadSource& source, std::string_view op) {
  std::vector<Tensor> tensors;
  for (std::size_t i = 0; i < file.tensors.size(); ++i) {
    const Tensor* found = file.tensors.find(std::to_string(i));
    check(found != nullptr, op, source.describe(), " is not a list of tensors: its ", file.tensors.size(),
          " tensors ", listed_names(file.tensors), " are not named \"0\" to \"", file.tensors.size() - 1,
          "\"");
    tensors.push_back(*found);
  }
  return tensors;
}

}  // namespace

void save(const Tensor& tensor, const SaveTarget& target) {
  check(tensor.defined(), "save", "the tensor is undefined");
  OrderedDict<Tensor> tensors;
  tensors.insert("0", tensor);
  target.write("save", tensors, content(kTensorContent));
}

void save(const std::vector<Tensor>& tensors, const SaveTarget& target) {
  OrderedDict<Tensor> named;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    check(tensors[i].defined(), "save", "tensor ", i, " of the list is undefined");
    named.insert(std::to_string(i), tensors[i]);
  }
  target.write("save", named, content(kTensorListContent));
}

void save(const std::map<std::string, Tensor>& tensors, const SaveTarget& target) {
  OrderedDict<Tensor> named;
  for (const auto& [name, tensor] : tensors) named.insert(name, tensor);
  target.write("save", named, {});
}

void save(const OrderedDict<Tensor>& tensors, const SaveTarget& target) { target.write("save", tensors, {}); }

void load(Tensor& tensor, const LoadSource& source) {
  const SafetensorsFile file = source.read("load");
  detail::check_content("load", file, source, kTensorContent);
  check(file.tensors.size() == 1 && file.tensors.contains("0"), "load", source.describe(),
        " is not a tensor file: a tensor file holds one tensor named \"0\", this one holds ",
        file.tensors.size(), " ", listed_names(file.tensors));
  const Tensor& loaded = file.tensors["0"];
  if (!tensor.defined()) {
    tensor = loaded;
    return;
  }
  NoGradGuard no_grad;
  tensor.set_data(loaded);
}

void load(std::vector<Tensor>& tensors, const LoadSource& source) {
  const SafetensorsFile file = source.read("load");
  detail::check_content("load", file, source, kTensorListContent);
  std::vector<Tensor> loaded = numbered(file, source, "load");
  tensors.insert(tensors.end(), loaded.begin(), loaded.end());
}

void load(std::map<std::string, Tensor>& tensors, const LoadSource& source) {
  SafetensorsFile file = source.read("load");
  tensors.clear();
  for (const auto& item : file.tensors) tensors.emplace(item.key(), item.value());
}

void load(OrderedDict<Tensor>& tensors, const LoadSource& source) {
  tensors = std::move(source.read("load").tensors);
}

}  // namespace tg
