// Run-time ISA dispatch (autograd/kernels/cpu_isa.hpp, isa_loop.hpp): every kernel compiled per level gives
// the same results under each level this CPU supports — plain element-wise loops bit for bit, loops with a
// multiply-add within rounding (with FMA the compiler contracts a * b + c into one rounding, as a
// -march=native build does), reductions within rounding (vector width changes the summation order) — and
// TG_CPU_ISA lowers the level.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using tg::kernels::Isa;

const std::vector<Isa> kLevels = {Isa::baseline, Isa::avx2, Isa::avx512};

// Sizes around the 4-, 8- and 16-lane blocks, and one above kernels::kParallelThreshold.
const std::vector<std::int64_t> kSizes = {0, 1, 3, 7, 8, 15, 16, 17, 33, 255, 1000, 40000};

std::vector<float> values_of(const tg::Tensor& t) {
  const tg::Tensor flat = t.detach().to(tg::kFloat32).contiguous().reshape({-1});
  const float* data = flat.data_ptr<float>();
  return std::vector<float>(data, data + flat.numel());
}

// Runs `compute` at `level`, then puts the level back.
std::vector<std::vector<float>> at_level(Isa level, const std::function<std::vector<tg::Tensor>()>& compute) {
  const Isa saved = tg::kernels::active_isa();
  tg::kernels::set_active_isa(level);
  std::vector<std::vector<float>> results;
  for (const tg::Tensor& t : compute()) results.push_back(values_of(t));
  tg::kernels::set_active_isa(saved);
  return results;
}

class IsaLevel : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (GetParam() > tg::kernels::detected_isa())
      GTEST_SKIP() << "this CPU supports up to " << tg::kernels::isa_name(tg::kernels::detected_isa())
                   << ", not " << tg::kernels::isa_name(GetParam());
  }

  // `compute` at this test's level against the baseline level: bit for bit, or within `relative`; NaN
  // where the baseline has NaN.
  void expect_same_as_baseline(const std::function<std::vector<tg::Tensor>()>& compute, double relative = 0) {
    tg::manual_seed(7);
    const auto expected = at_level(Isa::baseline, compute);
    tg::manual_seed(7);
    const auto actual = at_level(GetParam(), compute);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t r = 0; r < expected.size(); ++r) {
      ASSERT_EQ(actual[r].size(), expected[r].size()) << "result " << r;
      for (std::size_t i = 0; i < expected[r].size(); ++i) {
        if (std::isnan(expected[r][i]))
          ASSERT_TRUE(std::isnan(actual[r][i]))
              << "result " << r << ", element " << i << ": " << actual[r][i];
        else if (relative == 0)
          ASSERT_EQ(actual[r][i], expected[r][i])
              << "result " << r << ", element " << i << " of " << expected[r].size();
        else
          ASSERT_NEAR(actual[r][i], expected[r][i], relative * (1 + std::abs(expected[r][i])))
              << "result " << r << ", element " << i << " of " << expected[r].size();
      }
    }
  }
};

TEST_P(IsaLevel, ElementwiseLoopsMatchBitForBit) {
  for (const std::int64_t n : kSizes) {
    SCOPED_TRACE("n = " + std::to_string(n));
    expect_same_as_baseline([n] {
      const tg::Tensor a = tg::randn({n}), b = tg::randn({n}) + 3;
      const tg::Tensor d = tg::randn({n}, tg::kFloat64);
      return std::vector<tg::Tensor>{a + b,       a * b,       a / b, a - b,
                                     tg::relu(a), tg::sqrt(b), d * d, tg::maximum(a, b)};
    });
  }
}

TEST_P(IsaLevel, ElementwiseMathMatchesWithinRounding) {
  for (const std::int64_t n : kSizes) {
    SCOPED_TRACE("n = " + std::to_string(n));
    expect_same_as_baseline(
        [n] {
          const tg::Tensor a = tg::randn({n}), b = tg::randn({n}) + 3;
          const tg::Tensor d = tg::randn({n}, tg::kFloat64);
          tg::Tensor in_place = a.clone();
          in_place.add_(b, 0.5);
          return std::vector<tg::Tensor>{tg::gelu(a),    tg::gelu(a, "tanh"), tg::exp(a),
                                         tg::sigmoid(a), tg::tanh(a),         in_place,
                                         d * d + d,      tg::exp(d)};
        },
        1e-6);  // gelu's 1 + erf(x / sqrt 2) cancels for x < -2: an ulp of erf is 1e-7 of the result's scale
  }
}

TEST_P(IsaLevel, BroadcastRowsMatchBitForBit) {
  expect_same_as_baseline([] {
    const tg::Tensor x = tg::randn({37, 129}), bias = tg::randn({129}), column = tg::randn({37, 1});
    return std::vector<tg::Tensor>{x + bias, x * column, bias - x, x.t().contiguous() + column.t()};
  });
}

TEST_P(IsaLevel, GradientsOfALayerMatch) {
  expect_same_as_baseline(
      [] {
        const tg::Tensor x = tg::randn({64, 100}), w = tg::randn({10, 100}).requires_grad_(),
                         b = tg::randn({10}).requires_grad_();
        const tg::Tensor target = tg::randint(0, 10, {64});
        const tg::Tensor loss = tg::cross_entropy(tg::relu(tg::linear(x, w, b)), target);
        loss.backward();
        return std::vector<tg::Tensor>{loss, w.grad(), b.grad()};
      },
      1e-5);
}

