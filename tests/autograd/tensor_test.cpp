// Tensors: factories, storage, views, copies, conversions, printing and in-place ops.
#include <cmath>
#include <cstdint>
#include <functional>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <class T>
std::vector<T> values(const tg::Tensor& t) {
  return t.to_vector<T>();
}

std::vector<std::int64_t> shape(const tg::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }
std::vector<std::int64_t> strides(const tg::Tensor& t) { return {t.strides().begin(), t.strides().end()}; }

bool same_storage(const tg::Tensor& a, const tg::Tensor& b) {
  return tg::detail::impl_of(a)->storage == tg::detail::impl_of(b)->storage;
}

std::string to_string(const tg::Tensor& t) {
  std::ostringstream out;
  out << t;
  return out.str();
}

// Runs fn and returns the tg::Error message it throws (fails the test when nothing is thrown).
using tg::testing::error_message;

// A 3x4 float32 matrix holding 0..11.
tg::Tensor matrix34() { return tg::arange(12.0).view({3, 4}); }

// ---------------------------------------------------------------- factories

TEST(TensorFactories, ZerosOnesFull) {
  tg::Tensor z = tg::zeros({2, 3});
  EXPECT_EQ(z.dtype(), tg::kFloat32);
  EXPECT_THAT(shape(z), ElementsAre(2, 3));
  EXPECT_THAT(strides(z), ElementsAre(3, 1));
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dim(), 2);
  EXPECT_TRUE(z.is_contiguous());
  EXPECT_FALSE(z.requires_grad());
  EXPECT_EQ(values<float>(z), std::vector<float>(6, 0.0f));

  tg::Tensor o = tg::ones({4}, tg::kFloat64);
  EXPECT_EQ(o.dtype(), tg::kFloat64);
  EXPECT_EQ(values<double>(o), std::vector<double>(4, 1.0));

  tg::Tensor f = tg::full({2, 2}, 3.5, tg::dtype(tg::kFloat64).requires_grad(true));
  EXPECT_EQ(values<double>(f), std::vector<double>(4, 3.5));
  EXPECT_TRUE(f.requires_grad());
  EXPECT_TRUE(f.is_leaf());

  tg::Tensor fi = tg::full({3}, 7.9, tg::kInt64);
  EXPECT_EQ(fi.dtype(), tg::kInt64);
  EXPECT_EQ(values<std::int64_t>(fi), std::vector<std::int64_t>(3, 7));

  tg::Tensor s = tg::scalar_tensor(2.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_FLOAT_EQ(s.item<float>(), 2.5f);

  tg::Tensor e = tg::eye(3, tg::kFloat64);
  EXPECT_EQ(values<double>(e), (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}));

  tg::Tensor like = tg::full_like(e, -2.0);
  EXPECT_EQ(like.dtype(), tg::kFloat64);
  EXPECT_THAT(shape(like), ElementsAre(3, 3));
  EXPECT_EQ(values<double>(like), std::vector<double>(9, -2.0));
  EXPECT_EQ(values<double>(tg::zeros_like(e)), std::vector<double>(9, 0.0));
  EXPECT_EQ(values<double>(tg::ones_like(e)), std::vector<double>(9, 1.0));
}

TEST(TensorFactories, Empty) {
  tg::Tensor e = tg::empty({4, 5}, tg::kFloat64);
  EXPECT_THAT(shape(e), ElementsAre(4, 5));
  EXPECT_EQ(e.numel(), 20);
  EXPECT_EQ(e.dtype(), tg::kFloat64);
  EXPECT_GE(tg::detail::impl_of(e)->storage->nbytes(), 20 * sizeof(double));

  tg::Tensor none = tg::empty({0, 3});
  EXPECT_EQ(none.numel(), 0);
  EXPECT_TRUE(values<float>(none).empty());

  tg::Tensor like = tg::empty_like(e);
  EXPECT_THAT(shape(like), ElementsAre(4, 5));
  EXPECT_EQ(like.dtype(), tg::kFloat64);
  EXPECT_FALSE(same_storage(like, e));
}

TEST(TensorFactories, ArangeIntegerArgumentsGiveInt64) {
  tg::Tensor a = tg::arange(5);
  EXPECT_EQ(a.dtype(), tg::kInt64);
  EXPECT_THAT(values<std::int64_t>(a), ElementsAre(0, 1, 2, 3, 4));

  tg::Tensor b = tg::arange(1, 10, 3);
  EXPECT_EQ(b.dtype(), tg::kInt64);
  EXPECT_THAT(values<std::int64_t>(b), ElementsAre(1, 4, 7));

  tg::Tensor down = tg::arange(5, 0, -2);
  EXPECT_THAT(values<std::int64_t>(down), ElementsAre(5, 3, 1));

  tg::Tensor empty = tg::arange(3, 3);
  EXPECT_EQ(empty.numel(), 0);
}

TEST(TensorFactories, ArangeFloatingArgumentsAndExplicitDtype) {
  tg::Tensor a = tg::arange(0.0, 1.0, 0.25);
  EXPECT_EQ(a.dtype(), tg::kFloat32);
  EXPECT_THAT(values<float>(a), ElementsAre(0.0f, 0.25f, 0.5f, 0.75f));

  tg::Tensor b = tg::arange(4, tg::kFloat64);
  EXPECT_EQ(b.dtype(), tg::kFloat64);
  EXPECT_THAT(values<double>(b), ElementsAre(0.0, 1.0, 2.0, 3.0));

  tg::Tensor c = tg::arange(2.5);
  EXPECT_EQ(c.dtype(), tg::kFloat32);
  EXPECT_THAT(values<float>(c), ElementsAre(0.0f, 1.0f, 2.0f));
}

