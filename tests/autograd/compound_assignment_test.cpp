// +=, -=, *=, /= and div_: in place with add_/mul_'s broadcasting, dtype and autograd rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <type_traits>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using tg::testing::error_message;

std::vector<double> doubles(const tg::Tensor& t) { return t.to_vector<double>(); }

// libtorch's signatures: a non-const member returning Tensor&.
static_assert(
    std::is_same_v<decltype(std::declval<tg::Tensor&>() += std::declval<const tg::Tensor&>()), tg::Tensor&>);
static_assert(std::is_same_v<decltype(std::declval<tg::Tensor&>() /= 2.0), tg::Tensor&>);

TEST(CompoundAssignment, TensorRightHandSides) {
  tg::Tensor x = tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, tg::kFloat64);
  const tg::Tensor alias = x;  // a handle to the same tensor sees the change: it is in place
  const auto version = x.version();
  x += tg::tensor({10.0, 20.0}, tg::kFloat64);  // broadcast over rows
  EXPECT_THAT(doubles(alias), ElementsAre(11, 22, 13, 24));
  EXPECT_GT(x.version(), version);
  x -= tg::ones({2, 2}, tg::kFloat64);
  EXPECT_THAT(doubles(x), ElementsAre(10, 21, 12, 23));
  x *= tg::tensor({{2.0}, {0.5}}, tg::kFloat64);  // broadcast over columns
  EXPECT_THAT(doubles(x), ElementsAre(20, 42, 6, 11.5));
  x /= tg::tensor({4.0, 2.0}, tg::kFloat64);
  EXPECT_THAT(doubles(x), ElementsAre(5, 21, 1.5, 5.75));
  EXPECT_TRUE((x += x).is_same(alias));  // self-aliasing reads the old values
  EXPECT_THAT(doubles(x), ElementsAre(10, 42, 3, 11.5));
}

TEST(CompoundAssignment, ScalarRightHandSides) {
  tg::Tensor x = tg::tensor({1.0, -2.0});
  x += 1;
  EXPECT_THAT(doubles(x), ElementsAre(2, -1));
  x -= 0.5;
  EXPECT_THAT(doubles(x), ElementsAre(1.5, -1.5));
  x *= 4;
  EXPECT_THAT(doubles(x), ElementsAre(6, -6));
  x /= 3;
  EXPECT_THAT(doubles(x), ElementsAre(2, -2));
  EXPECT_EQ(x.dtype(), tg::kFloat32);
}

TEST(CompoundAssignment, WritesThroughViews) {
  const tg::Tensor base = tg::zeros({2, 3}, tg::kFloat64);
  tg::Tensor column = base.select(1, 1);
  column += 5;
  column *= tg::tensor({1.0, 2.0}, tg::kFloat64);
  EXPECT_THAT(doubles(base), ElementsAre(0, 5, 0, 0, 10, 0));
}

TEST(DivInPlace, MatchesOutOfPlaceDivision) {
  const tg::Tensor a = tg::tensor({1.0, 4.0, -9.0}, tg::kFloat64);
  const tg::Tensor b = tg::tensor({2.0, 8.0, 3.0}, tg::kFloat64);
  const tg::Tensor expected = a / b;
  const tg::Tensor x = a.clone();
  EXPECT_TRUE(x.div_(b).is_same(x));
  EXPECT_EQ(doubles(x), doubles(expected));
  EXPECT_THAT(doubles(a.clone().div_(4.0)), ElementsAre(0.25, 1, -2.25));
  EXPECT_THAT(doubles(a.clone().true_divide_(b)), ElementsAre(0.5, 0.5, -3));
  EXPECT_THAT(doubles(a.clone().true_divide_(-1.0)), ElementsAre(-1, -4, 9));
  EXPECT_THAT(doubles(a.clone().div_(0.0)), ElementsAre(INFINITY, INFINITY, -INFINITY));
}

