// tg::ExpandingArray / ExpandingArrayWithOptionalElem: the size arguments of convolution, pooling and
// adaptive pooling options, with libtorch's conversions (one value repeated, exactly D values, printing).
#include <gtest/gtest.h>
#include <sstream>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

template <class T>
std::string printed(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

TEST(ExpandingArray, OneValueIsRepeatedAndDValuesAreKept) {
  const tg::ExpandingArray<3> single(4);
  EXPECT_EQ(*single, (std::array<std::int64_t, 3>{4, 4, 4}));
  const tg::ExpandingArray<2> listed({2, 5});
  EXPECT_EQ((*listed)[0], 2);
  EXPECT_EQ(listed->at(1), 5);
  const tg::ExpandingArray<2> from_vector(std::vector<std::int64_t>{7, 1});
  const tg::IntArrayRef as_ref = from_vector;
  EXPECT_EQ(as_ref.size(), 2u);
  EXPECT_EQ(as_ref[0], 7);
  EXPECT_EQ(as_ref[1], 1);
  const tg::Shape shape{3, 8};
  const tg::ExpandingArray<2> from_shape{tg::IntArrayRef(shape)};
  EXPECT_EQ((*from_shape)[1], 8);
  const tg::ExpandingArray<2, double> scales(0.5);
  EXPECT_EQ((*scales)[1], 0.5);
}

TEST(ExpandingArray, WrongCountNamesExpectedAndGiven) {
  try {
    tg::ExpandingArray<2> bad({1, 2, 3});
    FAIL() << "three values were accepted for a 2-array: " << printed(bad);
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Expected 2 values, but instead got 3"), std::string::npos)
        << e.what();
  }
}

TEST(ExpandingArray, PrintsOneValueWhenAllEqualElseTheList) {
  EXPECT_EQ(printed(tg::ExpandingArray<2>(3)), "3");
  EXPECT_EQ(printed(tg::ExpandingArray<3>({1, 2, 3})), "[1, 2, 3]");
}

TEST(ExpandingArrayWithOptionalElem, NulloptKeepsAnElementOpen) {
  const tg::ExpandingArrayWithOptionalElem<2> both(5);
  EXPECT_EQ((*both)[0], 5);
  EXPECT_EQ((*both)[1], 5);
  const tg::ExpandingArrayWithOptionalElem<2> open({std::nullopt, std::optional<std::int64_t>(7)});
  EXPECT_FALSE((*open)[0].has_value());
  EXPECT_EQ((*open)[1], 7);
  const tg::ExpandingArrayWithOptionalElem<2> plain({3, 4});
  EXPECT_EQ((*plain)[0], 3);
  EXPECT_EQ((*plain)[1], 4);
  EXPECT_EQ(printed(open), "[None, 7]");
  EXPECT_EQ(printed(both), "5");
}

}  // namespace
