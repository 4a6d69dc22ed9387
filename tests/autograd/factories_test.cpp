// Construction: tg::tensor from scalars and nested lists, linspace/logspace, arange, eye, the *_like
// factories, and the seeded random factories and fills (values against PyTorch's, moments with tolerance).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using tg::testing::error_message;

std::vector<std::int64_t> shape(const tg::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }
std::vector<double> doubles(const tg::Tensor& t) { return t.to_vector<double>(); }
std::vector<std::int64_t> ints(const tg::Tensor& t) { return t.to_vector<std::int64_t>(); }

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }
double variance_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double sum = 0;
  for (double x : v) sum += (x - m) * (x - m);
  return sum / (v.size() - 1);
}

// ---- tg::tensor

TEST(TensorFromData, ScalarsAreZeroDimensional) {
  const tg::Tensor a = tg::tensor(2.5);
  EXPECT_EQ(a.dim(), 0);
  EXPECT_EQ(a.dtype(), tg::kFloat32);
  EXPECT_EQ(a.item<double>(), 2.5);
  const tg::Tensor b = tg::tensor(7);
  EXPECT_EQ(b.dtype(), tg::kInt64);
  EXPECT_EQ(b.item<std::int64_t>(), 7);
  EXPECT_EQ(tg::tensor(2.5f).dtype(), tg::kFloat32);
  EXPECT_EQ(tg::tensor(std::int64_t{1} << 62).item<std::int64_t>(), std::int64_t{1} << 62);
  EXPECT_EQ(tg::tensor(3, tg::kFloat64).dtype(), tg::kFloat64);
  EXPECT_TRUE(tg::tensor(1.0, tg::requires_grad()).requires_grad());
}

