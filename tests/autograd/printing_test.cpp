// operator<< for tensors leaves the caller's stream formatting as it was, and ignores it while printing.
#include <gtest/gtest.h>
#include <iomanip>
#include <sstream>
#include <string>

#include <tapegrad/tapegrad.hpp>

namespace {

TEST(TensorPrintStream, RestoresFixedAndPrecision) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2);
  out << tg::tensor({1.0, 2.5}) << ' ' << 3.14159;
  EXPECT_EQ(out.str(), "tensor([1.0000, 2.5000], shape=[2], dtype=float32) 3.14");
  EXPECT_TRUE(out.flags() & std::ios_base::fixed);
  EXPECT_EQ(out.precision(), 2);
}

TEST(TensorPrintStream, RestoresDefaultFloatAndScientific) {
  std::ostringstream plain;
  plain << tg::tensor({0.5}) << ' ' << 1234567.0;
  EXPECT_EQ(plain.str(), "tensor([0.5000], shape=[1], dtype=float32) 1.23457e+06");
  EXPECT_EQ(plain.precision(), 6);

  std::ostringstream scientific;
  scientific << std::scientific << std::setprecision(1);
  scientific << tg::tensor(0.25, tg::kFloat64) << ' ' << 1500.0;
  EXPECT_EQ(scientific.str(), "tensor(0.2500, shape=[], dtype=float64) 1.5e+03");
}

TEST(TensorPrintStream, CallersIntegerBaseAndFillDoNotLeakIn) {
  std::ostringstream out;
  out << std::hex << std::showbase << std::setfill('*');
  out << tg::tensor({10, 255}) << ' ' << 255;
  EXPECT_EQ(out.str(), "tensor([10, 255], shape=[2], dtype=int64) 0xff");
  EXPECT_EQ(out.fill(), '*');
}

TEST(TensorPrintStream, GradFnAndRequiresGradStillPrint) {
  const tg::Tensor w = tg::tensor({1.0}, tg::requires_grad());
  std::ostringstream out;
  out << std::setprecision(3) << w << ' ' << (w * 2.0) << ' ' << 0.123456;
  EXPECT_EQ(out.str(),
            "tensor([1.0000], shape=[1], dtype=float32, requires_grad=true) "
            "tensor([2.0000], shape=[1], dtype=float32, grad_fn=<MulBackward>) 0.123");
}

}  // namespace