TEST(TensorFactories, RandIsDeterministicUnderManualSeed) {
  tg::manual_seed(42);
  tg::Tensor a = tg::rand({1000});
  tg::manual_seed(42);
  tg::Tensor b = tg::rand({1000});
  tg::manual_seed(43);
  tg::Tensor c = tg::rand({1000});
  EXPECT_EQ(a.dtype(), tg::kFloat32);
  EXPECT_EQ(values<float>(a), values<float>(b));
  EXPECT_NE(values<float>(a), values<float>(c));
  // Successive draws continue the stream instead of repeating it.
  tg::manual_seed(42);
  tg::Tensor first = tg::rand({10});
  tg::Tensor second = tg::rand({10});
  EXPECT_NE(values<float>(first), values<float>(second));

  double total = 0;
  for (float v : values<float>(a)) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LT(v, 1.0f);
    total += v;
  }
  EXPECT_NEAR(total / 1000, 0.5, 0.05);
}

TEST(TensorFactories, RandnMomentsAndDeterminism) {
  tg::manual_seed(7);
  tg::Tensor a = tg::randn({20000}, tg::kFloat64);
  tg::manual_seed(7);
  tg::Tensor b = tg::randn({20000}, tg::kFloat64);
  EXPECT_EQ(a.dtype(), tg::kFloat64);
  const auto va = values<double>(a);
  EXPECT_EQ(va, values<double>(b));
  const double mean = std::accumulate(va.begin(), va.end(), 0.0) / static_cast<double>(va.size());
  double var = 0;
  for (double v : va) var += (v - mean) * (v - mean);
  var /= static_cast<double>(va.size());
  EXPECT_NEAR(mean, 0.0, 0.03);
  EXPECT_NEAR(var, 1.0, 0.05);

  tg::Tensor like = tg::randn_like(tg::zeros({2, 3}));
  EXPECT_THAT(shape(like), ElementsAre(2, 3));
  EXPECT_EQ(like.dtype(), tg::kFloat32);
  tg::Tensor rlike = tg::rand_like(tg::zeros({5}, tg::kFloat64));
  EXPECT_EQ(rlike.dtype(), tg::kFloat64);

  tg::Tensor with_grad = tg::randn({3}, tg::requires_grad());
  EXPECT_TRUE(with_grad.requires_grad());
}

TEST(TensorFactories, Randint) {
  tg::manual_seed(1);
  tg::Tensor a = tg::randint(3, 8, {2000});
  EXPECT_EQ(a.dtype(), tg::kInt64);
  std::set<std::int64_t> seen;
  for (auto v : values<std::int64_t>(a)) {
    EXPECT_GE(v, 3);
    EXPECT_LT(v, 8);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 5u);  // every value in [3, 8) shows up
  tg::manual_seed(1);
  EXPECT_EQ(values<std::int64_t>(tg::randint(3, 8, {2000})), values<std::int64_t>(a));

  tg::Tensor f = tg::randint(0, 2, {10}, tg::kFloat32);
  EXPECT_EQ(f.dtype(), tg::kFloat32);
  for (float v : values<float>(f)) EXPECT_TRUE(v == 0.0f || v == 1.0f);
}

TEST(TensorFactories, TensorFromVectors) {
  tg::Tensor f = tg::tensor(std::vector<float>{1.5f, -2.0f, 3.25f});
  EXPECT_EQ(f.dtype(), tg::kFloat32);
  EXPECT_THAT(shape(f), ElementsAre(3));
  EXPECT_THAT(values<float>(f), ElementsAre(1.5f, -2.0f, 3.25f));

  // As libtorch's torch::tensor: floating values take the default dtype whatever their C++ type,
  // integers become int64.
  tg::Tensor d = tg::tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(d.dtype(), tg::kFloat32);
  EXPECT_THAT(shape(d), ElementsAre(2, 3));
  EXPECT_EQ(d.data_ptr<float>()[4], 5.0f);
  EXPECT_EQ(tg::tensor(std::vector<double>{0.1}, tg::kFloat64).item<double>(), 0.1);
  tg::set_default_dtype(tg::kFloat64);
  EXPECT_EQ(tg::tensor(std::vector<float>{1.5f}).dtype(), tg::kFloat64);
  tg::set_default_dtype(tg::kFloat32);

  tg::Tensor i = tg::tensor(std::vector<std::int64_t>{4, -1, 9});
  EXPECT_EQ(i.dtype(), tg::kInt64);
  EXPECT_THAT(values<std::int64_t>(i), ElementsAre(4, -1, 9));
  EXPECT_EQ(tg::tensor(std::vector<int>{1, 2}).dtype(), tg::kInt64);

  tg::Tensor converted = tg::tensor(std::vector<float>{1.0f, 2.0f}, tg::kFloat64);
  EXPECT_EQ(converted.dtype(), tg::kFloat64);
  EXPECT_THAT(values<double>(converted), ElementsAre(1.0, 2.0));

  // The tensor owns a copy.
  std::vector<double> source{1, 2};
  tg::Tensor copy = tg::tensor(source);
  source[0] = 100;
  EXPECT_EQ(copy.data_ptr<float>()[0], 1.0f);
}

