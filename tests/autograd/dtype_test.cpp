// Dtypes, Scalar and type promotion: every dtype pair and operand kind against PyTorch's
// torch.result_type (tests/fixtures/torch_promotion.txt, written by make_promotion_fixtures.py), the
// dtypes + - * / and comparisons actually produce, conversions between all dtypes, and item().
#include <cmath>
#include <cstdint>
#include <fstream>
#include <gtest/gtest.h>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

tg::Dtype dtype_named(const std::string& name) {
  for (const tg::Dtype dtype : tg::kAllDtypes)
    if (tg::dtype_name(dtype) == name) return dtype;
  throw std::runtime_error("unknown dtype " + name);
}

struct PromotionCase {
  tg::Dtype a;
  bool a_zero_dim;
  tg::Dtype b;         // for tensor operands
  std::string b_kind;  // dim, zerodim, int, float, bool
  tg::Dtype expected;
  std::string text;
};

std::vector<PromotionCase> promotion_cases() {
  std::ifstream in(std::string(TAPEGRAD_FIXTURES_DIR) + "/torch_promotion.txt");
  std::vector<PromotionCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string a, a_kind, b, b_kind, result;
    fields >> a >> a_kind >> b >> b_kind >> result;
    cases.push_back({dtype_named(a), a_kind == "zerodim", b == "-" ? tg::kBool : dtype_named(b), b_kind,
                     dtype_named(result), line});
  }
  return cases;
}

Tensor operand(tg::Dtype dtype, bool zero_dim) {
  return zero_dim ? tg::zeros({}, dtype) : tg::ones({2}, dtype);
}

tg::Scalar number(const std::string& kind) {
  if (kind == "int") return tg::Scalar(2);
  if (kind == "float") return tg::Scalar(2.5);
  return tg::Scalar(true);
}

TEST(Promotion, EveryPairMatchesPyTorchResultType) {
  const std::vector<PromotionCase> cases = promotion_cases();
  ASSERT_EQ(cases.size(), 304u) << "8 dtypes x 2 kinds x (8 dtypes x 2 kinds + 3 numbers)";
  for (const PromotionCase& c : cases) {
    SCOPED_TRACE(c.text);
    const Tensor a = operand(c.a, c.a_zero_dim);
    if (c.b_kind == "dim" || c.b_kind == "zerodim") {
      const Tensor b = operand(c.b, c.b_kind == "zerodim");
      EXPECT_EQ(tg::result_type(a, b), c.expected);
      EXPECT_EQ((a + b).dtype(), c.expected);
      EXPECT_EQ((a * b).dtype(), c.expected);
      if (c.a != tg::kBool || c.b != tg::kBool) {
        EXPECT_EQ((a - b).dtype(), c.expected);
      }
      EXPECT_EQ((a == b).dtype(), tg::kBool);
      EXPECT_EQ((a < b).dtype(), tg::kBool);
      const tg::Dtype divided = tg::is_floating_point(c.expected) ? c.expected : tg::get_default_dtype();
      EXPECT_EQ((a / b).dtype(), divided);
    } else {
      const tg::Scalar b = number(c.b_kind);
      EXPECT_EQ(tg::result_type(a, b), c.expected);
      EXPECT_EQ((a + b).dtype(), c.expected);
      EXPECT_EQ((a * b).dtype(), c.expected);
      EXPECT_EQ((a >= b).dtype(), tg::kBool);
    }
  }
}

TEST(Promotion, PromoteTypesIsSymmetricAndKeepsCategories) {
  for (const tg::Dtype a : tg::kAllDtypes)
    for (const tg::Dtype b : tg::kAllDtypes) {
      EXPECT_EQ(tg::promote_types(a, b), tg::promote_types(b, a));
      if (tg::is_floating_point(a) || tg::is_floating_point(b)) {
        EXPECT_TRUE(tg::is_floating_point(tg::promote_types(a, b)));
      }
    }
  EXPECT_EQ(tg::promote_types(tg::kUInt8, tg::kInt8), tg::kInt16);
  EXPECT_EQ(tg::promote_types(tg::kInt64, tg::kFloat32), tg::kFloat32);
  EXPECT_EQ(tg::promote_types(tg::kBool, tg::kInt8), tg::kInt8);
}

TEST(Promotion, MixedFloatingGradientsFlowBackInTheirOwnDtypes) {
  Tensor a = tg::tensor({1.0, 2.0}, tg::dtype(tg::kFloat32).requires_grad(true));
  Tensor b = tg::tensor({3.0, 4.0}, tg::dtype(tg::kFloat64).requires_grad(true));
  Tensor out = (a * b).sum();
  EXPECT_EQ(out.dtype(), tg::kFloat64);
  out.backward();
  EXPECT_EQ(a.grad().dtype(), tg::kFloat32);
  EXPECT_EQ(b.grad().dtype(), tg::kFloat64);
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{3.0, 4.0}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{1.0, 2.0}));
}

