// Views made by the splitting and dim-moving ops: they share the input's storage (writes show
// through), and gradients of pieces nobody used are zeros.
#include <gtest/gtest.h>

#include <tapegrad/tapegrad.hpp>

namespace {

bool same_storage(const tg::Tensor& a, const tg::Tensor& b) {
  return tg::detail::impl_of(a)->storage == tg::detail::impl_of(b)->storage;
}

std::vector<double> values(const tg::Tensor& t) { return t.to_vector<double>(); }

TEST(SplitViews, PiecesShareStorageAndWritesShowThrough) {
  tg::Tensor x = tg::arange(10.0).view({2, 5});
  std::vector<tg::Tensor> pieces = x.split(2, 1);
  ASSERT_EQ(pieces.size(), 3u);
  for (const tg::Tensor& piece : pieces) EXPECT_TRUE(same_storage(piece, x));
  EXPECT_EQ(pieces[1].sizes(), (tg::Shape{2, 2}));
  EXPECT_EQ(pieces[2].sizes(), (tg::Shape{2, 1}));
  EXPECT_EQ(values(pieces[1]), (std::vector<double>{2, 3, 7, 8}));
  pieces[2].fill_(-1.0);
  EXPECT_EQ(values(x), (std::vector<double>{0, 1, 2, 3, -1, 5, 6, 7, 8, -1}));
}

TEST(SplitViews, ChunkSplitWithSizesAndUnbindAreViews) {
  tg::Tensor x = tg::arange(12.0).view({4, 3});
  std::vector<tg::Tensor> chunks = x.chunk(3);  // ceil(4 / 3) = 2 rows each: only two pieces
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_TRUE(same_storage(chunks[1], x));
  EXPECT_EQ(chunks[1].storage_offset(), 6);
  std::vector<tg::Tensor> parts = tg::split_with_sizes(x, {1, 2}, 1);
  EXPECT_TRUE(same_storage(parts[1], x));
  EXPECT_EQ(values(parts[1]), (std::vector<double>{1, 2, 4, 5, 7, 8, 10, 11}));
  std::vector<tg::Tensor> columns = x.unbind(1);
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_TRUE(same_storage(columns[2], x));
  EXPECT_EQ(columns[2].sizes(), (tg::Shape{4}));
  columns[2].zero_();
  EXPECT_EQ(values(x.select(1, 2)), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(tg::zeros({0, 3}).chunk(2).size(), 2u);  // PyTorch: an empty dim gives `chunks` empty pieces
  EXPECT_EQ(tg::zeros({0, 3}).split(2).size(), 1u);
  EXPECT_TRUE(tg::zeros({0, 3}).unbind(0).empty());
}

TEST(SplitViews, GradientOfUnusedPiecesIsZero) {
  tg::Tensor x = tg::arange(6.0, tg::dtype(tg::kFloat64)).view({3, 2}).detach().requires_grad_();
  std::vector<tg::Tensor> rows = x.unbind(0);
  (rows[1] * 3.0).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0, 3, 3, 0, 0}));
  EXPECT_EQ(rows[1].grad_fn_name(), "UnbindBackward");
  EXPECT_EQ(x.split(1)[0].grad_fn_name(), "SplitBackward");
}

TEST(SplitViews, PiecesSharingOneNodeAccumulate) {
  tg::Tensor x = tg::ones({4}, tg::dtype(tg::kFloat64).requires_grad(true));
  std::vector<tg::Tensor> halves = x.chunk(2);
  (halves[0] * 2.0 + halves[1] * 5.0).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 2, 5, 5}));
}

}  // namespace

namespace {

TEST(DimViews, MovedimExpandAsViewAsAndUnflattenShareStorage) {
  tg::Tensor x = tg::arange(24.0).view({2, 3, 4});
  tg::Tensor moved = x.movedim(0, -1);
  EXPECT_TRUE(same_storage(moved, x));
  EXPECT_EQ(moved.sizes(), (tg::Shape{3, 4, 2}));
  EXPECT_EQ(moved.strides(), (tg::Shape{4, 1, 12}));
  EXPECT_TRUE(same_storage(x.moveaxis({0, 1}, {2, 0}), x));
  EXPECT_EQ(x.moveaxis({0, 1}, {2, 0}).sizes(), (tg::Shape{3, 4, 2}));
  EXPECT_TRUE(same_storage(x.view_as(tg::zeros({6, 4})), x));
  EXPECT_TRUE(same_storage(x.reshape_as(tg::zeros({4, 6})), x));
  tg::Tensor row = tg::arange(4.0);
  EXPECT_TRUE(same_storage(row.expand_as(x), row));
  EXPECT_TRUE(same_storage(x.swapaxes(0, 1), x));
  // unflatten of a transposed (non-contiguous) tensor is still a view.
  tg::Tensor transposed = tg::arange(12.0).view({3, 4}).t();
  tg::Tensor split_rows = transposed.unflatten(0, {2, 2});
  EXPECT_TRUE(same_storage(split_rows, transposed));
  EXPECT_EQ(split_rows.strides(), (tg::Shape{2, 1, 4}));
  EXPECT_EQ(values(split_rows), values(transposed.contiguous()));
  moved.select(2, 1).fill_(0.0);
  EXPECT_EQ(x.select(0, 1).sum().item<double>(), 0.0);
}

TEST(Rearrange, CopiesDoNotShareStorage) {
  tg::Tensor x = tg::arange(6.0).view({2, 3});
  EXPECT_FALSE(same_storage(x.repeat({1, 1}), x));
  EXPECT_FALSE(same_storage(x.repeat_interleave(1), x));
  EXPECT_FALSE(same_storage(x.roll({0}, {0}), x));
  EXPECT_FALSE(same_storage(x.flip({}), x));
  EXPECT_FALSE(same_storage(x.narrow_copy(0, 0, 2), x));
  EXPECT_EQ(values(x.flip({1})), (std::vector<double>{2, 1, 0, 5, 4, 3}));
  EXPECT_EQ(values(x.t().flip({0})), (std::vector<double>{2, 5, 1, 4, 0, 3}));
  EXPECT_EQ(values(x.roll(1)), (std::vector<double>{5, 0, 1, 2, 3, 4}));
  EXPECT_EQ(values(tg::repeat_interleave(tg::tensor(std::vector<std::int64_t>{1, 0, 2}))),
            (std::vector<double>{0, 2, 2}));
}

}  // namespace