TEST(TensorFactories, TensorFromInitializerList) {
  tg::Tensor a = tg::tensor({1.0, 2.0, 3.0});
  EXPECT_EQ(a.dtype(), tg::kFloat32);
  EXPECT_THAT(values<float>(a), ElementsAre(1.0f, 2.0f, 3.0f));
  EXPECT_FALSE(a.requires_grad());

  tg::Tensor b = tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, tg::dtype(tg::kFloat64).requires_grad(true));
  EXPECT_EQ(b.dtype(), tg::kFloat64);
  EXPECT_THAT(shape(b), ElementsAre(2, 2));
  EXPECT_TRUE(b.requires_grad());
  EXPECT_TRUE(b.is_leaf());
  EXPECT_THAT(values<double>(b), ElementsAre(1.0, 2.0, 3.0, 4.0));

  tg::Tensor c = tg::tensor({3.0, 1.0}, tg::kInt64);
  EXPECT_EQ(c.dtype(), tg::kInt64);
  EXPECT_THAT(values<std::int64_t>(c), ElementsAre(3, 1));

  EXPECT_THAT(error_message([] {
                tg::tensor({1.0, 2.0, 3.0}, {2, 2});
              }),
              HasSubstr("tensor: got 3 values for shape [2, 2] which holds 4"));
}

TEST(TensorFactories, FromBlobAliasesCallerMemory) {
  float buffer[6] = {1, 2, 3, 4, 5, 6};
  tg::Tensor t = tg::from_blob(buffer, {2, 3});
  EXPECT_EQ(t.dtype(), tg::kFloat32);
  EXPECT_THAT(shape(t), ElementsAre(2, 3));
  EXPECT_EQ(t.data_ptr<float>(), buffer);
  EXPECT_THAT(values<float>(t), ElementsAre(1, 2, 3, 4, 5, 6));

  buffer[1] = 20;  // the tensor sees the caller's writes
  EXPECT_FLOAT_EQ(t.select(0, 0).select(0, 1).item<float>(), 20.0f);
  t.mul_(2.0);  // and the caller sees the tensor's
  EXPECT_FLOAT_EQ(buffer[5], 12.0f);
  EXPECT_FLOAT_EQ(buffer[1], 40.0f);

  double doubles[2] = {0.5, 0.25};
  tg::Tensor d = tg::from_blob(doubles, {2}, tg::kFloat64);
  EXPECT_EQ(d.data_ptr<double>(), doubles);
  EXPECT_THAT(values<double>(d), ElementsAre(0.5, 0.25));
}

TEST(TensorFactories, FromBlobRunsDeleterWhenLastViewGoes) {
  int deleted = 0;
  std::vector<float> buffer{1, 2, 3, 4};
  {
    tg::Tensor t = tg::from_blob(buffer.data(), {4}, [&deleted](void*) { ++deleted; });
    tg::Tensor view = t.view({2, 2});
    t = tg::Tensor();
    EXPECT_EQ(deleted, 0);  // the view still holds the storage
    EXPECT_FLOAT_EQ(view.select(0, 1).select(0, 1).item<float>(), 4.0f);
  }
  EXPECT_EQ(deleted, 1);
}

TEST(TensorStorage, DataIs64ByteAligned) {
  for (std::int64_t n : {1, 3, 7, 17, 64, 1000, 4097}) {
    for (tg::Dtype dtype : {tg::kFloat32, tg::kFloat64, tg::kInt64}) {
      tg::Tensor t = tg::empty({n}, dtype);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64, 0u) << n << " " << dtype;
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(tg::detail::impl_of(t)->storage->data()) % 64, 0u);
    }
  }
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(tg::empty({0}).raw_data()) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(tg::randn({33, 5}).raw_data()) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(tg::tensor({1.0, 2.0, 3.0}).raw_data()) % 64, 0u);
}

TEST(TensorStorage, LiveCountFollowsTensors) {
  const std::int64_t before = tg::Storage::live_count();
  {
    tg::Tensor a = tg::zeros({10});
    tg::Tensor view = a.view({2, 5});
    EXPECT_EQ(tg::Storage::live_count(), before + 1);  // a view shares the storage
    tg::Tensor copy = a.clone();
    EXPECT_EQ(tg::Storage::live_count(), before + 2);
  }
  EXPECT_EQ(tg::Storage::live_count(), before);
}

// ---------------------------------------------------------------- views

TEST(TensorViews, TransposeSharesStorageWithSwappedStrides) {
  tg::Tensor x = matrix34();
  tg::Tensor y = x.transpose(0, 1);
  EXPECT_TRUE(same_storage(x, y));
  EXPECT_THAT(shape(y), ElementsAre(4, 3));
  EXPECT_THAT(strides(y), ElementsAre(1, 4));
  EXPECT_FALSE(y.is_contiguous());
  EXPECT_EQ(y.raw_data(), x.raw_data());
  EXPECT_THAT(values<float>(y), ElementsAre(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));

  tg::Tensor yt = x.t();
  EXPECT_THAT(shape(yt), ElementsAre(4, 3));
  EXPECT_THAT(strides(yt), ElementsAre(1, 4));
  EXPECT_EQ(values<float>(yt), values<float>(y));

  tg::Tensor back = y.transpose(-1, -2);
  EXPECT_TRUE(back.is_contiguous());
  EXPECT_EQ(values<float>(back), values<float>(x));

  // A 1-D t() is the tensor itself.
  tg::Tensor v = tg::arange(3.0);
  EXPECT_EQ(values<float>(v.t()), values<float>(v));

  // Writes through the view land in the base.
  y.select(0, 1).select(0, 2).fill_(-1.0);  // y[1][2] is x[2][1]
  EXPECT_FLOAT_EQ(x.select(0, 2).select(0, 1).item<float>(), -1.0f);
}

