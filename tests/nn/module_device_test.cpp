// Module::to(device): the libtorch idiom `net->to(device)` runs on the CPU and refuses other devices.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>

#include <tapegrad/tapegrad.hpp>

namespace {

TEST(ModuleDevice, TheLibtorchTrainingPreludeRuns) {
  tg::manual_seed(0);
  tg::Device device(tg::cuda::is_available() ? tg::kCUDA : tg::kCPU);
  tg::nn::Linear net(3, 2);
  net->to(device);
  const tg::Tensor out = net(tg::randn({4, 3}).to(device));
  EXPECT_TRUE(out.device().is_cpu());
  net->to(device, tg::kFloat64);
  EXPECT_EQ(net->weight.dtype(), tg::kFloat64);
  net->to("cpu");
}

TEST(ModuleDevice, OtherDevicesThrow) {
  tg::nn::Linear net(3, 2);
  try {
    net->to(tg::Device(tg::kCUDA, 0));
    ADD_FAILURE() << "expected a tg::Error";
  } catch (const tg::Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("Module::to: tapegrad runs on CPU only"));
  }
  EXPECT_THROW(net->to(tg::kCUDA, tg::kFloat64), tg::Error);
  EXPECT_EQ(net->weight.dtype(), tg::kFloat32);  // unchanged: the device is checked first
}

}  // namespace
