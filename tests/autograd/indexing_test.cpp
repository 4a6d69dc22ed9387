// libtorch-style indexing: x[1][2], x.index({...}), masks, index_put_ (rows in op_cases/indexing.cpp
// gradcheck the ops; this file checks values, views and in-place behaviour).
#include <gtest/gtest.h>

#include <tapegrad/tapegrad.hpp>

namespace {
using namespace tg::indexing;

std::vector<double> values(const tg::Tensor& t) { return t.to_vector<double>(); }

tg::Tensor grid() { return tg::arange(12.0).reshape({3, 4}); }  // 0..11 row-major

TEST(Indexing, SubscriptSelectsAViewSharingStorage) {
  tg::Tensor x = grid();
  EXPECT_EQ(x[1][2].item<double>(), 6.0);
  EXPECT_EQ(x[-1][-1].item<double>(), 11.0);
  tg::Tensor row = x[1];
  EXPECT_EQ(row.sizes(), tg::Shape({4}));
  row.fill_(-1.0);
  EXPECT_EQ(values(x[1]), std::vector<double>(4, -1.0));
}

TEST(Indexing, SlicesNoneAndEllipsis) {
  tg::Tensor x = tg::arange(24.0).reshape({2, 3, 4});
  EXPECT_EQ(x.index({Slice(), 0, "...", None}).sizes(), tg::Shape({2, 4, 1}));
  EXPECT_EQ(x.index({Ellipsis, 1}).sizes(), tg::Shape({2, 3}));
  EXPECT_EQ(values(x.index({1, Slice(None, None, 2), -1})), std::vector<double>({15, 23}));
  EXPECT_EQ(values(x.index({0, 0, Slice(-2, None)})), std::vector<double>({2, 3}));
  EXPECT_EQ(x.index({true}).sizes(), tg::Shape({1, 2, 3, 4}));
  EXPECT_EQ(x.index({false}).sizes(), tg::Shape({0, 2, 3, 4}));
  // basic indexing is a view: writing through it changes x
  x.index({Slice(), 1}).zero_();
  EXPECT_EQ(x.index({1, 1, 3}).item<double>(), 0.0);
}

TEST(Indexing, AdvancedIndexingPlacesBroadcastDims) {
  tg::Tensor x = tg::arange(60.0).reshape({3, 4, 5});
  tg::Tensor rows = tg::tensor(std::vector<std::int64_t>{0, 2}, {2, 1});
  tg::Tensor cols = tg::tensor(std::vector<std::int64_t>{1, 3, 4}, {3});
  // adjacent: the broadcast [2, 3] replaces dims 1 and 2 in place
  EXPECT_EQ(x.index({Slice(), rows, cols}).sizes(), tg::Shape({3, 2, 3}));
  // separated by a slice: the broadcast dims go first
  tg::Tensor picked = x.index({rows, Slice(), cols});
  EXPECT_EQ(picked.sizes(), tg::Shape({2, 3, 4}));
  EXPECT_EQ(picked.index({1, 2, 3}).item<double>(), 40.0 + 3 * 5 + 4);
  // int32 indices work too, and negative values count from the end
  EXPECT_EQ(values(x.index({0, 0, tg::tensor(std::vector<std::int64_t>{-1, 0}).to(tg::kInt32)})),
            std::vector<double>({4, 0}));
}

TEST(Indexing, MasksSelectAndIntegerTensorsIndex) {
  tg::Tensor x = grid();
  EXPECT_EQ(values(x.index({x > 8.0})), std::vector<double>({9, 10, 11}));
  tg::Tensor labels = tg::tensor(std::vector<std::int64_t>{5, 6, 7}, {3});
  tg::Tensor picked = labels[tg::tensor(std::vector<std::int64_t>{2, 2, 0}, {3})];
  EXPECT_EQ(picked.dtype(), tg::kInt64);
  EXPECT_EQ(picked.to_vector<std::int64_t>(), std::vector<std::int64_t>({7, 7, 5}));
}

TEST(Indexing, AdvancedGradientAccumulatesRepeatedIndices) {
  tg::Tensor x = tg::zeros({3, 2}, tg::dtype(tg::kFloat64).requires_grad(true));
  x[tg::tensor(std::vector<std::int64_t>{1, 1, 2}, {3})].sum().backward();
  EXPECT_EQ(values(x.grad()), std::vector<double>({0, 0, 2, 2, 1, 1}));
}

TEST(Indexing, IndexPutInPlaceWithTensorsScalarsAndAccumulate) {
  tg::Tensor x = tg::zeros({3, 4});
  x.index_put_({Slice(), 0}, 1.5);
  x.index_put_({x > 1.0}, tg::full({3}, 2.0));
  EXPECT_EQ(values(x.index({Slice(), 0})), std::vector<double>({2, 2, 2}));
  tg::Tensor rows = tg::tensor(std::vector<std::int64_t>{0, 0, 2}, {3});
  x.index_put_({rows}, tg::ones({4}), /*accumulate=*/true);
  EXPECT_EQ(values(x.index({Slice(), 3})), std::vector<double>({2, 0, 1}));
  tg::Tensor counts = tg::zeros({3}, tg::kInt64);
  counts.index_put_({rows}, tg::ones({3}, tg::kInt64), true);
  EXPECT_EQ(counts.to_vector<std::int64_t>(), std::vector<std::int64_t>({2, 0, 1}));
}

TEST(Indexing, IndexPutInPlaceRecordsGradientsOnANonLeaf) {
  auto options = tg::dtype(tg::kFloat64).requires_grad(true);
  tg::Tensor base = tg::ones({3}, options), v = tg::full({1}, 3.0, options);
  tg::Tensor y = base * 2.0;
  y.index_put_({tg::tensor(std::vector<std::int64_t>{1}, {1})}, v);
  EXPECT_EQ(y.grad_fn_name(), "IndexPutBackward");
  (y * tg::tensor({1.0, 10.0, 100.0}, {3}, tg::kFloat64)).sum().backward();
  EXPECT_EQ(values(base.grad()), std::vector<double>({2, 0, 200}));
  EXPECT_EQ(values(v.grad()), std::vector<double>({10}));
}

TEST(Indexing, IndexPutInPlaceRejectsLeavesThatRequireGrad) {
  tg::Tensor x = tg::zeros({3}, tg::requires_grad());
  EXPECT_THROW(
      {
        try {
          x.index_put_({0}, 1.0);
        } catch (const tg::Error& e) {
          EXPECT_NE(std::string(e.what()).find("index_put_: a leaf Variable that requires grad"),
                    std::string::npos);
          throw;
        }
      },
      tg::Error);
  tg::NoGradGuard no_grad;
  x.index_put_({0}, 1.0);
  EXPECT_EQ(x[0].item<double>(), 1.0);
}

TEST(Indexing, BadIndicesNameTheOp) {
  tg::Tensor x = grid();
  EXPECT_THROW(x.index({"..", 0}), tg::Error);
  EXPECT_THROW(x[tg::tensor({0.0}, {1})], tg::Error);
  EXPECT_THROW(x.index({Slice(), 4}), tg::Error);
}

}  // namespace