TEST(TensorViews, ViewAndReshape) {
  tg::Tensor x = tg::arange(24.0);
  tg::Tensor v = x.view({2, 3, 4});
  EXPECT_TRUE(same_storage(x, v));
  EXPECT_THAT(shape(v), ElementsAre(2, 3, 4));
  EXPECT_THAT(strides(v), ElementsAre(12, 4, 1));
  tg::Tensor inferred = x.view({4, -1});
  EXPECT_THAT(shape(inferred), ElementsAre(4, 6));

  v.select(0, 1).select(0, 2).select(0, 3).fill_(100.0);  // element 12 + 8 + 3 = 23
  EXPECT_FLOAT_EQ(values<float>(x)[23], 100.0f);

  tg::Tensor r = x.reshape({6, 4});
  EXPECT_TRUE(same_storage(x, r));  // contiguous input: a view
  EXPECT_THAT(strides(r), ElementsAre(4, 1));

  tg::Tensor nc = v.transpose(0, 2);  // [4, 3, 2], not contiguous
  tg::Tensor copied = nc.reshape({-1});
  EXPECT_FALSE(same_storage(nc, copied));  // non-contiguous input: a copy
  EXPECT_EQ(values<float>(copied), values<float>(nc));
  EXPECT_TRUE(copied.is_contiguous());

  tg::Tensor f = v.flatten(1);
  EXPECT_THAT(shape(f), ElementsAre(2, 12));
  EXPECT_TRUE(same_storage(f, x));
}

TEST(TensorViews, SliceNarrowSelect) {
  tg::Tensor x = matrix34();

  tg::Tensor s = x.slice(1, 1, 3);
  EXPECT_TRUE(same_storage(x, s));
  EXPECT_THAT(shape(s), ElementsAre(3, 2));
  EXPECT_THAT(strides(s), ElementsAre(4, 1));
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_FALSE(s.is_contiguous());
  EXPECT_THAT(values<float>(s), ElementsAre(1, 2, 5, 6, 9, 10));

  tg::Tensor stepped = x.slice(1, 0, std::nullopt, 2);
  EXPECT_THAT(shape(stepped), ElementsAre(3, 2));
  EXPECT_THAT(strides(stepped), ElementsAre(4, 2));
  EXPECT_THAT(values<float>(stepped), ElementsAre(0, 2, 4, 6, 8, 10));

  tg::Tensor negative = x.slice(0, -2);  // the last two rows
  EXPECT_THAT(shape(negative), ElementsAre(2, 4));
  EXPECT_EQ(negative.storage_offset(), 4);

  tg::Tensor clipped = x.slice(0, 1, 100);
  EXPECT_THAT(shape(clipped), ElementsAre(2, 4));

  tg::Tensor n = x.narrow(0, 1, 2);
  EXPECT_THAT(shape(n), ElementsAre(2, 4));
  EXPECT_THAT(strides(n), ElementsAre(4, 1));
  EXPECT_EQ(n.storage_offset(), 4);
  EXPECT_TRUE(n.is_contiguous());
  EXPECT_THAT(values<float>(n), ElementsAre(4, 5, 6, 7, 8, 9, 10, 11));

  tg::Tensor col = x.select(1, 2);
  EXPECT_THAT(shape(col), ElementsAre(3));
  EXPECT_THAT(strides(col), ElementsAre(4));
  EXPECT_EQ(col.storage_offset(), 2);
  EXPECT_THAT(values<float>(col), ElementsAre(2, 6, 10));

  tg::Tensor last_row = x.select(0, -1);
  EXPECT_THAT(values<float>(last_row), ElementsAre(8, 9, 10, 11));

  // A view of a view composes offsets and strides.
  tg::Tensor element = x.slice(1, 1, 3).select(0, 2).select(0, 1);
  EXPECT_EQ(element.dim(), 0);
  EXPECT_EQ(element.storage_offset(), 10);
  EXPECT_FLOAT_EQ(element.item<float>(), 10.0f);

  // Writing into a slice changes only that window of the base.
  s.zero_();
  EXPECT_THAT(values<float>(x), ElementsAre(0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0, 11));
}

TEST(TensorViews, ExpandHasZeroStrides) {
  tg::Tensor col = tg::tensor({1.0, 2.0, 3.0}, {3, 1});
  tg::Tensor e = col.expand({3, 4});
  EXPECT_TRUE(same_storage(col, e));
  EXPECT_THAT(shape(e), ElementsAre(3, 4));
  EXPECT_THAT(strides(e), ElementsAre(1, 0));
  EXPECT_THAT(values<float>(e), ElementsAre(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3));

  tg::Tensor e3 = col.expand({2, -1, 2});
  EXPECT_THAT(shape(e3), ElementsAre(2, 3, 2));
  EXPECT_THAT(strides(e3), ElementsAre(0, 1, 0));
  EXPECT_EQ(e3.numel(), 12);
  EXPECT_THAT(values<float>(e3), ElementsAre(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3));

  tg::Tensor as = tg::tensor({5.0}).expand_as(tg::zeros({2, 2}));
  EXPECT_THAT(values<float>(as), ElementsAre(5, 5, 5, 5));

  // contiguous() materialises the repeated elements.
  tg::Tensor materialised = e.contiguous();
  EXPECT_FALSE(same_storage(materialised, e));
  EXPECT_THAT(strides(materialised), ElementsAre(4, 1));
  EXPECT_EQ(values<float>(materialised), values<float>(e));
}

