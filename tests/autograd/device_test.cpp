// Devices: tg::Device parsing and printing, TensorOptions::device, Tensor::to/cpu/cuda, tg::cuda queries.
// tapegrad runs on CPU only: CUDA can be named but never used.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <unordered_set>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::HasSubstr;

using tg::testing::error_message;

std::string printed(const auto& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

TEST(Device, FromTypeAndIndex) {
  const tg::Device cpu(tg::kCPU);
  EXPECT_EQ(cpu.type(), tg::DeviceType::CPU);
  EXPECT_EQ(cpu.index(), -1);
  EXPECT_FALSE(cpu.has_index());
  EXPECT_TRUE(cpu.is_cpu());
  EXPECT_FALSE(cpu.is_cuda());
  EXPECT_EQ(cpu.str(), "cpu");

  const tg::Device gpu(tg::kCUDA, 1);
  EXPECT_TRUE(gpu.is_cuda());
  EXPECT_FALSE(gpu.is_cpu());
  EXPECT_TRUE(gpu.has_index());
  EXPECT_EQ(gpu.index(), 1);
  EXPECT_EQ(gpu.str(), "cuda:1");
  EXPECT_EQ(printed(gpu), "cuda:1");
  EXPECT_EQ(printed(tg::kCUDA), "CUDA");
  EXPECT_EQ(tg::DeviceTypeName(tg::kMPS, /*lower_case=*/true), "mps");
}

TEST(Device, ParsesStringsAsPyTorch) {
  EXPECT_EQ(tg::Device("cpu"), tg::Device(tg::kCPU));
  EXPECT_EQ(tg::Device("cpu:0"), tg::Device(tg::kCPU, 0));
  EXPECT_EQ(tg::Device("cuda"), tg::Device(tg::kCUDA));
  EXPECT_EQ(tg::Device("cuda:1"), tg::Device(tg::kCUDA, 1));
  EXPECT_EQ(tg::Device(std::string("cuda:12")).index(), 12);
  EXPECT_EQ(tg::Device("mps").type(), tg::kMPS);
  EXPECT_EQ(tg::Device("meta").type(), tg::kMeta);
  EXPECT_EQ(tg::Device("xla:2"), tg::Device(tg::kXLA, 2));
  EXPECT_NE(tg::Device("cuda:0"), tg::Device("cuda:1"));
  EXPECT_NE(tg::Device("cuda"), tg::Device("cuda:0"));
}

TEST(Device, RejectsMalformedStrings) {
  EXPECT_THAT(
      error_message([] { tg::Device("foo"); }),
      HasSubstr("Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, ort, "
                "xla, lazy, vulkan, mps, meta, hpu, privateuseone device type at start of device "
                "string: foo"));
  EXPECT_THAT(error_message([] { tg::Device("CUDA"); }), HasSubstr("device string: CUDA"));
  for (const char* bad : {"cuda:", "cuda:-1", "cuda:1a", "cuda:01", "cuda:128"})
    EXPECT_THAT(error_message([&] { tg::Device{std::string(bad)}; }),
                HasSubstr(std::string("Invalid device string: '") + bad + "'"));
  EXPECT_THAT(error_message([] { tg::Device(tg::kCPU, 1); }),
              HasSubstr("CPU device index must be -1 or zero, got 1"));
  EXPECT_THAT(error_message([] { tg::Device(tg::kCUDA, -2); }),
              HasSubstr("Device index must be -1 or non-negative, got -2"));
}

TEST(Device, Hashes) {
  std::unordered_set<tg::Device> devices{tg::Device("cpu"), tg::Device("cuda:0"), tg::Device("cuda:1"),
                                         tg::Device("cuda:0")};
  EXPECT_EQ(devices.size(), 3u);
}

TEST(Device, CudaQueriesAnswerForCpuOnly) {
  EXPECT_FALSE(tg::cuda::is_available());
  EXPECT_FALSE(tg::cuda::cudnn_is_available());
  EXPECT_EQ(tg::cuda::device_count(), 0u);
  tg::cuda::manual_seed(1);  // no-ops, as in libtorch without GPUs
  tg::cuda::manual_seed_all(1);
  EXPECT_THAT(error_message([] { tg::cuda::synchronize(); }), HasSubstr("No CUDA GPUs are available"));
}

TEST(Device, TensorsLiveOnTheCpu) {
  const tg::Tensor x = tg::ones({2, 3});
  EXPECT_EQ(x.device(), tg::Device(tg::kCPU));
  EXPECT_EQ(x.device().str(), "cpu");
  EXPECT_TRUE(x.is_cpu());
  EXPECT_FALSE(x.is_cuda());
  EXPECT_EQ(x.options().device(), tg::Device(tg::kCPU));
  EXPECT_EQ(x.options().dtype(), tg::kFloat32);
  EXPECT_THROW(tg::Tensor().device(), tg::Error);
}

TEST(Device, TheLibtorchDevicePickingIdiomRuns) {
  // The opening lines of most libtorch programs.
  tg::Device device(tg::cuda::is_available() ? tg::kCUDA : tg::kCPU);
  tg::Tensor x = tg::randn({4, 3}).to(device);
  EXPECT_TRUE(x.device().is_cpu());
  tg::Tensor w = tg::zeros({3}, tg::TensorOptions().device(device).dtype(tg::kFloat64));
  EXPECT_EQ(w.dtype(), tg::kFloat64);
  EXPECT_EQ(tg::ones({2}, device).dtype(), tg::kFloat32);
  EXPECT_EQ(tg::ones({2}, tg::device(tg::kCPU)).sizes(), tg::Shape({2}));
  EXPECT_EQ(tg::ones({2}, "cpu").numel(), 2);
}

TEST(Device, OptionsCarryTheDevice) {
  const tg::TensorOptions plain;
  EXPECT_FALSE(plain.has_device());
  EXPECT_EQ(plain.device(), tg::Device(tg::kCPU));
  const tg::TensorOptions gpu = tg::TensorOptions().device(tg::kCUDA, 1).dtype(tg::kFloat64);
  EXPECT_TRUE(gpu.has_device());
  EXPECT_EQ(gpu.device(), tg::Device("cuda:1"));
  EXPECT_EQ(gpu.device_index(), 1);
  EXPECT_EQ(gpu.dtype(), tg::kFloat64);
  EXPECT_EQ(tg::device_index(2).device(), tg::Device(tg::kCUDA, 2));
  EXPECT_EQ(tg::TensorOptions(tg::kCUDA).device(), tg::Device(tg::kCUDA));
  EXPECT_EQ(tg::device("cuda:3").device().index(), 3);
}

TEST(Device, CreatingOnCudaThrowsNamingTheFactory) {
  const tg::TensorOptions cuda = tg::device(tg::kCUDA);
  const auto expect_cpu_only = [](auto&& create, const std::string& op) {
    const std::string message = error_message(create);
    EXPECT_THAT(message, HasSubstr(op + ": tapegrad runs on CPU only"));
    EXPECT_THAT(message, HasSubstr("cuda"));
  };
  expect_cpu_only([&] { tg::zeros({2}, cuda); }, "zeros");
  expect_cpu_only([&] { tg::ones({2}, cuda); }, "ones");
  expect_cpu_only([&] { tg::empty({2}, cuda); }, "empty");
  expect_cpu_only([&] { tg::full({2}, 1.0, cuda); }, "full");
  expect_cpu_only([&] { tg::eye(2, cuda); }, "eye");
  expect_cpu_only([&] { tg::arange(3, cuda); }, "arange");
  expect_cpu_only([&] { tg::linspace(0, 1, 3, cuda); }, "linspace");
  expect_cpu_only([&] { tg::rand({2}, cuda); }, "rand");
  expect_cpu_only([&] { tg::randn({2}, cuda); }, "randn");
  expect_cpu_only([&] { tg::randint(0, 3, {2}, tg::device(tg::kCUDA).dtype(tg::kInt64)); }, "randint");
  expect_cpu_only([&] { tg::randperm(3, tg::device(tg::kCUDA).dtype(tg::kInt64)); }, "randperm");
  expect_cpu_only([&] { tg::tensor({1.0, 2.0}, cuda); }, "tensor");
  expect_cpu_only([&] { tg::tensor(std::vector<double>{1.0}, cuda); }, "tensor");
  expect_cpu_only([&] { tg::zeros_like(tg::ones({2}), cuda); }, "zeros_like");
  expect_cpu_only([&] { tg::rand_like(tg::ones({2}), cuda); }, "rand_like");
  expect_cpu_only([&] { tg::zeros({2}, "cuda:1"); }, "zeros");
}

TEST(Device, MovingToCudaThrows) {
  const tg::Tensor x = tg::ones({2});
  EXPECT_THAT(error_message([&] { x.cuda(); }), HasSubstr("cuda: tapegrad runs on CPU only"));
  EXPECT_THAT(error_message([&] { x.to(tg::kCUDA); }), HasSubstr("to: tapegrad runs on CPU only"));
  EXPECT_THAT(error_message([&] { x.to(tg::Device("cuda:0")); }), HasSubstr("device cuda:0"));
  EXPECT_THAT(error_message([&] { x.to(tg::Device(tg::kCUDA), tg::kFloat64); }), HasSubstr("CPU only"));
  EXPECT_THAT(error_message([&] { x.to(tg::kMPS); }), HasSubstr("device mps"));
}

TEST(Device, ToConvertsDtypeAndKeepsTheTensorWhenNothingChanges) {
  const tg::Tensor x = tg::tensor({1.5, -2.0});
  EXPECT_TRUE(x.to(tg::kCPU).is_same(x));
  EXPECT_TRUE(x.cpu().is_same(x));
  EXPECT_TRUE(x.to(tg::kFloat32).is_same(x));
  EXPECT_TRUE(x.to(tg::TensorOptions()).is_same(x));

  const tg::Tensor copied = x.to(tg::kFloat32, /*non_blocking=*/false, /*copy=*/true);
  EXPECT_FALSE(copied.is_same(x));
  EXPECT_NE(tg::detail::impl_of(copied)->storage, tg::detail::impl_of(x)->storage);
  EXPECT_EQ(copied.to_vector<float>(), x.to_vector<float>());

  const tg::Tensor wide = x.to(tg::Device(tg::kCPU), tg::kFloat64);
  EXPECT_EQ(wide.dtype(), tg::kFloat64);
  EXPECT_EQ(wide.to_vector<double>(), (std::vector<double>{1.5, -2.0}));
  EXPECT_EQ(x.to(tg::TensorOptions().dtype(tg::kInt64)).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, -2}));
  EXPECT_EQ(x.to(tg::zeros({1}, tg::kFloat64)).dtype(), tg::kFloat64);
  EXPECT_EQ(x.to("cpu").dtype(), tg::kFloat32);
  EXPECT_THAT(error_message([&] { x.to(tg::requires_grad()); }),
              HasSubstr("to(options) expects unset requires_grad flag"));
}

TEST(Device, ToDtypeStaysDifferentiable) {
  const tg::Tensor x = tg::tensor({1.0, 2.0}, tg::kFloat64).requires_grad_();
  const tg::Device device(tg::kCPU);
  tg::Tensor y = x.to(device, tg::kFloat32);
  EXPECT_EQ(y.grad_fn_name(), "ToCopyBackward");
  (y * y).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2.0, 4.0}));
  EXPECT_EQ(x.grad().dtype(), tg::kFloat64);
}

}  // namespace