TEST(TensorFromData, NestedListsGiveTheirShape) {
  const tg::Tensor m = tg::tensor({{1., 2.}, {3., 4.}});
  EXPECT_EQ(shape(m), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(m.dtype(), tg::kFloat32);
  EXPECT_EQ(doubles(m), (std::vector<double>{1, 2, 3, 4}));

  const tg::Tensor i = tg::tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(i.dtype(), tg::kInt64);
  EXPECT_EQ(shape(i), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(ints(i), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));

  const tg::Tensor deep = tg::tensor({{{1, 2}}, {{3, 4}}, {{5, 6}}});
  EXPECT_EQ(shape(deep), (std::vector<std::int64_t>{3, 1, 2}));
  EXPECT_EQ(ints(deep), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));

  EXPECT_EQ(shape(tg::tensor({{1.0}})), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(shape(tg::tensor({1, 2, 3})), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(tg::tensor({1, 2, 3}).dtype(), tg::kInt64);
  EXPECT_EQ(shape(tg::tensor({})), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(shape(tg::tensor({{}, {}})), (std::vector<std::int64_t>{2, 0}));
}

TEST(TensorFromData, BoolsAndTheDefaultDtype) {
  const tg::Tensor flags = tg::tensor({{true, false}, {false, true}});
  EXPECT_EQ(flags.dtype(), tg::kBool);
  EXPECT_EQ(ints(flags), (std::vector<std::int64_t>{1, 0, 0, 1}));
  EXPECT_EQ(tg::tensor(true).dtype(), tg::kBool);
  EXPECT_EQ(tg::tensor({true, 2}).dtype(), tg::kInt64);  // promoted (libtorch rejects the mix)
  EXPECT_EQ(tg::tensor({1, 0}, tg::kBool).dtype(), tg::kBool);
  EXPECT_EQ(tg::tensor({}).dtype(), tg::get_default_dtype());
  tg::set_default_dtype(tg::kFloat64);
  const tg::Tensor wide = tg::tensor({{1.5}});
  tg::set_default_dtype(tg::kFloat32);
  EXPECT_EQ(wide.dtype(), tg::kFloat64);
  EXPECT_EQ(tg::tensor({{1, 2}}, tg::kInt32).dtype(), tg::kInt32);
}

TEST(TensorFromData, DtypeFromOptionsAndMixedLiterals) {
  const tg::Tensor d = tg::tensor({{1, 2}, {3, 4}}, tg::kFloat64);
  EXPECT_EQ(d.dtype(), tg::kFloat64);
  EXPECT_EQ(doubles(d), (std::vector<double>{1, 2, 3, 4}));
  // libtorch rejects mixed literal types; tapegrad promotes them to the default floating dtype.
  const tg::Tensor mixed = tg::tensor({{1, 2.5}, {3, 4}});
  EXPECT_EQ(mixed.dtype(), tg::kFloat32);
  EXPECT_EQ(doubles(mixed), (std::vector<double>{1, 2.5, 3, 4}));
  const tg::Tensor leaf = tg::tensor({{1., 2.}}, tg::dtype(tg::kFloat64).requires_grad(true));
  EXPECT_TRUE(leaf.requires_grad());
  EXPECT_TRUE(leaf.is_leaf());
  // Floating values into int64 truncate toward zero, as a C++ cast (and PyTorch) does.
  EXPECT_EQ(ints(tg::tensor({1.9, -1.9}, tg::kInt64)), (std::vector<std::int64_t>{1, -1}));
}

TEST(TensorFromData, ExistingForms) {
  const std::initializer_list<double> named = {1.0, 2.0};
  EXPECT_EQ(tg::tensor(named, tg::kFloat64).dtype(), tg::kFloat64);
  EXPECT_EQ(shape(tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2})), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(shape(tg::tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2}, tg::kFloat64)),
            (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(tg::tensor(std::vector<std::int64_t>{}, {0}).numel(), 0);
}

TEST(TensorFromData, RaggedListsThrow) {
  EXPECT_THAT(error_message([] {
                tg::tensor({{1, 2}, {3}});
              }),
              HasSubstr("tensor: Expected all sub-lists to have sizes: [2]"));
  EXPECT_THAT(error_message([] { tg::tensor({{1, 2}, 3}); }), HasSubstr("but got a scalar"));
  EXPECT_THAT(error_message([] { tg::tensor({1, {2, 3}}); }), HasSubstr("ragged"));
  EXPECT_THAT(error_message([] { tg::tensor({{{1}, {2}}, {{3}, {4, 5}}}); }), HasSubstr("sizes: [1]"));
  EXPECT_THAT(error_message([] {
                tg::tensor({1.5, INFINITY}, tg::kInt64);
              }),
              HasSubstr("cannot be stored in an int64 tensor"));
}

// ---- linspace, logspace

TEST(Linspace, MatchesPyTorchWithExactEndpoints) {
  const std::vector<double> v = doubles(tg::linspace(-1, 1, 4));
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v.front(), -1.0);
  EXPECT_EQ(v.back(), 1.0);
  EXPECT_FLOAT_EQ(v[1], -1.0 / 3);
  EXPECT_FLOAT_EQ(v[2], 1.0 / 3);
  EXPECT_EQ(tg::linspace(-1, 1, 4).dtype(), tg::kFloat32);
  EXPECT_EQ(doubles(tg::linspace(0, 1, 5, tg::kFloat64)), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(doubles(tg::linspace(3, -3, 7)), (std::vector<double>{3, 2, 1, 0, -1, -2, -3}));
  // int64 values truncate: PyTorch gives [0, 2, 5, 7, 10]
  EXPECT_EQ(ints(tg::linspace(0, 10, 5, tg::kInt64)), (std::vector<std::int64_t>{0, 2, 5, 7, 10}));
  const std::vector<double> many = doubles(tg::linspace(0.1, 0.7, 1001, tg::kFloat64));
  EXPECT_EQ(many.front(), 0.1);
  EXPECT_EQ(many.back(), 0.7);
  for (std::size_t i = 0; i < many.size(); ++i) EXPECT_NEAR(many[i], 0.1 + 0.6 * i / 1000, 1e-15) << i;
}

TEST(Linspace, OneAndZeroSteps) {
  EXPECT_EQ(doubles(tg::linspace(2, 5, 1)), (std::vector<double>{2}));
  EXPECT_EQ(tg::linspace(2, 5, 0).numel(), 0);
  EXPECT_THAT(error_message([] { tg::linspace(0, 1, -1); }),
              HasSubstr("linspace: number of steps must be non-negative, got -1"));
  EXPECT_THAT(error_message([] { tg::linspace(0, NAN, 3); }), HasSubstr("must be finite"));
  EXPECT_TRUE(tg::linspace(0, 1, 3, tg::requires_grad()).requires_grad());
}

TEST(Logspace, PowersOfTheBase) {
  EXPECT_EQ(doubles(tg::logspace(0, 2, 3)), (std::vector<double>{1, 10, 100}));
  EXPECT_EQ(doubles(tg::logspace(-1, 1, 3, 2, tg::kFloat64)), (std::vector<double>{0.5, 1, 2}));
  EXPECT_THAT(error_message([] { tg::logspace(0, 1, -2); }), HasSubstr("logspace: number of steps"));
}

// ---- arange

TEST(Arange, LengthsAndDtypesAsPyTorch) {
  struct Case {
    tg::Tensor t;
    std::int64_t length;
    tg::Dtype dtype;
  };
  // lengths from torch.arange (1, 1.3, 0.1) has 4 because 0.3 / 0.1 rounds above 3
  const std::vector<Case> cases = {
      {tg::arange(0, 1, 0.1), 10, tg::kFloat32},
      {tg::arange(-1.0, 1.0, 0.3), 7, tg::kFloat32},
      {tg::arange(1, 2.5, 0.5), 3, tg::kFloat32},
      {tg::arange(0, 10, 3), 4, tg::kInt64},
      {tg::arange(10, 0, -3), 4, tg::kInt64},
      {tg::arange(0.0, 1.0, 1.0 / 3), 3, tg::kFloat32},
      {tg::arange(0, 0.3, 0.1), 3, tg::kFloat32},
      {tg::arange(1, 1.3, 0.1), 4, tg::kFloat32},
      {tg::arange(5), 5, tg::kInt64},
      {tg::arange(2.5), 3, tg::kFloat32},
      {tg::arange(2, 5), 3, tg::kInt64},
      {tg::arange(2, 5.0), 3, tg::kFloat32},
      {tg::arange(3, 3), 0, tg::kInt64},
      {tg::arange(0, 4, tg::kFloat64), 4, tg::kFloat64},
      {tg::arange(std::int64_t{6}, tg::kFloat32), 6, tg::kFloat32},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(cases[i].t.numel(), cases[i].length) << "case " << i;
    EXPECT_EQ(cases[i].t.dtype(), cases[i].dtype) << "case " << i;
  }
  EXPECT_EQ(doubles(tg::arange(1, 2.5, 0.5)), (std::vector<double>{1, 1.5, 2}));
  EXPECT_EQ(ints(tg::arange(10, 0, -3)), (std::vector<std::int64_t>{10, 7, 4, 1}));
}

TEST(Arange, RejectsInconsistentSteps) {
  EXPECT_THAT(error_message([] { tg::arange(1, 0); }),
              HasSubstr("arange: upper bound and larger bound inconsistent with step sign"));
  EXPECT_THAT(error_message([] { tg::arange(0, 1, -0.1); }), HasSubstr("inconsistent with step sign"));
  EXPECT_THAT(error_message([] { tg::arange(0, 10, 0); }), HasSubstr("arange: step must be non-zero"));
}

// ---- eye and *_like

TEST(Eye, SquareAndRectangular) {
  EXPECT_EQ(doubles(tg::eye(2)), (std::vector<double>{1, 0, 0, 1}));
  const tg::Tensor wide = tg::eye(2, 3);
  EXPECT_EQ(shape(wide), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(doubles(wide), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(doubles(tg::eye(3, 1, tg::kFloat64)), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(tg::eye(0).numel(), 0);
  EXPECT_EQ(ints(tg::eye(2, 2, tg::kInt64)), (std::vector<std::int64_t>{1, 0, 0, 1}));
  EXPECT_THAT(error_message([] { tg::eye(-1); }), HasSubstr("eye: n must be greater or equal to 0, got -1"));
  EXPECT_THAT(error_message([] { tg::eye(2, -3); }),
              HasSubstr("eye: m must be greater or equal to 0, got -3"));
}

TEST(Like, TakesShapeAndDtypeUnlessOptionsSayOtherwise) {
  const tg::Tensor base = tg::zeros({2, 3}, tg::kFloat64);
  EXPECT_EQ(tg::ones_like(base).dtype(), tg::kFloat64);
  EXPECT_EQ(shape(tg::ones_like(base)), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(tg::zeros_like(base, tg::kFloat32).dtype(), tg::kFloat32);
  EXPECT_EQ(doubles(tg::full_like(base, 4.0, tg::kInt64)), std::vector<double>(6, 4.0));
  EXPECT_EQ(tg::empty_like(base, tg::kInt64).dtype(), tg::kInt64);
  const tg::Tensor grad_leaf = tg::zeros_like(base, tg::requires_grad());
  EXPECT_TRUE(grad_leaf.requires_grad());
  EXPECT_EQ(grad_leaf.dtype(), tg::kFloat64);
  EXPECT_FALSE(tg::ones_like(base.clone().requires_grad_()).requires_grad());
  EXPECT_EQ(tg::rand_like(base, tg::kFloat32).dtype(), tg::kFloat32);
  EXPECT_EQ(tg::randn_like(base).dtype(), tg::kFloat64);
  const std::vector<std::int64_t> r = ints(tg::randint_like(tg::zeros({50}, tg::kInt64), 3, 5));
  EXPECT_TRUE(std::all_of(r.begin(), r.end(), [](std::int64_t v) { return v == 3 || v == 4; }));
  EXPECT_THAT(error_message([] { tg::zeros_like(tg::Tensor()); }), HasSubstr("zeros_like"));
}

// ---- random factories and fills

TEST(RandomFactories, RandintDefaultsToInt64AndIsSeeded) {
  tg::manual_seed(3);
  const tg::Tensor a = tg::randint(10, {1000});
  EXPECT_EQ(a.dtype(), tg::kInt64);
  const std::vector<std::int64_t> v = ints(a);
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), 0);
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 9);
  tg::manual_seed(3);
  EXPECT_EQ(ints(tg::randint(10, {1000})), v);
  EXPECT_EQ(tg::randint(0, 3, {2, 2}, tg::kFloat64).dtype(), tg::kFloat64);
}

TEST(RandomFactories, RandpermIsASeededPermutation) {
  tg::manual_seed(11);
  const tg::Tensor p = tg::randperm(100);
  EXPECT_EQ(p.dtype(), tg::kInt64);
  std::vector<std::int64_t> sorted = ints(p);
  const std::vector<std::int64_t> drawn = sorted;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> expected(100);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(sorted, expected);
  EXPECT_NE(drawn, expected);  // 1 chance in 100! of failing
  tg::manual_seed(11);
  EXPECT_EQ(ints(tg::randperm(100)), drawn);
  EXPECT_EQ(tg::randperm(0).numel(), 0);
  EXPECT_EQ(tg::randperm(5, tg::kFloat32).dtype(), tg::kFloat32);
  EXPECT_THAT(error_message([] { tg::randperm(-1); }), HasSubstr("randperm: n must be non-negative, got -1"));
}

TEST(RandomFills, UniformMomentsAndBounds) {
  tg::manual_seed(0);
  const tg::Tensor t = tg::empty({20000}, tg::kFloat64);
  EXPECT_TRUE(t.uniform_(-2, 4).is_same(t));
  const std::vector<double> v = doubles(t);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -2);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 4);
  EXPECT_NEAR(mean_of(v), 1.0, 0.05);            // (a + b) / 2
  EXPECT_NEAR(variance_of(v), 36.0 / 12, 0.08);  // (b - a)^2 / 12
  const std::vector<double> unit = doubles(tg::empty({1000}).uniform_());
  EXPECT_GE(*std::min_element(unit.begin(), unit.end()), 0);
  EXPECT_LT(*std::max_element(unit.begin(), unit.end()), 1);
  EXPECT_THAT(error_message([] { tg::empty({2}).uniform_(1, 0); }),
              HasSubstr("uniform_ expects to return a [from, to) range, but found from=1 > to=0"));
  EXPECT_THAT(error_message([] { tg::empty({2}, tg::kInt64).uniform_(); }), HasSubstr("got int64"));
}

TEST(RandomFills, NormalMoments) {
  tg::manual_seed(1);
  const std::vector<double> v = doubles(tg::empty({20000}, tg::kFloat64).normal_(3, 2));
  EXPECT_NEAR(mean_of(v), 3.0, 0.05);
  EXPECT_NEAR(variance_of(v), 4.0, 0.15);
  EXPECT_THAT(error_message([] { tg::empty({2}).normal_(0, -1); }),
              HasSubstr("normal expects std >= 0.0, but found std -1"));
  EXPECT_EQ(doubles(tg::empty({3}).normal_(5, 0)), (std::vector<double>{5, 5, 5}));
}

TEST(RandomFills, RandomIntegersInRange) {
  tg::manual_seed(2);
  const std::vector<double> v = doubles(tg::empty({5000}).random_(-3, 4));
  std::map<double, int> counts;
  for (double x : v) ++counts[x];
  ASSERT_EQ(counts.size(), 7u);
  EXPECT_EQ(counts.begin()->first, -3);
  EXPECT_EQ(counts.rbegin()->first, 3);
  for (const auto& [value, count] : counts) EXPECT_NEAR(count, 5000.0 / 7, 120) << value;
  const std::vector<std::int64_t> small = ints(tg::empty({500}, tg::kInt64).random_(3));
  EXPECT_TRUE(std::all_of(small.begin(), small.end(), [](std::int64_t x) { return x >= 0 && x < 3; }));
  const std::vector<double> floats = doubles(tg::empty({500}).random_());
  for (double x : floats) {
    EXPECT_EQ(x, std::floor(x));
    EXPECT_GE(x, 0);
    EXPECT_LE(x, 16777216.0);  // 2^24: every integer below it is exact in float32
  }
  const std::vector<std::int64_t> wide = ints(tg::empty({100}, tg::kInt64).random_());
  EXPECT_TRUE(std::all_of(wide.begin(), wide.end(), [](std::int64_t x) { return x >= 0; }));
  const std::vector<std::int64_t> from = ints(tg::empty({100}, tg::kInt64).random_(5, std::nullopt));
  EXPECT_TRUE(std::all_of(from.begin(), from.end(), [](std::int64_t x) { return x >= 5; }));
  EXPECT_THAT(error_message([] { tg::empty({2}).random_(5, 3); }),
              HasSubstr("random_ expects 'from' to be less than 'to', but got from=5 >= to=3"));
  EXPECT_THAT(error_message([] { tg::empty({2}).random_(0); }), HasSubstr("from=0 >= to=0"));
  EXPECT_THAT(error_message([] { tg::empty({2}).random_(0, std::int64_t{1} << 40); }), HasSubstr("exactly"));
}

TEST(RandomFills, FillsNonContiguousViewsAndBumpsTheVersion) {
  tg::manual_seed(4);
  const tg::Tensor base = tg::zeros({4, 6}, tg::kFloat64);
  const tg::Tensor column = base.select(1, 2);
  const std::uint64_t version = base.version();
  column.uniform_(10, 11);
  EXPECT_GT(base.version(), version);
  const std::vector<double> all = doubles(base);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i % 6 == 2)
      EXPECT_GE(all[i], 10);
    else
      EXPECT_EQ(all[i], 0);
  }
}