TEST(CompoundAssignment, ErrorsAsTheInPlaceOps) {
  EXPECT_THAT(error_message([] {
                tg::Tensor x = tg::zeros({3});
                x += tg::zeros({2});
              }),
              HasSubstr("add_"));
  EXPECT_THAT(error_message([] {
                tg::Tensor x = tg::zeros({3});
                x *= tg::zeros({2, 3});
              }),
              HasSubstr("mul_: other of shape [2, 3] cannot be broadcast to self's shape [3]"));
  EXPECT_THAT(error_message([] {
                tg::Tensor x = tg::arange(3);
                x /= 2;
              }),
              HasSubstr("div_: result type float32 can't be cast to the desired output type int64"));
  EXPECT_THAT(error_message([] {
                tg::Tensor x = tg::arange(3);
                x *= tg::ones({3}, tg::kFloat64);
              }),
              HasSubstr("mul_: result type float64 can't be cast to the desired output type int64"));
  EXPECT_THAT(error_message([] {
                tg::Tensor x = tg::zeros({1}).expand({3});
                x -= 1;
              }),
              HasSubstr("expanded view"));
}

TEST(CompoundAssignment, IntegerAndMixedDtypes) {
  tg::Tensor counts = tg::zeros({3}, tg::kInt64);
  counts += 1;
  counts *= tg::tensor({2, 3, 4}, tg::kInt32);
  counts -= tg::tensor({1, 0, 1}, tg::kInt8);
  EXPECT_EQ(counts.dtype(), tg::kInt64);
  EXPECT_THAT(counts.to_vector<std::int64_t>(), ElementsAre(1, 3, 3));
  tg::Tensor single = tg::ones({2});
  single /= tg::tensor({4.0, 8.0}, tg::kFloat64);  // float64 result written back as float32
  EXPECT_EQ(single.dtype(), tg::kFloat32);
  EXPECT_THAT(doubles(single), ElementsAre(0.25, 0.125));
  tg::Tensor bytes = tg::full({2}, 250, tg::kUInt8);
  bytes += 10;  // wraps around as uint8
  EXPECT_THAT(bytes.to_vector<std::uint8_t>(), ElementsAre(4, 4));
}

TEST(CompoundAssignment, AutogradRules) {
  tg::Tensor leaf = tg::ones({2}).requires_grad_();
  EXPECT_THAT(error_message([&] { leaf += 1; }),
              HasSubstr("add_: a leaf Variable that requires grad is being used in an in-place operation"));

  // Residual sums in a forward are recorded, as in PyTorch.
  tg::Tensor out = leaf * 2.0;
  out += leaf * leaf;
  out *= 3;
  out /= 2;
  out.sum().backward();
  EXPECT_THAT(doubles(leaf.grad()), ElementsAre(6, 6));  // d/dw 1.5 (2w + w^2) = 3 + 3w
  leaf.grad().zero_();

  tg::Tensor total = tg::zeros({2});
  total += leaf * leaf;
  EXPECT_TRUE(total.requires_grad());
  total.sum().backward();
  EXPECT_THAT(doubles(leaf.grad()), ElementsAre(2, 2));

  {
    tg::NoGradGuard no_grad;  // as an optimizer step
    leaf -= tg::tensor({0.5, 0.25});
    leaf /= 2;
  }
  EXPECT_THAT(doubles(leaf), ElementsAre(0.25, 0.375));
  EXPECT_TRUE(leaf.is_leaf());
  tg::Tensor plain = tg::ones({2});
  plain += tg::ones({2});  // neither side requires grad: nothing recorded
  EXPECT_FALSE(plain.requires_grad());
  EXPECT_THAT(doubles(plain), ElementsAre(2, 2));
  tg::Tensor detached = tg::zeros({2});
  detached += (leaf * 4.0).detach();
  EXPECT_FALSE(detached.requires_grad());
  EXPECT_THAT(doubles(detached), ElementsAre(1, 1.5));
}

// The out-of-place forms keep the gradient: x = x + y is what the error suggests.
TEST(CompoundAssignment, OutOfPlaceAccumulationHasGradients) {
  const tg::Tensor w = tg::tensor({1.0, 2.0}, tg::kFloat64).requires_grad_();
  tg::Tensor total = tg::zeros({2}, tg::kFloat64);
  for (int i = 1; i <= 3; ++i) total = total + w * static_cast<double>(i);
  total.sum().backward();
  EXPECT_THAT(doubles(w.grad()), ElementsAre(6, 6));
}

}  // namespace
