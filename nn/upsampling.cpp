#include <string_view>
#include <variant>

#include <tapegrad/nn/functional/upsampling.hpp>
#include <tapegrad/nn/upsampling.hpp>

namespace tg::nn {

namespace {

// libtorch prints the mode as its C++ name.
std::string_view printed_name(const UpsampleOptions::mode_t& mode) {
  struct Names {
    std::string_view operator()(enumtype::kNearest) const { return "kNearest"; }
    std::string_view operator()(enumtype::kLinear) const { return "kLinear"; }
    std::string_view operator()(enumtype::kBilinear) const { return "kBilinear"; }
    std::string_view operator()(enumtype::kBicubic) const { return "kBicubic"; }
    std::string_view operator()(enumtype::kTrilinear) const { return "kTrilinear"; }
  };
  return std::visit(Names{}, mode);
}

template <class T>
void print_list(std::ostream& out, const std::vector<T>& values) {
  out << '[';
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << ']';
}

}  // namespace

Tensor UpsampleImpl::forward(const Tensor& input) {
  functional::InterpolateFuncOptions interpolate;
  interpolate.size(options.size())
      .scale_factor(options.scale_factor())
      .align_corners(options.align_corners());
  std::visit([&](auto mode) { interpolate.mode(mode); }, options.mode());
  return functional::interpolate(input, interpolate);
}

void UpsampleImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Upsample(";
  if (options.scale_factor()) {
    out << "scale_factor=";
    print_list(out, *options.scale_factor());
  } else if (options.size()) {
    out << "size=";
    print_list(out, *options.size());
  }
  out << ", mode=" << printed_name(options.mode()) << ")";
}

}  // namespace tg::nn