TEST(RandomFills, SameSeedSameValues) {
  tg::manual_seed(9);
  const std::vector<double> a = doubles(tg::empty({50}).normal_());
  const std::vector<double> b = doubles(tg::empty({50}).bernoulli_(0.3));
  tg::manual_seed(9);
  EXPECT_EQ(doubles(tg::empty({50}).normal_()), a);
  EXPECT_EQ(doubles(tg::empty({50}).bernoulli_(0.3)), b);
}

TEST(RandomFills, FollowTheInPlaceAutogradRules) {
  const tg::Tensor leaf = tg::zeros({3}).requires_grad_();
  EXPECT_THAT(
      error_message([&] { leaf.uniform_(); }),
      HasSubstr("uniform_: a leaf Variable that requires grad is being used in an in-place operation"));
  EXPECT_THAT(error_message([&] { leaf.normal_(); }), HasSubstr("tg::NoGradGuard"));
  {
    tg::NoGradGuard no_grad;  // how initializers write
    leaf.normal_();
    leaf.random_(0, 5);
  }
  EXPECT_THAT(error_message([] { tg::zeros({1}).expand({3}).bernoulli_(); }), HasSubstr("expanded view"));
}

TEST(Bernoulli, Frequencies) {
  tg::manual_seed(5);
  const std::vector<double> v = doubles(tg::empty({20000}, tg::kFloat64).bernoulli_(0.25));
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](double x) { return x == 0 || x == 1; }));
  EXPECT_NEAR(mean_of(v), 0.25, 0.015);
  EXPECT_THAT(error_message([] { tg::empty({2}).bernoulli_(1.5); }),
              HasSubstr("bernoulli_ expects p to be in [0, 1], but got p=1.5"));

  const tg::Tensor p = tg::tensor({0.0, 1.0, 0.5}, tg::kFloat64).expand({4000, 3}).contiguous();
  const tg::Tensor drawn = tg::bernoulli(p);
  EXPECT_EQ(drawn.dtype(), tg::kFloat64);
  EXPECT_FALSE(drawn.requires_grad());
  const std::vector<double> column_means = doubles(drawn.mean({0}));
  EXPECT_EQ(column_means[0], 0.0);
  EXPECT_EQ(column_means[1], 1.0);
  EXPECT_NEAR(column_means[2], 0.5, 0.03);
  EXPECT_EQ(doubles(p.bernoulli().mean({0}))[1], 1.0);

  // bernoulli_(p) broadcasts p over self's rows
  const std::vector<double> rows =
      doubles(tg::empty({100, 2}, tg::kInt64).bernoulli_(tg::tensor({1.0, 0.0})));
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i], i % 2 == 0 ? 1 : 0);
  EXPECT_THAT(error_message([] {
                tg::bernoulli(tg::tensor({0.5, 1.5}));
              }),
              HasSubstr("p_in >= 0 && p_in <= 1"));
  EXPECT_THAT(error_message([] {
                tg::empty({2}).bernoulli_(tg::tensor({0.5, 0.5, 0.5}));
              }),
              HasSubstr("bernoulli_"));
  EXPECT_EQ(shape(tg::bernoulli(tg::zeros({2, 3}), 0.5)), (std::vector<std::int64_t>{2, 3}));
}

