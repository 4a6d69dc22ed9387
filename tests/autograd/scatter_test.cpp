// The scatter family beyond the registry rows in op_cases/scatter.cpp: integer and bool dtypes,
// accumulation of repeated indices, the in-place forms and their gradient history, one_hot shapes.
#include <gtest/gtest.h>

#include <tapegrad/tapegrad.hpp>

namespace {

tg::Tensor int64s(std::vector<std::int64_t> values, tg::Shape shape) { return tg::tensor(values, shape); }
std::vector<std::int64_t> ints(const tg::Tensor& t) { return t.to_vector<std::int64_t>(); }
std::vector<double> values(const tg::Tensor& t) { return t.to_vector<double>(); }

TEST(Scatter, TrilAndTriuKeepTheirDtypeForIntegersAndBools) {
  const tg::Tensor x = tg::arange(1, 7).reshape({2, 3});  // int64 [[1, 2, 3], [4, 5, 6]]
  for (tg::Dtype dtype : {tg::kInt64, tg::kInt32, tg::kInt16, tg::kInt8, tg::kUInt8}) {
    const tg::Tensor typed = x.to(dtype);
    EXPECT_EQ(typed.tril().dtype(), dtype);
    EXPECT_EQ(ints(typed.tril()), std::vector<std::int64_t>({1, 0, 0, 4, 5, 0}));
    EXPECT_EQ(ints(typed.triu(1)), std::vector<std::int64_t>({0, 2, 3, 0, 0, 6}));
    EXPECT_EQ(ints(tg::tril(typed, -1)), std::vector<std::int64_t>({0, 0, 0, 4, 0, 0}));
  }
  const tg::Tensor mask = tg::ones({2, 3}, tg::kBool);
  EXPECT_EQ(ints(mask.tril(1)), std::vector<std::int64_t>({1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(mask.triu().dtype(), tg::kBool);
  // batched: each matrix of the last two dims separately, here a non-contiguous input
  const tg::Tensor batch = tg::arange(8).reshape({2, 2, 2}).transpose(1, 2);
  EXPECT_EQ(ints(batch.triu()), std::vector<std::int64_t>({0, 2, 0, 3, 4, 6, 0, 7}));
}

TEST(Scatter, IntegerScatterAndIndexOps) {
  const tg::Tensor self = tg::zeros({2, 3}, tg::kInt64);
  const tg::Tensor index = int64s({2, 0, 1, 0}, {2, 2});
  const tg::Tensor src = int64s({7, 8, 9, 10}, {2, 2});
  EXPECT_EQ(
      ints(self.scatter(1, index, int64s({7, 8, 9}, {1, 3}).expand({2, 3}).contiguous().narrow(1, 0, 2))),
      std::vector<std::int64_t>({8, 0, 7, 8, 7, 0}));
  EXPECT_EQ(ints(self.scatter_add(1, index, src)), std::vector<std::int64_t>({8, 0, 7, 10, 9, 0}));
  // a fractional value truncates into an integer tensor, as in PyTorch
  EXPECT_EQ(ints(self.to(tg::kInt32).scatter(0, int64s({1, 0, 1}, {1, 3}), 2.5)),
            std::vector<std::int64_t>({0, 2, 0, 2, 0, 2}));
  EXPECT_EQ(ints(tg::index_add(self, 1, int64s({2, 2}, {2}), src, 3)),
            std::vector<std::int64_t>({0, 0, 45, 0, 0, 57}));
  EXPECT_EQ(ints(self.to(tg::kBool).index_fill(0, int64s({1}, {1}), true)),
            std::vector<std::int64_t>({0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(ints(self.index_copy(1, int64s({2, 0}, {2}), src)),
            std::vector<std::int64_t>({8, 0, 7, 10, 0, 9}));
  EXPECT_EQ(ints(tg::take_along_dim(src, int64s({1, 1, 0}, {3}))), std::vector<std::int64_t>({8, 8, 7}));
}

TEST(Scatter, RepeatedIndicesAccumulateInScatterAddAndIndexAdd) {
  const tg::Tensor self = tg::zeros({4});
  const tg::Tensor src = tg::tensor({1., 2., 4., 8.}, {4});
  EXPECT_EQ(values(self.scatter_add(0, int64s({3, 3, 0, 3}, {4}), src)), std::vector<double>({4, 0, 0, 11}));
  EXPECT_EQ(values(self.index_add(0, int64s({1, 1, 1, 2}, {4}), src, -1)),
            std::vector<double>({0, -7, -8, 0}));
  // each repeat receives the whole gradient of the position it went to
  const tg::Tensor leaf = src.clone().requires_grad_();
  self.scatter_add(0, int64s({3, 3, 0, 3}, {4}), leaf)
      .mul(tg::tensor({1., 10., 100., 1000.}, {4}))
      .sum()
      .backward();
  EXPECT_EQ(values(leaf.grad()), std::vector<double>({1000, 1000, 1, 1000}));
}

TEST(Scatter, InPlaceFormsWriteSelfAndReturnIt) {
  tg::Tensor x = tg::zeros({2, 3});
  const tg::Tensor& same = x.scatter_(1, int64s({2, 0}, {2, 1}), tg::ones({2, 1}));
  EXPECT_EQ(&same, &x);
  EXPECT_EQ(values(x), std::vector<double>({0, 0, 1, 1, 0, 0}));
  x.scatter_add_(0, int64s({1, 1, 1}, {1, 3}), tg::full({1, 3}, 2.0));
  x.index_add_(1, int64s({0}, {1}), tg::ones({2, 1}), 0.5);
  x.index_fill_(0, int64s({0}, {1}), -1);
  EXPECT_EQ(values(x), std::vector<double>({-1, -1, -1, 3.5, 2, 2}));
  x.index_copy_(0, int64s({0}, {1}), tg::full({1, 3}, 5.0));
  x.scatter_(0, int64s({1}, {1, 1}), 9.0);
  EXPECT_EQ(values(x), std::vector<double>({5, 5, 5, 9, 2, 2}));
  tg::Tensor square = tg::ones({3, 3});
  square.tril_().triu_(-1);
  EXPECT_EQ(values(square), std::vector<double>({1, 0, 0, 1, 1, 0, 0, 1, 1}));
  const std::uint64_t version = square.version();
  square.triu_();
  EXPECT_GT(square.version(), version);
}

TEST(Scatter, InPlaceFormsKeepTheGradientHistory) {
  const tg::Tensor a = tg::tensor({1., 2., 3., 4.}, {2, 2}).requires_grad_();
  const tg::Tensor src = tg::tensor({10., 20.}, {1, 2}).requires_grad_();
  tg::Tensor y = a * 2;
  y.scatter_(0, int64s({1, 0}, {1, 2}), src);
  y.tril_();
  EXPECT_EQ(values(y), std::vector<double>({2, 0, 10, 8}));
  EXPECT_EQ(y.grad_fn_name(), "TrilBackward");
  y.sum().backward();
  EXPECT_EQ(values(a.grad()), std::vector<double>({2, 0, 0, 2}));
  EXPECT_EQ(values(src.grad()), std::vector<double>({1, 0}));
  // a leaf that requires grad cannot be written in place while grad mode is on
  EXPECT_THROW(a.index_fill_(0, int64s({0}, {1}), 0.0), tg::Error);
  // a plain tensor takes on the history of what is written into it
  tg::Tensor plain = tg::zeros({1, 2});
  plain.scatter_(1, int64s({1, 0}, {1, 2}), src);
  EXPECT_EQ(plain.grad_fn_name(), "ScatterBackward");
  // but a view cannot: its base would not see the new history
  const tg::Tensor base = tg::zeros({2, 2});
  EXPECT_THROW(base[0].scatter_(0, int64s({1}, {1}), src[0]), tg::Error);
}

TEST(Scatter, ScatterWithReduceHasNoDerivativeAsInLibtorch) {
  const tg::Tensor x = tg::ones({2, 2}).requires_grad_();
  const tg::Tensor y = x.scatter(1, int64s({0, 0}, {1, 2}), 3.0, "multiply");
  EXPECT_EQ(values(y), std::vector<double>({9, 1, 1, 1}));
  try {
    y.sum().backward();
    FAIL() << "expected an error";
  } catch (const tg::Error& error) {
    EXPECT_NE(std::string(error.what()).find("scatter with reduce is not implemented"), std::string::npos);
  }
  // the int64 form multiplies exactly
  const tg::Tensor counts = tg::full({3}, 2.0).to(tg::kInt64);
  counts.scatter_(0, int64s({2, 2}, {2}), int64s({5, 7}, {2}), "multiply");
  EXPECT_EQ(ints(counts), std::vector<std::int64_t>({2, 2, 70}));
}

TEST(Scatter, OneHotShapesAndValues) {
  const tg::Tensor labels = int64s({2, 0, 1}, {3});
  const tg::Tensor encoded = tg::nn::functional::one_hot(labels);
  EXPECT_EQ(encoded.sizes(), tg::Shape({3, 3}));
  EXPECT_EQ(encoded.dtype(), tg::kInt64);
  EXPECT_EQ(ints(encoded), std::vector<std::int64_t>({0, 0, 1, 1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(ints(tg::one_hot(int64s({1}, {}), 4)), std::vector<std::int64_t>({0, 1, 0, 0}));
  EXPECT_EQ(tg::one_hot(int64s({}, {0, 2}), 5).sizes(), tg::Shape({0, 2, 5}));
  EXPECT_EQ(tg::one_hot(labels, 5).sizes(), tg::Shape({3, 5}));
}

TEST(Scatter, TakeAlongDimPicksArgmaxValues) {
  const tg::Tensor x = tg::tensor({3., 9., 1., 4., 2., 8.}, {2, 3});
  EXPECT_EQ(values(x.take_along_dim(x.argmax(1, true), 1)), std::vector<double>({9, 8}));
  EXPECT_EQ(values(x.take_along_dim(int64s({0, 2}, {1, 2}), 1)), std::vector<double>({3, 1, 4, 8}));
}

}  // namespace