TEST(TensorViews, PermuteSqueezeUnsqueeze) {
  tg::Tensor x = tg::arange(24.0).view({2, 3, 4});
  tg::Tensor p = x.permute({2, 0, 1});
  EXPECT_THAT(shape(p), ElementsAre(4, 2, 3));
  EXPECT_THAT(strides(p), ElementsAre(1, 12, 4));
  EXPECT_TRUE(same_storage(x, p));
  EXPECT_FLOAT_EQ(p.select(0, 3).select(0, 1).select(0, 2).item<float>(), 12 + 8 + 3);

  tg::Tensor u = x.unsqueeze(1);
  EXPECT_THAT(shape(u), ElementsAre(2, 1, 3, 4));
  EXPECT_TRUE(u.is_contiguous());
  tg::Tensor sq = u.squeeze();
  EXPECT_THAT(shape(sq), ElementsAre(2, 3, 4));
  EXPECT_THAT(shape(u.squeeze(1)), ElementsAre(2, 3, 4));
  EXPECT_THAT(shape(u.squeeze(0)), ElementsAre(2, 1, 3, 4));  // size 2: unchanged
  EXPECT_THAT(shape(x.unsqueeze(-1)), ElementsAre(2, 3, 4, 1));
}

// ---------------------------------------------------------------- copies and conversions

TEST(TensorCopies, ContiguousReturnsSelfOrCopy) {
  tg::Tensor x = matrix34();
  tg::Tensor same = x.contiguous();
  EXPECT_TRUE(same.is_same(x));

  tg::Tensor y = x.t();
  tg::Tensor c = y.contiguous();
  EXPECT_FALSE(same_storage(c, x));
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_THAT(shape(c), ElementsAre(4, 3));
  EXPECT_THAT(strides(c), ElementsAre(3, 1));
  EXPECT_EQ(values<float>(c), values<float>(y));
}

TEST(TensorCopies, CloneIsIndependent) {
  tg::Tensor x = tg::tensor({1.0, 2.0, 3.0}, tg::kFloat64);
  tg::Tensor c = x.clone();
  EXPECT_FALSE(same_storage(x, c));
  EXPECT_EQ(c.dtype(), tg::kFloat64);
  EXPECT_EQ(values<double>(c), values<double>(x));
  c.fill_(9.0);
  EXPECT_THAT(values<double>(x), ElementsAre(1.0, 2.0, 3.0));

  // Cloning a strided view gives a contiguous tensor with the view's values.
  tg::Tensor view = matrix34().slice(1, 1, 4, 2);
  tg::Tensor vc = view.clone();
  EXPECT_TRUE(vc.is_contiguous());
  EXPECT_THAT(values<float>(vc), ElementsAre(1, 3, 5, 7, 9, 11));
}

TEST(TensorCopies, ToDtype) {
  tg::Tensor x = tg::tensor({1.5, -2.75, 3.0});
  tg::Tensor d = x.to(tg::kFloat64);
  EXPECT_EQ(d.dtype(), tg::kFloat64);
  EXPECT_FALSE(same_storage(x, d));
  EXPECT_THAT(values<double>(d), ElementsAre(1.5, -2.75, 3.0));

  tg::Tensor i = x.to(tg::kInt64);
  EXPECT_EQ(i.dtype(), tg::kInt64);
  EXPECT_THAT(values<std::int64_t>(i), ElementsAre(1, -2, 3));  // truncation, as static_cast

  tg::Tensor back = i.to(tg::kFloat32);
  EXPECT_THAT(values<float>(back), ElementsAre(1.0f, -2.0f, 3.0f));

  EXPECT_TRUE(x.to(tg::kFloat32).is_same(x));  // same dtype: no copy

  // A transposed view converts element by element in logical order.
  tg::Tensor t = matrix34().t().to(tg::kFloat64);
  EXPECT_THAT(values<double>(t), ElementsAre(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
}

TEST(TensorAccess, Item) {
  tg::Tensor f = tg::tensor({3.75});
  EXPECT_FLOAT_EQ(f.item<float>(), 3.75f);
  EXPECT_DOUBLE_EQ(f.item<double>(), 3.75);
  EXPECT_EQ(f.item<std::int64_t>(), 3);
  EXPECT_EQ(f.item<int>(), 3);

  tg::Tensor i = tg::tensor(std::vector<std::int64_t>{-7});
  EXPECT_EQ(i.item<std::int64_t>(), -7);
  EXPECT_DOUBLE_EQ(i.item<double>(), -7.0);

  // A one-element view of a larger tensor reads the right element.
  EXPECT_FLOAT_EQ(matrix34().select(0, 2).select(0, 1).item<float>(), 9.0f);
  EXPECT_DOUBLE_EQ(tg::full({1, 1, 1}, 0.5, tg::kFloat64).item<double>(), 0.5);

  EXPECT_THAT(error_message([] {
                tg::zeros({2, 2}).item<float>();
              }),
              HasSubstr("item: only one-element tensors can be converted to a scalar, got shape [2, 2]"));
}

TEST(TensorAccess, DataPtrChecksDtype) {
  tg::Tensor f = tg::zeros({2});
  EXPECT_NE(f.data_ptr<float>(), nullptr);
  EXPECT_THAT(error_message([&] { (void)f.data_ptr<double>(); }),
              HasSubstr("data_ptr: requested float64 elements from a float32 tensor"));
  tg::Tensor i = tg::arange(3);
  EXPECT_EQ(i.data_ptr<std::int64_t>()[2], 2);
  EXPECT_THAT(error_message([&] { (void)i.data_ptr<float>(); }),
              HasSubstr("data_ptr: requested float32 elements from a int64 tensor"));
  // data_ptr of a view points at its first element.
  tg::Tensor x = matrix34();
  EXPECT_EQ(x.select(0, 1).data_ptr<float>(), x.data_ptr<float>() + 4);
}

TEST(TensorAccess, ToVectorConvertsAndFollowsStrides) {
  tg::Tensor x = matrix34();
  EXPECT_THAT(x.select(1, 3).to_vector<double>(), ElementsAre(3.0, 7.0, 11.0));
  EXPECT_THAT(x.select(1, 3).to_vector<std::int64_t>(), ElementsAre(3, 7, 11));
  EXPECT_THAT(tg::tensor({0.9, -0.9}).to_vector<int>(), ElementsAre(0, 0));
  EXPECT_THAT(tg::scalar_tensor(4.0).to_vector<float>(), ElementsAre(4.0f));
}

// ---------------------------------------------------------------- printing

TEST(TensorPrint, ValuesShapeDtype) {
  EXPECT_EQ(to_string(tg::tensor({1.0, 2.0})), "tensor([1.0000, 2.0000], shape=[2], dtype=float32)");
  EXPECT_EQ(to_string(tg::arange(3)), "tensor([0, 1, 2], shape=[3], dtype=int64)");
  EXPECT_EQ(to_string(tg::scalar_tensor(-0.5, tg::kFloat64)), "tensor(-0.5000, shape=[], dtype=float64)");
  EXPECT_EQ(to_string(tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2})),
            "tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], shape=[2, 2], dtype=float32)");
  EXPECT_EQ(to_string(tg::Tensor()), "tensor(undefined)");
  // Views print their logical values.
  EXPECT_EQ(to_string(tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}).t()),
            "tensor([[1.0000, 3.0000],\n        [2.0000, 4.0000]], shape=[2, 2], dtype=float32)");
}

