// libFuzzer target: the input bytes are decoded into a small program of tensor factories and ops
// (random dtypes, ranks 0-4, sizes including 0 and sizes whose product overflows int64, broadcast
// pairs, out-of-range dims and indices), optionally followed by backward(). Every call must either
// compute or throw tg::Error: any other exception escapes and libFuzzer reports it, as it reports
// crashes, hangs and ASan/UBSan findings. See fuzz/README.md.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

// Tensors the program computes with stay small (elements and each size), so no input makes the
// fuzzer slow or run out of memory; larger results (an expand to huge sizes is a valid view) are
// only inspected, then dropped.
constexpr std::int64_t kMaxElements = 1 << 12;
constexpr std::int64_t kMaxSize = 64;
constexpr std::size_t kMaxTensors = 8;
constexpr int kMaxSteps = 24;

// TAPEGRAD_FUZZ_TRACE=1 prints each op (its number in one_step's enum) and its operands: for
// reproducing a crash as a unit test.
const bool kTrace = std::getenv("TAPEGRAD_FUZZ_TRACE") != nullptr;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "ops_fuzzer: %s\n", what);
  std::abort();
}

// Sizes a factory call may get: small ones, and ones whose products overflow int64 (or its bytes).
constexpr std::int64_t kHugeSizes[] = {std::int64_t{1} << 31,
                                       std::int64_t{1} << 40,
                                       std::int64_t{1} << 62,
                                       std::numeric_limits<std::int64_t>::max(),
                                       -1,
                                       std::numeric_limits<std::int64_t>::min()};

class Program {
 public:
  explicit Program(FuzzedDataProvider& in) : in_(in) {}

  void run() {
    for (int step = 0; step < kMaxSteps && in_.remaining_bytes() > 0; ++step) {
      try {
        one_step();
      } catch (const tg::Error&) {
        // Bad input is reported by tg::Error: expected. Anything else escapes to libFuzzer.
      }
    }
  }

 private:
  FuzzedDataProvider& in_;
  std::vector<tg::Tensor> pool_;

  tg::Dtype dtype() {
    switch (in_.ConsumeIntegralInRange<int>(0, 2)) {
      case 0:
        return tg::kFloat32;
      case 1:
        return tg::kFloat64;
      default:
        return tg::kInt64;
    }
  }
  std::int64_t small_size() { return in_.ConsumeIntegralInRange<std::int64_t>(0, 5); }
  std::int64_t any_size() {
    if (in_.ConsumeIntegralInRange<int>(0, 7) != 0) return small_size();
    return in_.PickValueInArray(kHugeSizes);
  }
  std::int64_t dim() { return in_.ConsumeIntegralInRange<std::int64_t>(-5, 5); }
  bool flag() { return in_.ConsumeBool(); }
  tg::Shape sizes(bool allow_huge, bool allow_minus_one = false) {
    tg::Shape out(in_.ConsumeIntegralInRange<std::size_t>(0, 4));
    for (auto& s : out)
      s = allow_minus_one && in_.ConsumeIntegralInRange<int>(0, 5) == 0 ? -1
          : allow_huge                                                  ? any_size()
                                                                        : small_size();
    return out;
  }
  double value() {
    switch (in_.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
        return std::numeric_limits<double>::quiet_NaN();
      case 1:
        return std::numeric_limits<double>::infinity();
      case 2:
        return -std::numeric_limits<double>::infinity();
      case 3:
        return in_.ConsumeFloatingPoint<double>();
      default:
        return in_.ConsumeIntegralInRange<int>(-8, 8) / 4.0;
    }
  }

  // A tensor from the pool, or a fresh small one when the pool is empty or the input says so.
  tg::Tensor pick() {
    tg::Tensor t = pool_.empty() || in_.ConsumeIntegralInRange<int>(0, 3) == 0
                       ? make_small()
                       : pool_[in_.ConsumeIntegralInRange<std::size_t>(0, pool_.size() - 1)];
    if (kTrace)
      std::fprintf(stderr, "  operand %s %s strides %s offset %ld\n",
                   std::string(tg::dtype_name(t.dtype())).c_str(), tg::to_string(t.sizes()).c_str(),
                   tg::to_string(t.strides()).c_str(), t.storage_offset());
    return t;
  }
  tg::Tensor pick_index() {
    if (flag()) return pick();
    tg::Shape shape = sizes(false);
    std::vector<std::int64_t> values(static_cast<std::size_t>(tg::shape_numel(shape)));
    for (auto& v : values) v = in_.ConsumeIntegralInRange<std::int64_t>(-6, 6);
    if (!values.empty() && in_.ConsumeIntegralInRange<int>(0, 15) == 0)
      values[0] = in_.ConsumeIntegral<std::int64_t>();
    return tg::tensor(values, shape);
  }