TEST(Promotion, IntegerTensorWithFloatTensorGivesAFloatGradientOnlyToTheFloat) {
  Tensor i = tg::tensor(std::vector<std::int64_t>{1, 2, 3});
  Tensor x = tg::tensor({0.5, 0.25, 2.0}, tg::requires_grad());
  Tensor out = i * x;
  EXPECT_EQ(out.dtype(), tg::kFloat32);
  EXPECT_EQ(out.to_vector<double>(), (std::vector<double>{0.5, 0.5, 6.0}));
  out.sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1.0, 2.0, 3.0}));
}

TEST(IntegerArithmetic, WrapsAroundAndKeepsTheDtype) {
  Tensor a = tg::tensor(std::vector<std::int64_t>{100, -100, 7}).to(tg::kInt8);
  Tensor sum = a + a;
  EXPECT_EQ(sum.dtype(), tg::kInt8);
  EXPECT_EQ(sum.to_vector<std::int64_t>(), (std::vector<std::int64_t>{-56, 56, 14}));  // as PyTorch
  EXPECT_EQ((a * 2).dtype(), tg::kInt8);
  EXPECT_EQ((a - 1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{99, -101, 6}));
  EXPECT_EQ((-a).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-100, 100, -7}));
  Tensor u = tg::tensor(std::vector<std::int64_t>{250}).to(tg::kUInt8);
  EXPECT_EQ((u + 10).to_vector<std::int64_t>(), (std::vector<std::int64_t>{4}));
}

TEST(IntegerArithmetic, AlphaMustBeIntegralForIntegerTensors) {
  Tensor a = tg::tensor(std::vector<std::int64_t>{1, 2});
  EXPECT_EQ(tg::add(a, a, 3).to_vector<std::int64_t>(), (std::vector<std::int64_t>{4, 8}));
  try {
    tg::add(a, a, 0.5);
    FAIL() << "expected tg::Error";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("alpha must not be a floating point number"), std::string::npos)
        << e.what();
  }
}

TEST(IntegerArithmetic, BoolArithmeticFollowsPyTorch) {
  Tensor t = tg::tensor(std::vector<std::int64_t>{1, 0, 1}).to(tg::kBool);
  Tensor f = tg::tensor(std::vector<std::int64_t>{1, 1, 0}).to(tg::kBool);
  EXPECT_EQ((t + f).dtype(), tg::kBool);
  EXPECT_EQ((t + f).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 1}));
  EXPECT_EQ((t * f).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_THROW(t - f, tg::Error);
  EXPECT_THROW(-t, tg::Error);
  EXPECT_EQ((t + 1).dtype(), tg::kInt64);
}

TEST(Division, TrueDivisionOfIntegersGivesTheDefaultFloat) {
  Tensor a = tg::tensor(std::vector<std::int64_t>{7, -7});
  Tensor b = tg::tensor(std::vector<std::int64_t>{2, 2});
  EXPECT_EQ((a / b).dtype(), tg::kFloat32);
  EXPECT_EQ((a / b).to_vector<double>(), (std::vector<double>{3.5, -3.5}));
  EXPECT_EQ((a / 2).to_vector<double>(), (std::vector<double>{3.5, -3.5}));
}

TEST(Division, RoundingModesMatchPyTorch) {
  Tensor a = tg::tensor(std::vector<std::int64_t>{7, -7, 7, -7});
  Tensor b = tg::tensor(std::vector<std::int64_t>{2, 2, -2, -2});
  // torch.div(a, b, rounding_mode='trunc') = [3, -3, -3, 3]; 'floor' = [3, -4, -4, 3]
  EXPECT_EQ(tg::div(a, b, "trunc").dtype(), tg::kInt64);
  EXPECT_EQ(tg::div(a, b, "trunc").to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, -3, -3, 3}));
  EXPECT_EQ(tg::div(a, b, "floor").to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, -4, -4, 3}));
  EXPECT_EQ(tg::floor_divide(a, 2).to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, -4, 3, -4}));
  Tensor x = tg::tensor({7.5, -7.5}, tg::requires_grad());
  Tensor y = tg::div(x, 2.0, "floor");
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{3.0, -4.0}));
  EXPECT_EQ(tg::div(x, 2.0, "trunc").to_vector<double>(), (std::vector<double>{3.0, -3.0}));
  EXPECT_TRUE(y.requires_grad());
  EXPECT_THROW(tg::div(a, tg::zeros({4}, tg::kInt64), "trunc"), tg::Error);
  EXPECT_THROW(tg::div(a, b, "round"), tg::Error);
}

