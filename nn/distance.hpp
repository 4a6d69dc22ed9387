#pragma once
// CosineSimilarity and PairwiseDistance modules (forward(x1, x2)).
#include <ostream>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/functional/distance.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class CosineSimilarityImpl : public Cloneable<CosineSimilarityImpl> {
 public:
  explicit CosineSimilarityImpl(const CosineSimilarityOptions& options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input1, const Tensor& input2) {
    return functional::cosine_similarity(input1, input2, options);
  }
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::CosineSimilarity(dim=" << options.dim() << ", eps=" << options.eps() << ")";
  }
  CosineSimilarityOptions options;
};
TG_MODULE(CosineSimilarity);

class PairwiseDistanceImpl : public Cloneable<PairwiseDistanceImpl> {
 public:
  explicit PairwiseDistanceImpl(const PairwiseDistanceOptions& options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input1, const Tensor& input2) {
    return functional::pairwise_distance(input1, input2, options);
  }
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::PairwiseDistance(p=" << options.p() << ", eps=" << options.eps() << std::boolalpha
        << ", keepdim=" << options.keepdim() << ")";
  }
  PairwiseDistanceOptions options;
};
TG_MODULE(PairwiseDistance);

}  // namespace tg::nn

#pragma GCC visibility pop