TEST_P(IsaLevel, ReductionsAndSoftmaxMatchWithinRounding) {
  for (const std::int64_t n : kSizes) {
    SCOPED_TRACE("n = " + std::to_string(n));
    expect_same_as_baseline(
        [n] {
          const tg::Tensor a = tg::randn({n}), rows = tg::randn({3, n}), tall = tg::randn({n, 5});
          return std::vector<tg::Tensor>{
              a.sum(),     rows.sum(1), tall.sum(0), tg::softmax(rows, 1), tg::log_softmax(rows, 1),
              rows.mean(1)};
        },
        1e-5);
  }
}

TEST_P(IsaLevel, CrossEntropyMatchesWithinRounding) {
  for (const std::int64_t classes : {1, 10, 17, 1000}) {
    SCOPED_TRACE("classes = " + std::to_string(classes));
    expect_same_as_baseline(
        [classes] {
          const tg::Tensor logits = (tg::randn({33, classes}) * 4).requires_grad_();
          const tg::Tensor target = tg::randint(0, classes, {33});
          const tg::Tensor loss = tg::cross_entropy(logits, target);
          loss.backward();
          return std::vector<tg::Tensor>{loss, logits.grad()};
        },
        1e-5);
  }
}

TEST_P(IsaLevel, OptimizerUpdatesMatchWithinRounding) {
  for (const std::int64_t n : {1, 17, 40000}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    expect_same_as_baseline(
        [n] {
          std::vector<tg::Tensor> params;
          for (int i = 0; i < 3; ++i) params.push_back(tg::randn({n}).requires_grad_());
          tg::optim::SGD sgd({params[0]},
                             tg::optim::SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.01));
          tg::optim::Adam adam({params[1]}, tg::optim::AdamOptions(0.01).weight_decay(0.1).amsgrad(true));
          tg::optim::AdamW adamw({params[2]}, tg::optim::AdamWOptions(0.01));
          for (int step = 0; step < 3; ++step) {
            for (const tg::Tensor& p : params) (p * p * p).sum().backward();
            sgd.step();
            adam.step();
            adamw.step();
            sgd.zero_grad();
            adam.zero_grad();
            adamw.zero_grad();
          }
          return params;
        },
        1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, IsaLevel, ::testing::ValuesIn(kLevels),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(tg::kernels::isa_name(info.param));
                         });

TEST(CpuIsa, NamesParseBack) {
  for (const Isa level : kLevels) EXPECT_EQ(tg::kernels::parse_isa(tg::kernels::isa_name(level)), level);
  EXPECT_EQ(tg::kernels::parse_isa("x86-64"), Isa::baseline);
  EXPECT_EQ(tg::kernels::parse_isa("avx512f"), Isa::avx512);
  EXPECT_EQ(tg::kernels::parse_isa("AVX2"), std::nullopt);
  EXPECT_EQ(tg::kernels::parse_isa("sse9"), std::nullopt);
}

TEST(CpuIsa, RefusesALevelAboveTheCpu) {
  const Isa detected = tg::kernels::detected_isa();
  if (detected == Isa::avx512) GTEST_SKIP() << "this CPU supports every level";
  const Isa above = detected == Isa::baseline ? Isa::avx2 : Isa::avx512;
  EXPECT_EQ(tg::testing::error_message([&] { tg::kernels::set_active_isa(above); }),
            std::string("set_active_isa: this CPU supports up to ") +
                std::string(tg::kernels::isa_name(detected)) + ", not " +
                std::string(tg::kernels::isa_name(above)));
}

// Child processes: the level is chosen once per process, from TG_CPU_ISA, at the first kernel call.
[[noreturn]] void report_level(const char* wanted) {
  if (wanted != nullptr) setenv("TG_CPU_ISA", wanted, 1);
  setenv("TG_VERBOSE", "1", 1);
  const tg::Tensor sum = tg::ones({4}) + tg::ones({4});  // the first kernel call chooses
  std::fprintf(stderr, "level: %s, sum %g\n",
               std::string(tg::kernels::isa_name(tg::kernels::active_isa())).c_str(), sum[0].item<double>());
  std::exit(0);
}

class CpuIsaEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    unsetenv("TG_CPU_ISA");
  }
  std::string detected = std::string(tg::kernels::isa_name(tg::kernels::detected_isa()));
};

TEST_F(CpuIsaEnvironment, VerboseLogsTheDetectedLevel) {
  EXPECT_EXIT(report_level(nullptr), ::testing::ExitedWithCode(0),
              "^tapegrad: kernels use " + detected + " \\(detected\\)\nlevel: " + detected + ", sum 2\n$");
}

TEST_F(CpuIsaEnvironment, TgCpuIsaLowersTheLevel) {
  EXPECT_EXIT(report_level("baseline"), ::testing::ExitedWithCode(0),
              "tapegrad: kernels use baseline \\(TG_CPU_ISA=baseline, the CPU supports " + detected +
                  "\\)\nlevel: baseline, sum 2\n");
}

TEST_F(CpuIsaEnvironment, UnknownOrUnsupportedLevelKeepsTheDetectedOne) {
  EXPECT_EXIT(
      report_level("sse9"), ::testing::ExitedWithCode(0),
      "TG_CPU_ISA=sse9 is not one of baseline, avx2, avx512; using " + detected + "\n.*level: " + detected);
  if (tg::kernels::detected_isa() != Isa::avx512) {
    EXPECT_EXIT(
        report_level("avx512"), ::testing::ExitedWithCode(0),
        "TG_CPU_ISA=avx512 is not supported by this CPU; using " + detected + "\n.*level: " + detected);
  }
}

}  // namespace
