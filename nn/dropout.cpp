#include <tapegrad/nn/dropout.hpp>
#include <tapegrad/nn/functional/dropout.hpp>

namespace tg::nn {
namespace {
void check_probability(const char* module, double p) {
  check(p >= 0.0 && p <= 1.0, module, "dropout probability has to be between 0 and 1, but got ", p);
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

}  // namespace tg::nn
