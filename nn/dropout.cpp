#include <tapegrad/nn/dropout.hpp>
#include <tapegrad/nn/functional/dropout.hpp>

namespace tg::nn {
namespace {
void check_probability(const char* module, double p) {
  check(p >= 0.0 && p <= 1.0, module, "dropout probability has to be between 0 and 1, but got ", p);
}

void print_options(std::ostream& out, const char* module, const DropoutOptions& options) {
  out << "torch::nn::" << module << "(p=" << options.p()
      << ", inplace=" << (options.inplace() ? "true" : "false") << ")";
}
}  // namespace

DropoutImpl::DropoutImpl(const DropoutOptions& options) : options(options) { reset(); }
void DropoutImpl::reset() { check_probability("Dropout", options.p()); }
Tensor DropoutImpl::forward(const Tensor& input) {
  return functional::dropout(
      input,
      functional::DropoutFuncOptions().p(options.p()).training(is_training()).inplace(options.inplace()));
}
void DropoutImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Dropout(p=" << options.p() << ", inplace=" << (options.inplace() ? "true" : "false")
      << ")";
}

AlphaDropoutImpl::AlphaDropoutImpl(const AlphaDropoutOptions& options) : options(options) { reset(); }
void AlphaDropoutImpl::reset() { check_probability("AlphaDropout", options.p()); }
Tensor AlphaDropoutImpl::forward(const Tensor& input) {
  return functional::alpha_dropout(input, functional::AlphaDropoutFuncOptions()
                                              .p(options.p())
                                              .training(is_training())
                                              .inplace(options.inplace()));
}
void AlphaDropoutImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::AlphaDropout(p=" << options.p() << ", inplace=" << (options.inplace() ? "true" : "false")
      << ")";
}

Dropout2dImpl::Dropout2dImpl(const Dropout2dOptions& options) : options(options) { reset(); }
void Dropout2dImpl::reset() { check_probability("Dropout2d", options.p()); }
Tensor Dropout2dImpl::forward(const Tensor& input) {
  return functional::dropout2d(
      input,
      functional::Dropout2dFuncOptions().p(options.p()).training(is_training()).inplace(options.inplace()));
}
void Dropout2dImpl::pretty_print(std::ostream& out) const { print_options(out, "Dropout2d", options); }

Dropout3dImpl::Dropout3dImpl(const Dropout3dOptions& options) : options(options) { reset(); }
void Dropout3dImpl::reset() { check_probability("Dropout3d", options.p()); }
Tensor Dropout3dImpl::forward(const Tensor& input) {
  return functional::dropout3d(
      input,
      functional::Dropout3dFuncOptions().p(options.p()).training(is_training()).inplace(options.inplace()));
}
void Dropout3dImpl::pretty_print(std::ostream& out) const { print_options(out, "Dropout3d", options); }

FeatureAlphaDropoutImpl::FeatureAlphaDropoutImpl(const FeatureAlphaDropoutOptions& options)
    : options(options) {
  reset();
}
void FeatureAlphaDropoutImpl::reset() { check_probability("FeatureAlphaDropout", options.p()); }
Tensor FeatureAlphaDropoutImpl::forward(const Tensor& input) {
  return functional::feature_alpha_dropout(input, functional::FeatureAlphaDropoutFuncOptions()
                                                      .p(options.p())
                                                      .training(is_training())
                                                      .inplace(options.inplace()));
}
void FeatureAlphaDropoutImpl::pretty_print(std::ostream& out) const {
  print_options(out, "FeatureAlphaDropout", options);
}

}  // namespace tg::nn