TEST(Conversion, EveryDtypeToEveryOtherMatchesPyTorch) {
  // torch.tensor([0, 1, -2.7, 300.9, -129.5]).to(dtype) for each dtype (integers wrap through int64).
  const Tensor source = tg::tensor({0.0, 1.0, -2.7, 300.9, -129.5}, tg::kFloat64);
  const std::vector<std::pair<tg::Dtype, std::vector<double>>> expected = {
      {tg::kBool, {0, 1, 1, 1, 1}},
      {tg::kUInt8, {0, 1, 254, 44, 127}},
      {tg::kInt8, {0, 1, -2, 44, 127}},
      {tg::kInt16, {0, 1, -2, 300, -129}},
      {tg::kInt32, {0, 1, -2, 300, -129}},
      {tg::kInt64, {0, 1, -2, 300, -129}},
      {tg::kFloat32, {0, 1, -2.7f, 300.9f, -129.5}}};
  for (const auto& [dtype, values] : expected) {
    SCOPED_TRACE(std::string(tg::dtype_name(dtype)));
    const Tensor converted = source.to(dtype);
    EXPECT_EQ(converted.dtype(), dtype);
    EXPECT_EQ(converted.to_vector<double>(), values);
    EXPECT_EQ(converted.to(tg::kFloat64).to_vector<double>(), values);
  }
  EXPECT_THROW(tg::tensor({std::nan("")}).to(tg::kInt32), tg::Error);
}

TEST(Conversion, ElementSizesAndNames) {
  EXPECT_EQ(tg::element_size(tg::kBool), 1u);
  EXPECT_EQ(tg::element_size(tg::kInt16), 2u);
  EXPECT_EQ(tg::element_size(tg::kInt32), 4u);
  EXPECT_EQ(tg::element_size(tg::kInt64), 8u);
  EXPECT_EQ(tg::kByte, tg::kUInt8);
  EXPECT_EQ(tg::kChar, tg::kInt8);
  EXPECT_EQ(tg::kShort, tg::kInt16);
  EXPECT_EQ(tg::kInt, tg::kInt32);
  EXPECT_EQ(tg::kLong, tg::kInt64);
  EXPECT_EQ(tg::toString(tg::kInt32), "Int");
  tg::ScalarType type = tg::kFloat;
  EXPECT_EQ(tg::dtype_name(type), "float32");
}

TEST(ScalarItem, KeepsTheCategoryOfTheTensor) {
  EXPECT_TRUE(tg::tensor({2.5}).item().isFloatingPoint());
  EXPECT_DOUBLE_EQ(tg::tensor({2.5}).item().toDouble(), 2.5);
  const tg::Scalar integer = tg::tensor(std::vector<std::int64_t>{-3}).item();
  EXPECT_TRUE(integer.isIntegral(false));
  EXPECT_EQ(integer.toLong(), -3);
  const tg::Scalar flag = tg::ones({1}, tg::kBool).item();
  EXPECT_TRUE(flag.isBoolean());
  EXPECT_TRUE(flag.toBool());
  EXPECT_EQ(tg::tensor({2.5}).item<float>(), 2.5f);
  EXPECT_EQ(tg::full({}, 7, tg::kInt16).item<int>(), 7);
  std::ostringstream text;
  text << integer << ' ' << flag << ' ' << tg::Scalar(0.5);
  EXPECT_EQ(text.str(), "-3 true 0.5");
}

TEST(DefaultDtype, FactoriesFollowItAndOnlyFloatingTypesAreAccepted) {
  EXPECT_EQ(tg::get_default_dtype(), tg::kFloat32);
  tg::set_default_dtype(tg::kFloat64);
  EXPECT_EQ(tg::zeros({2}).dtype(), tg::kFloat64);
  EXPECT_EQ(tg::tensor({1.0, 2.0}).dtype(), tg::kFloat64);
  EXPECT_EQ((tg::tensor(std::vector<std::int64_t>{1}) / 2).dtype(), tg::kFloat64);
  EXPECT_EQ((tg::tensor(std::vector<std::int64_t>{1}) + 0.5).dtype(), tg::kFloat64);
  tg::set_default_dtype(tg::kFloat32);
  EXPECT_EQ(tg::zeros({2}).dtype(), tg::kFloat32);
  try {
    tg::set_default_dtype(tg::kInt64);
    FAIL() << "expected tg::Error";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("set_default_dtype"), std::string::npos);
  }
}