TEST(Multinomial, WithReplacementFollowsTheWeights) {
  tg::manual_seed(6);
  const tg::Tensor weights = tg::tensor({1.0, 0.0, 3.0, 4.0});  // unnormalised, as PyTorch allows
  const tg::Tensor s = tg::multinomial(weights, 16000, /*replacement=*/true);
  EXPECT_EQ(s.dtype(), tg::kInt64);
  EXPECT_EQ(shape(s), (std::vector<std::int64_t>{16000}));
  std::vector<double> frequency(4, 0);
  for (std::int64_t i : ints(s)) frequency[static_cast<std::size_t>(i)] += 1.0 / 16000;
  EXPECT_NEAR(frequency[0], 0.125, 0.01);
  EXPECT_EQ(frequency[1], 0.0);  // a zero weight is never drawn
  EXPECT_NEAR(frequency[2], 0.375, 0.015);
  EXPECT_NEAR(frequency[3], 0.5, 0.015);
}

TEST(Multinomial, WithoutReplacementDrawsDistinctIndices) {
  tg::manual_seed(7);
  const tg::Tensor rows = tg::tensor({{1.0, 1.0, 1.0, 1.0, 1.0}, {0.0, 5.0, 0.0, 1.0, 2.0}});
  for (int trial = 0; trial < 50; ++trial) {
    const tg::Tensor s = rows.multinomial(3);
    ASSERT_EQ(shape(s), (std::vector<std::int64_t>{2, 3}));
    const std::vector<std::int64_t> v = ints(s);
    for (int r = 0; r < 2; ++r) {
      std::vector<std::int64_t> row(v.begin() + 3 * r, v.begin() + 3 * r + 3);
      std::sort(row.begin(), row.end());
      EXPECT_EQ(std::adjacent_find(row.begin(), row.end()), row.end());
    }
    std::vector<std::int64_t> second(v.begin() + 3, v.end());
    std::sort(second.begin(), second.end());
    EXPECT_EQ(second, (std::vector<std::int64_t>{1, 3, 4}));  // the three positive weights
  }
  // The first draw follows the weights: index 1 first with probability 5 / 8.
  int first_is_one = 0;
  for (int trial = 0; trial < 4000; ++trial)
    first_is_one +=
        tg::multinomial(tg::tensor({0.0, 5.0, 0.0, 1.0, 2.0}), 2).to_vector<std::int64_t>()[0] == 1;
  EXPECT_NEAR(first_is_one / 4000.0, 5.0 / 8, 0.025);
  // All categories, once each: zero weights come after the positive ones, as PyTorch's [1, 0].
  EXPECT_EQ(ints(tg::multinomial(tg::tensor({0.0, 1.0, 0.0}), 3)), (std::vector<std::int64_t>{1, 0, 2}));
}