TEST(TensorPrint, AutogradInformation) {
  tg::Tensor w = tg::tensor({1.0, 2.0}, tg::requires_grad());
  EXPECT_EQ(to_string(w), "tensor([1.0000, 2.0000], shape=[2], dtype=float32, requires_grad=true)");
  tg::Tensor y = w * w;
  EXPECT_EQ(to_string(y), "tensor([1.0000, 4.0000], shape=[2], dtype=float32, grad_fn=<MulBackward>)");
  EXPECT_THAT(to_string(y.sum()), HasSubstr("grad_fn=<SumBackward>"));
  EXPECT_THAT(to_string(w + w), HasSubstr("grad_fn=<AddBackward>"));
  EXPECT_THAT(to_string(w.detach()), ::testing::Not(HasSubstr("requires_grad")));
}

TEST(TensorPrint, SummarisesLargeTensors) {
  const std::string text = to_string(tg::arange(2000));
  EXPECT_EQ(text, "tensor([0, 1, 2, ..., 1997, 1998, 1999], shape=[2000], dtype=int64)");
  const std::string small = to_string(tg::arange(1000));
  EXPECT_THAT(small, ::testing::Not(HasSubstr("...")));
  EXPECT_THAT(small, HasSubstr(", 999]"));
}

// ---------------------------------------------------------------- in-place ops

TEST(TensorInplace, CopyFillZero) {
  tg::Tensor x = tg::zeros({2, 3});
  const auto v0 = x.version();
  x.copy_(tg::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}));
  EXPECT_THAT(values<float>(x), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_GT(x.version(), v0);

  x.copy_(tg::tensor({7.0, 8.0, 9.0}));  // broadcast over rows
  EXPECT_THAT(values<float>(x), ElementsAre(7, 8, 9, 7, 8, 9));

  x.copy_(tg::tensor({1.5, -1.5}, {2, 1}, tg::kFloat64));  // converts dtype and broadcasts columns
  EXPECT_THAT(values<float>(x), ElementsAre(1.5, 1.5, 1.5, -1.5, -1.5, -1.5));

  const tg::Tensor& same = x.fill_(4.0);
  EXPECT_TRUE(same.is_same(x));
  EXPECT_EQ(values<float>(x), std::vector<float>(6, 4.0f));

  x.zero_();
  EXPECT_EQ(values<float>(x), std::vector<float>(6, 0.0f));

  tg::Tensor ints = tg::arange(4);
  ints.fill_(3.0);
  EXPECT_THAT(values<std::int64_t>(ints), ElementsAre(3, 3, 3, 3));

  // Into a non-contiguous view.
  tg::Tensor m = matrix34();
  m.t().select(0, 1).fill_(-1.0);  // column 1
  m.select(1, 3).zero_();          // column 3
  EXPECT_THAT(values<float>(m), ElementsAre(0, -1, 2, 0, 4, -1, 6, 0, 8, -1, 10, 0));
  m.t().copy_(tg::arange(12.0).view({4, 3}));
  EXPECT_THAT(values<float>(m), ElementsAre(0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11));
}