  tg::Tensor make_small() {
    const tg::Dtype type = dtype();
    tg::Shape shape = sizes(false);
    const std::int64_t n = tg::shape_numel(shape);
    tg::Tensor out;
    if (type == tg::kInt64) {
      std::vector<std::int64_t> values(static_cast<std::size_t>(n));
      for (auto& v : values) v = in_.ConsumeIntegralInRange<std::int64_t>(-3, 3);
      out = tg::tensor(values, shape);
    } else {
      std::vector<double> values(static_cast<std::size_t>(n));
      for (auto& v : values) v = value();
      out = tg::tensor(values, shape, type);
      if (flag()) out.requires_grad_(true);
    }
    if (out.dim() >= 2 && flag()) out = out.transpose(0, out.dim() - 1);  // a strided view
    return out;
  }

  // Factories with sizes that may be negative or overflow: must throw tg::Error, never allocate
  // a wrapped-around size. Sizes that fit but are too big to allocate here are not requested.
  void factory() {
    const tg::Dtype type = dtype();
    const tg::Shape shape = sizes(true);
    bool negative = false, overflows = false;
    __int128 product = 1;  // of max(size, 1): what the strides need
    __int128 numel = 1;
    for (std::int64_t s : shape) {
      negative |= s < 0;
      if (s < 0) continue;
      product *= s > 1 ? s : 1;
      numel *= s;
      if (product > std::numeric_limits<std::int64_t>::max()) {
        overflows = true;
        break;
      }
    }
    const bool must_throw =
        negative || overflows ||
        numel * static_cast<__int128>(tg::element_size(type)) > std::numeric_limits<std::int64_t>::max();
    if (!must_throw && numel > kMaxElements) return;
    const int which = in_.ConsumeIntegralInRange<int>(0, 5);
    try {
      tg::Tensor out;
      switch (which) {
        case 0:
          out = tg::zeros(shape, type);
          break;
        case 1:
          out = tg::ones(shape, type);
          break;
        case 2:
          out = tg::full(shape, value(), type);
          break;
        case 3:
          out = tg::empty(shape, type);
          out.zero_();
          break;
        case 4:
          out = tg::is_floating_point(type) ? tg::randn(shape, type) : tg::randint(-3, 3, shape);
          break;
        default:
          out = tg::rand(shape, type);
          break;
      }
      if (must_throw) fail("a factory accepted negative or overflowing sizes");
      keep(out);
    } catch (const tg::Error&) {
      if (!must_throw && which != 5) throw;  // rand of int64 is a dtype error
    }
  }

  void keep(const tg::Tensor& t) {
    if (!t.defined()) fail("an op returned an undefined tensor");
    // Metadata must be consistent for any result, however large.
    if (t.sizes().size() != t.strides().size()) fail("sizes and strides differ in rank");
    for (std::int64_t s : t.sizes())
      if (s < 0) fail("a result has a negative size");
    if (t.numel() > kMaxElements) return;
    // A zero-size result may still have huge sizes ([0, 2^40]); products with it would then ask for
    // terabytes, a valid request that only exhausts memory. Such tensors are not computed with.
    for (std::int64_t s : t.sizes())
      if (s > kMaxSize) return;
    (void)t.contiguous().to_vector<double>();  // reads every element: ASan checks the bounds
    if (pool_.size() < kMaxTensors)
      pool_.push_back(t);
    else
      pool_[in_.ConsumeIntegralInRange<std::size_t>(0, kMaxTensors - 1)] = t;
  }

  void backward() {
    tg::Tensor out = pick();
    if (!out.requires_grad()) return;
    if (out.numel() == 1 && flag())
      out.backward();
    else
      out.backward(flag() ? tg::ones_like(out) : make_small(), /*retain_graph=*/flag());
  }