TEST(Multinomial, SameSeedSameSamples) {
  const tg::Tensor w = tg::rand({3, 10}, tg::kFloat64);
  tg::manual_seed(8);
  const std::vector<std::int64_t> a = ints(tg::multinomial(w, 5));
  const std::vector<std::int64_t> b = ints(tg::multinomial(w, 20, true));
  tg::manual_seed(8);
  EXPECT_EQ(ints(tg::multinomial(w, 5)), a);
  EXPECT_EQ(ints(tg::multinomial(w, 20, true)), b);
}

TEST(Multinomial, ErrorsAsPyTorch) {
  const auto fails = [](auto&& fn, const std::string& phrase) {
    EXPECT_THAT(error_message(fn), HasSubstr(phrase));
  };
  fails(
      [] {
        tg::multinomial(tg::tensor({0.0, 1.0, -1.0}), 1);
      },
      "probability tensor contains either `inf`, `nan` or element < 0");
  fails([] { tg::multinomial(tg::tensor({1.0, NAN}), 1); }, "`inf`, `nan` or element < 0");
  fails([] { tg::multinomial(tg::tensor({1.0, INFINITY}), 1); }, "`inf`, `nan` or element < 0");
  fails(
      [] {
        tg::multinomial(tg::tensor({0.0, 0.0}), 1);
      },
      "invalid multinomial distribution (sum of probabilities <= 0)");
  fails([] { tg::multinomial(tg::tensor({{1.0, 1.0}, {0.0, 0.0}}), 1, true); }, "sum of probabilities <= 0");
  fails(
      [] {
        tg::multinomial(tg::tensor({1.0, 1.0}), 3);
      },
      "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  fails([] { tg::multinomial(tg::tensor({1.0, 1.0}), 0); }, "cannot sample n_sample <= 0 samples");
  fails([] { tg::multinomial(tg::ones({2, 2, 2}), 1); }, "prob_dist must be 1 or 2 dim");
  fails(
      [] {
        tg::multinomial(tg::tensor({1, 1}), 1);
      },
      "multinomial only supports floating-point dtypes for input, got: int64");
  EXPECT_EQ(tg::multinomial(tg::tensor({1.0, 1.0}), 3, true).numel(), 3);  // fine with replacement
}

}  // namespace