TEST(TensorInplace, ArithmeticWithBroadcasting) {
  tg::Tensor x = tg::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}, tg::kFloat64);
  x.add_(tg::tensor({10.0, 20.0, 30.0}, tg::kFloat64));
  EXPECT_THAT(values<double>(x), ElementsAre(11, 22, 33, 14, 25, 36));
  x.add_(tg::tensor({1.0, 2.0}, {2, 1}, tg::kFloat64), 0.5);
  EXPECT_THAT(values<double>(x), ElementsAre(11.5, 22.5, 33.5, 15, 26, 37));
  x.sub_(tg::ones({2, 3}, tg::kFloat64), 2.0);
  EXPECT_THAT(values<double>(x), ElementsAre(9.5, 20.5, 31.5, 13, 24, 35));
  x.sub_(0.5);
  EXPECT_THAT(values<double>(x), ElementsAre(9, 20, 31, 12.5, 23.5, 34.5));
  x.add_(1.0);
  EXPECT_THAT(values<double>(x), ElementsAre(10, 21, 32, 13.5, 24.5, 35.5));
  x.mul_(tg::tensor({2.0, 0.0, -1.0}, tg::kFloat64));
  EXPECT_THAT(values<double>(x), ElementsAre(20, 0, -32, 27, 0, -35.5));
  x.mul_(0.5);
  EXPECT_THAT(values<double>(x), ElementsAre(10, 0, -16, 13.5, 0, -17.75));
  x.mul_(tg::scalar_tensor(2.0, tg::kFloat64));  // a 0-d other broadcasts everywhere
  EXPECT_THAT(values<double>(x), ElementsAre(20, 0, -32, 27, 0, -35.5));

  // self a strided view, other a strided view.
  tg::Tensor m = matrix34();
  m.t().add_(matrix34().t());
  EXPECT_THAT(values<float>(m), ElementsAre(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22));
  m.slice(1, 0, 4, 2).mul_(0.0);
  EXPECT_THAT(values<float>(m), ElementsAre(0, 2, 0, 6, 0, 10, 0, 14, 0, 18, 0, 22));

  // An in-place op cannot grow self.
  EXPECT_THAT(error_message([] {
                tg::zeros({3}).add_(tg::zeros({2, 3}));
              }),
              HasSubstr("add_: other of shape [2, 3] cannot be broadcast to self's shape [3]"));
  EXPECT_THAT(error_message([] { tg::zeros({3}).mul_(tg::zeros({2})); }), HasSubstr("do not broadcast"));
  // Other dtypes promote as the out-of-place op, and the result must be castable to self's dtype.
  const tg::Tensor single = tg::ones({2});
  single.add_(tg::tensor({0.5, 0.25}, tg::kFloat64));
  EXPECT_EQ(single.dtype(), tg::kFloat32);
  EXPECT_THAT(values<float>(single), ElementsAre(1.5, 1.25));
  const tg::Tensor integers = tg::arange(3);
  integers.add_(tg::tensor({true, false, true}), 2);
  integers.mul_(3);
  EXPECT_EQ(integers.dtype(), tg::kInt64);
  EXPECT_THAT(integers.to_vector<std::int64_t>(), ElementsAre(6, 3, 12));
  EXPECT_THAT(error_message([] { tg::arange(3).add_(1.0); }),
              HasSubstr("add_: result type float32 can't be cast to the desired output type int64"));
  EXPECT_THAT(error_message([] { tg::arange(3).div_(tg::arange(3)); }),
              HasSubstr("div_: result type float32 can't be cast to the desired output type int64"));
  EXPECT_THAT(error_message([] { tg::ones({3}).sub_(tg::ones({3}, tg::kBool)); }),
              HasSubstr("sub_: Subtraction, the `-` operator, with a bool tensor is not supported"));
}

TEST(TensorInplace, EveryOpBumpsTheSharedVersion) {
  tg::Tensor x = tg::zeros({4});
  tg::Tensor view = x.view({2, 2});
  EXPECT_EQ(x.version(), view.version());
  std::uint64_t v = x.version();
  auto bumped = [&] {
    const bool ok = x.version() > v && view.version() == x.version();
    v = x.version();
    return ok;
  };
  x.fill_(1.0);
  EXPECT_TRUE(bumped());
  view.zero_();
  EXPECT_TRUE(bumped());
  x.add_(tg::ones({4}));
  EXPECT_TRUE(bumped());
  x.sub_(1.0);
  EXPECT_TRUE(bumped());
  view.mul_(2.0);
  EXPECT_TRUE(bumped());
  x.copy_(tg::ones({4}));
  EXPECT_TRUE(bumped());
  view.t().zero_();  // the non-contiguous path of zero_
  EXPECT_TRUE(bumped());
}

TEST(TensorInplace, LeafRequiringGradNeedsNoGradGuard) {
  tg::Tensor w = tg::tensor({1.0, 2.0}, tg::requires_grad());
  for (auto op : std::vector<std::function<void()>>{[&] { w.add_(1.0); }, [&] { w.sub_(w.detach()); },
                                                    [&] { w.mul_(2.0); }, [&] { w.fill_(0.0); },
                                                    [&] { w.zero_(); }, [&] { w.copy_(tg::zeros({2})); }}) {
    EXPECT_THAT(error_message(op),
                HasSubstr("a leaf Variable that requires grad is being used in an in-place operation"));
  }
  EXPECT_THAT(values<float>(w), ElementsAre(1, 2));  // nothing was written

  {
    tg::NoGradGuard no_grad;
    w.add_(tg::tensor({0.5, 0.5}));
    w.mul_(2.0);
  }
  EXPECT_THAT(values<float>(w), ElementsAre(3, 5));
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.is_leaf());

  // The gradient of a leaf does not require grad: zeroing it is always allowed.
  (w * w).sum().backward();
  EXPECT_THAT(values<float>(w.grad()), ElementsAre(6, 10));
  w.grad().zero_();
  EXPECT_THAT(values<float>(w.grad()), ElementsAre(0, 0));

  // A detached alias does not require grad and writes through to the leaf.
  w.detach().fill_(1.0);
  EXPECT_THAT(values<float>(w), ElementsAre(1, 1));
}