TEST(Printing, IntegerAndBoolTensorsPrintAsNumbers) {
  std::ostringstream text;
  text << tg::tensor(std::vector<std::int64_t>{65, -1}).to(tg::kInt8) << '\n'
       << tg::tensor(std::vector<std::int64_t>{1, 0}).to(tg::kBool);
  EXPECT_EQ(text.str(),
            "tensor([65, -1], shape=[2], dtype=int8)\ntensor([true, false], shape=[2], dtype=bool)");
}

TEST(Comparison, ClosenessAndEquality) {
  Tensor a = tg::tensor({1.0, 2.0, std::nan("")});
  Tensor b = tg::tensor({1.0 + 1e-7, 2.1, std::nan("")});
  EXPECT_EQ(tg::isclose(a, b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_EQ(tg::isclose(a, b, 1e-5, 1e-8, true).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_FALSE(tg::allclose(a, b));
  EXPECT_TRUE(tg::allclose(a.narrow(0, 0, 1), b.narrow(0, 0, 1)));
  EXPECT_TRUE(tg::allclose(b, b, 1e-5, 1e-8, true));
  EXPECT_TRUE(tg::equal(tg::ones({2, 2}), tg::ones({2, 2})));
  EXPECT_FALSE(tg::equal(tg::ones({2, 2}), tg::ones({4})));
  EXPECT_FALSE(tg::equal(tg::ones({2}), tg::zeros({2})));
  EXPECT_THROW(tg::isclose(a, b.to(tg::kFloat64)), tg::Error);
}

TEST(Comparison, AnyAllAndNonzeroOnEveryShape) {
  Tensor m = tg::tensor({0.0, 1.0, 0.0, 2.0}, {2, 2});
  EXPECT_TRUE(tg::any(m).item<bool>());
  EXPECT_FALSE(tg::all(m).item<bool>());
  EXPECT_TRUE(tg::all(tg::ones({0})).item<bool>());
  EXPECT_FALSE(tg::any(tg::ones({0})).item<bool>());
  EXPECT_EQ(tg::count_nonzero(m).item<std::int64_t>(), 2);
  EXPECT_EQ(tg::count_nonzero(m, {0, 1}).item<std::int64_t>(), 2);
  EXPECT_EQ(tg::nonzero(m).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 1, 1}));
  const std::vector<Tensor> where = tg::where(m > 0);
  ASSERT_EQ(where.size(), 2u);
  EXPECT_EQ(where[0].to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(where[1].to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1}));
}

TEST(Comparison, WhereWithScalarsAndMaskedFillPromoteLikePyTorch) {
  Tensor x = tg::tensor({-1.0, 2.0, -3.0}, tg::requires_grad());
  Tensor y = tg::where(x > 0, x, 0.0);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{0.0, 2.0, 0.0}));
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0.0, 1.0, 0.0}));
  EXPECT_EQ(tg::where(x > 0, 1, 0).dtype(), tg::kInt64);
  Tensor ints = tg::tensor(std::vector<std::int64_t>{1, 2, 3});
  EXPECT_EQ(tg::masked_fill(ints, ints > 1, 0).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_EQ(tg::masked_fill(ints, ints > 1, 0).dtype(), tg::kInt64);
  EXPECT_THROW(tg::masked_fill(ints, ints, 0), tg::Error);  // the mask must be bool
}

// torch.prod: integer and bool inputs multiply in int64 (wrapping on overflow) unless a dtype is given.
TEST(Reductions, IntegerProdIsInt64) {
  const Tensor small = tg::tensor({2, 3, 4}, tg::kInt32);
  EXPECT_EQ(small.prod().dtype(), tg::kInt64);
  EXPECT_EQ(small.prod().item<std::int64_t>(), 24);
  EXPECT_EQ(tg::tensor({true, true, false}).prod().item<std::int64_t>(), 0);
  const Tensor rows = tg::tensor({{1, 2}, {3, 4}}, tg::kUInt8);
  EXPECT_EQ(rows.prod(1).dtype(), tg::kInt64);
  EXPECT_EQ(rows.prod(1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 12}));
  EXPECT_EQ(rows.prod(0, true, tg::kFloat64).to_vector<double>(), (std::vector<double>{3, 8}));
  // 3^40 mod 2^64 read as int64, as torch.tensor([3] * 40).prod() prints.
  EXPECT_EQ(tg::full({40}, 3, tg::kInt64).prod().item<std::int64_t>(), -6289078614652622815);
  EXPECT_EQ(tg::zeros({0}, tg::kInt64).prod().item<std::int64_t>(), 1);
}

}  // namespace