  void one_step() {
    enum Op {
      kSmall,
      kFactory,
      kAdd,
      kSub,
      kMul,
      kDiv,
      kMatmul,
      kMm,
      kBmm,
      kLinear,
      kUnary,
      kPow,
      kClamp,
      kScalar,
      kSum,
      kSumDims,
      kMean,
      kMeanDims,
      kMax,
      kMaxDim,
      kArgmax,
      kVar,
      kSoftmax,
      kLogSoftmax,
      kReshape,
      kView,
      kFlatten,
      kTranspose,
      kPermute,
      kSqueeze,
      kUnsqueeze,
      kExpand,
      kNarrow,
      kSlice,
      kSelect,
      kCat,
      kStack,
      kIndexSelect,
      kGather,
      kCrossEntropy,
      kNllLoss,
      kMse,
      kBce,
      kTo,
      kInplace,
      kBackward,
      kOpCount
    };
    const int op = in_.ConsumeIntegralInRange<int>(0, kOpCount - 1);
    if (kTrace) std::fprintf(stderr, "op %d\n", op);
    switch (op) {
      case kSmall:
        return keep(make_small());
      case kFactory:
        return factory();
      case kAdd:
        return keep(tg::add(pick(), pick(), flag() ? 1.0 : value()));
      case kSub:
        return keep(tg::sub(pick(), pick()));
      case kMul:
        return keep(tg::mul(pick(), pick()));
      case kDiv:
        return keep(tg::div(pick(), pick()));
      case kMatmul:
        return keep(tg::matmul(pick(), pick()));
      case kMm:
        return keep(tg::mm(pick(), pick()));
      case kBmm:
        return keep(tg::bmm(pick(), pick()));
      case kLinear: {
        tg::Tensor x = pick(), w = pick();
        return keep(flag() ? tg::linear(x, w, pick()) : tg::linear(x, w));
      }
      case kUnary: {
        tg::Tensor x = pick();
        switch (in_.ConsumeIntegralInRange<int>(0, 15)) {
          case 0:
            return keep(tg::neg(x));
          case 1:
            return keep(tg::exp(x));
          case 2:
            return keep(tg::log(x));
          case 3:
            return keep(tg::sqrt(x));
          case 4:
            return keep(tg::abs(x));
          case 5:
            return keep(tg::sign(x));
          case 6:
            return keep(tg::relu(x));
          case 7:
            return keep(tg::sigmoid(x));
          case 8:
            return keep(tg::tanh(x));
          case 9:
            return keep(tg::gelu(x, flag() ? "tanh" : "none"));
          case 10:
            return keep(tg::silu(x));
          case 11:
            return keep(tg::erf(x));
          case 12:
            return keep(tg::leaky_relu(x, value()));
          case 13:
            return keep(tg::clone(x));
          case 14:
            return keep(tg::contiguous(x));
          default:
            return keep(-x);
        }
      }
      case kPow:
        return keep(tg::pow(pick(), value()));
      case kClamp: {
        tg::Tensor x = pick();
        std::optional<double> low, high;
        if (flag()) low = value();
        if (flag()) high = value();
        return keep(tg::clamp(x, low, high));
      }
      case kScalar: {
        tg::Tensor x = pick();
        const double s = value();
        switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
          case 0:
            return keep(x + s);
          case 1:
            return keep(s - x);
          case 2:
            return keep(x * s);
          default:
            return keep(s / x);
        }
      }
      case kSum:
        return keep(tg::sum(pick()));
      case kSumDims: {
        tg::Tensor x = pick();
        return keep(tg::sum(x, sizes(false), flag()));
      }
      case kMean:
        return keep(tg::mean(pick()));
      case kMeanDims: {
        tg::Tensor x = pick();
        return keep(tg::mean(x, {dim()}, flag()));
      }
      case kMax:
        return keep(tg::max(pick()));
      case kMaxDim: {
        tg::Tensor x = pick();
        auto [values, indices] = tg::max(x, dim(), flag());
        keep(indices);
        return keep(values);
      }
      case kArgmax: {
        tg::Tensor x = pick();
        std::optional<std::int64_t> d;
        if (flag()) d = dim();
        return keep(tg::argmax(x, d, flag()));
      }
      case kVar: {
        tg::Tensor x = pick();
        if (flag()) return keep(tg::var(x, flag()));
        return keep(tg::var(x, {dim()}, flag(), flag()));
      }
      case kSoftmax:
        return keep(tg::softmax(pick(), dim()));
      case kLogSoftmax:
        return keep(tg::log_softmax(pick(), dim()));
      case kReshape: {
        tg::Tensor x = pick();
        return keep(tg::reshape(x, sizes(flag(), true)));
      }
      case kView: {
        tg::Tensor x = pick();
        return keep(tg::view(x, sizes(flag(), true)));
      }
      case kFlatten: {
        tg::Tensor x = pick();
        return keep(tg::flatten(x, dim(), dim()));
      }
      case kTranspose: {
        tg::Tensor x = pick();
        return keep(flag() ? tg::transpose(x, dim(), dim()) : tg::t(x));
      }
      case kPermute: {
        tg::Tensor x = pick();
        tg::Shape dims(in_.ConsumeIntegralInRange<std::size_t>(0, 4));
        for (auto& d : dims) d = dim();
        return keep(tg::permute(x, dims));
      }
      case kSqueeze: {
        tg::Tensor x = pick();
        return keep(flag() ? tg::squeeze(x) : tg::squeeze(x, dim()));
      }
      case kUnsqueeze:
        return keep(tg::unsqueeze(pick(), dim()));
      case kExpand: {
        tg::Tensor x = pick();
        return keep(tg::expand(x, sizes(flag(), true)));
      }
      case kNarrow: {
        tg::Tensor x = pick();
        const std::int64_t d = dim(), start = dim(), length = any_size();
        return keep(tg::narrow(x, d, start, length));
      }
      case kSlice: {
        tg::Tensor x = pick();
        const std::int64_t d = dim();
        std::optional<std::int64_t> start, end;
        if (flag()) start = flag() ? dim() : in_.ConsumeIntegral<std::int64_t>();
        if (flag()) end = flag() ? dim() : in_.ConsumeIntegral<std::int64_t>();
        const std::int64_t step = flag() ? in_.ConsumeIntegralInRange<std::int64_t>(-1, 3) : any_size();
        return keep(x.slice(d, start, end, step));
      }
      case kSelect: {
        tg::Tensor x = pick();
        const std::int64_t d = dim();
        return keep(tg::select(x, d, flag() ? dim() : in_.ConsumeIntegral<std::int64_t>()));
      }
      case kCat:
      case kStack: {
        tg::tensor_list parts(in_.ConsumeIntegralInRange<std::size_t>(0, 3));
        for (auto& p : parts) p = pick();
        const std::int64_t d = dim();
        return keep(in_.ConsumeBool() ? tg::cat(parts, d) : tg::stack(parts, d));
      }
      case kIndexSelect: {
        tg::Tensor x = pick();
        const std::int64_t d = dim();
        return keep(tg::index_select(x, d, pick_index()));
      }
      case kGather: {
        tg::Tensor x = pick();
        const std::int64_t d = dim();
        return keep(tg::gather(x, d, pick_index()));
      }
      case kCrossEntropy:
      case kNllLoss: {
        tg::Tensor x = pick();
        tg::Tensor target = pick_index();
        const tg::Reduction reduction = flag() ? tg::kMean : (flag() ? tg::kSum : tg::kNone);
        return keep(in_.ConsumeBool() ? tg::cross_entropy(x, target, reduction)
                                      : tg::nll_loss(x, target, reduction));
      }
      case kMse: {
        tg::Tensor x = pick(), y = pick();
        return keep(tg::mse_loss(x, y, flag() ? tg::kMean : tg::kNone));
      }
      case kBce: {
        tg::Tensor x = pick(), y = pick();
        return keep(tg::binary_cross_entropy_with_logits(x, y, flag() ? tg::kMean : tg::kSum));
      }
      case kTo:
        return keep(pick().to(dtype()));
      case kInplace: {
        tg::Tensor x = pick();
        tg::AutoGradMode grad_mode(flag());  // in-place ops on leaves that require grad need no_grad
        switch (in_.ConsumeIntegralInRange<int>(0, 4)) {
          case 0:
            x.add_(pick(), value());
            break;
          case 1:
            x.mul_(pick());
            break;
          case 2:
            x.fill_(value());
            break;
          case 3:
            x.copy_(pick());
            break;
          default:
            x.zero_();
            break;
        }
        return keep(x);
      }
      default:
        return backward();
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tg::set_num_threads(1);  // deterministic runs; the fuzzer's inputs are far below the threading threshold
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Program(in).run();
  return 0;
}