// As PyTorch, in-place arithmetic on a tensor with history records itself: `x += residual` in a forward.
TEST(TensorInplace, NonLeafInPlaceArithmeticIsRecorded) {
  const tg::Tensor w = tg::tensor({1.0, 2.0}, tg::TensorOptions(tg::kFloat64).requires_grad(true));
  tg::Tensor y = w * 2.0;
  y += 1;         // 2w + 1
  y.mul_(w);      // (2w + 1) w: mul_'s backward needs y's old value, which the write overwrote
  y -= w.pow(2);  // w^2 + w
  y.div_(2.0);    // (w^2 + w) / 2
  EXPECT_THAT(values<double>(y), ElementsAre(1, 3));
  EXPECT_TRUE(y.grad_fn());
  y.sum().backward();
  EXPECT_THAT(values<double>(w.grad()), ElementsAre(1.5, 2.5));  // (2w + 1) / 2

  // A plain tensor accumulating a differentiable value becomes part of the graph.
  tg::Tensor total = tg::zeros({2}, tg::kFloat64);
  total += w * w;
  total.add_(w, 3);
  w.grad().zero_();
  total.sum().backward();
  EXPECT_THAT(values<double>(w.grad()), ElementsAre(5, 7));  // 2w + 3

  // Self on both sides: y.mul_(y) squares, and records no reference cycle (ASan's leak check).
  tg::Tensor square = w * 2.0;
  square.mul_(square);
  w.grad().zero_();
  square.sum().backward();
  EXPECT_THAT(values<double>(w.grad()), ElementsAre(8, 16));  // d/dw (2w)^2 = 8w
  tg::Tensor doubled = w * 1.0;
  doubled.copy_(doubled);
  doubled.add_(doubled);
  w.grad().zero_();
  doubled.sum().backward();
  EXPECT_THAT(values<double>(w.grad()), ElementsAre(2, 2));

  // copy_ records too: only the source gets a gradient, summed over the broadcast.
  tg::Tensor target = tg::zeros({3, 2}, tg::kFloat64);
  target.copy_(w * 10.0);
  w.grad().zero_();
  target.sum().backward();
  EXPECT_THAT(values<double>(w.grad()), ElementsAre(30, 30));

  // Ops without an in-place gradient still refuse and name the out-of-place form.
  const std::string message = error_message([&] { (w * 2.0).sigmoid_(); });
  EXPECT_THAT(
      message,
      HasSubstr("sigmoid_: in-place modification of a tensor computed by MulBackward is not supported"));
  EXPECT_THAT(message, HasSubstr("y = y.sigmoid(...)"));
}

TEST(TensorInplace, ModifyingASavedTensorBreaksBackward) {
  tg::Tensor w = tg::tensor({1.0, 2.0, 3.0}, tg::requires_grad());
  tg::Tensor a = tg::tensor({4.0, 5.0, 6.0});
  tg::Tensor y = (w * a).sum();  // MulBackward saves a to compute dy/dw
  a.mul_(2.0);
  const std::string message = error_message([&] { y.backward(); });
  EXPECT_THAT(message, HasSubstr("modified by an in-place operation"));
  EXPECT_THAT(message, HasSubstr("MulBackward"));
  EXPECT_FALSE(w.grad().defined());

  // A write through a view of the saved tensor is detected too.
  tg::Tensor b = tg::tensor({1.0, 1.0, 1.0});
  tg::Tensor z = (w * b).sum();
  b.view({3, 1}).select(0, 0).fill_(7.0);
  EXPECT_THAT(error_message([&] { z.backward(); }), HasSubstr("modified by an in-place operation"));

  // A saved output (exp saves its result) modified under NoGradGuard.
  tg::Tensor e = w.exp();
  {
    tg::NoGradGuard no_grad;
    e.mul_(2.0);
  }
  EXPECT_THAT(error_message([&] { e.sum().backward(); }), HasSubstr("modified by an in-place operation"));

  // Without the write, the same graph works.
  tg::Tensor c = tg::tensor({4.0, 5.0, 6.0});
  (w * c).sum().backward();
  EXPECT_THAT(values<float>(w.grad()), ElementsAre(4, 5, 6));
}

}  // namespace

TEST(TensorInplace, SourceAliasingTheDestinationIsReadBeforeWriting) {
  // x.copy_(x.t()) must read the whole source before overwriting it.
  tg::Tensor x = tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, tg::kFloat64);
  x.copy_(x.t());
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1, 3, 2, 4}));
  tg::Tensor y = tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, tg::kFloat64);
  y.add_(y.select(0, 0));  // row 0 is both source and destination
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{2, 4, 4, 6}));
}

TEST(TensorInplace, ExpandedViewsAreRejected) {
  tg::Tensor x = tg::zeros({1, 3}).expand({4, 3});
  EXPECT_THROW(x.add_(1.0), tg::Error);
}
