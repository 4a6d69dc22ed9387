// Note [fused batch normalization]
// The input is seen as contiguous [N, C, S] (S = product of the trailing sizes); channel c is N runs of S
// values. Work is split over channels, and each channel's sums run in one fixed order, so the results have
// the same bits for any thread count.
// Forward, per channel: training sums d = x - x[0, c, 0] and d² in double (shifted data: a channel of
// float32 values near 1e4 with unit noise keeps its variance), giving mean and the biased variance; the
// running statistics take the unbiased variance var * M / (M - 1), M = N * S. Evaluation reads mean and
// variance from running_mean and running_var. y = (x - mean) * invstd * weight + bias is formed in double
// and rounded once.
// Backward, per channel, with xhat = (x - mean) * invstd and w = weight (1 if undefined):
//   training:   dx = w * invstd * (g - mean(g) - xhat * mean(g * xhat))
//   evaluation: dx = w * invstd * g                        (the statistics are constants)
//   dweight = sum(g * xhat), dbias = sum(g)
// in two passes (the two channel sums in double, then dx). The node keeps mean and invstd per channel.
// With create_graph the backward is composed of differentiable ops (the batch statistics recomputed from
// x), which gives double backward.
#include <cmath>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/batch_norm.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

constexpr std::string_view kOp = "batch_norm";

struct ChannelGeometry {
  std::int64_t batch = 0;     // N
  std::int64_t channels = 0;  // C
  std::int64_t plane = 0;     // S: product of the sizes after dim 1
  std::int64_t per_channel() const { return batch * plane; }
};

void check_channel_vector(const Tensor& input, const Tensor& vector, std::string_view label) {
  if (!vector.defined()) return;
  check(vector.numel() == input.size(1), kOp, label, " should contain ", input.size(1), " elements not ",
        vector.numel(), " (input of shape ", input.sizes(), ", ", label, " of shape ", vector.sizes(), ")");
  check(vector.dtype() == input.dtype(), kOp, "expected ", label, " to have input's dtype ", input.dtype(),
        ", got ", vector.dtype());
}

ChannelGeometry check_inputs(const Tensor& input, const Tensor& weight, const Tensor& bias,
                             const Tensor& running_mean, const Tensor& running_var, bool training) {
  detail::check_defined(kOp, "input", input);
  detail::check_floating(kOp, "input", input);
  check(input.dim() >= 2, kOp, "expected input of shape [N, C, *] with at least 2 dims, got input of shape ",
        input.sizes());
  check_channel_vector(input, weight, "weight");
  check_channel_vector(input, bias, "bias");
  check_channel_vector(input, running_mean, "running_mean");
  check_channel_vector(input, running_var, "running_var");
  check(training || (running_mean.defined() && running_var.defined()), kOp,
        "running_mean and running_var must be defined in evaluation mode (training=false)");
  check(running_mean.defined() == running_var.defined(), kOp,
        "running_mean and running_var must be both defined or both undefined");
  ChannelGeometry g;
  g.batch = input.size(0);
  g.channels = input.size(1);
  g.plane = 1;
  for (std::int64_t d = 2; d < input.dim(); ++d) g.plane *= input.size(d);
  return g;
}

struct Statistics {
  std::vector<double> mean;    // [C]
  std::vector<double> invstd;  // [C]
};

std::vector<double> as_doubles(const Tensor& t) { return t.detach().contiguous().to_vector<double>(); }

// Channel c's values sit at x + n * C * S + c * S for n in [0, N).
template <class T>
std::pair<double, double> channel_mean_variance(const T* x, const ChannelGeometry& g, std::int64_t c) {
  const std::int64_t stride = g.channels * g.plane;
  const double shift = static_cast<double>(x[c * g.plane]);
  double sum = 0, squares = 0;
  for (std::int64_t n = 0; n < g.batch; ++n) {
    const T* run = x + n * stride + c * g.plane;
#pragma omp simd reduction(+ : sum, squares)
    for (std::int64_t s = 0; s < g.plane; ++s) {
      const double d = static_cast<double>(run[s]) - shift;
      sum += d;
      squares += d * d;
    }
  }
  const double count = static_cast<double>(g.per_channel());
  const double shifted_mean = sum / count;
  return {shift + shifted_mean, std::max(squares / count - shifted_mean * shifted_mean, 0.0)};
}

template <class T>
void normalize_channel(const T* x, T* y, const ChannelGeometry& g, std::int64_t c, double mean, double scale,
                       double shift) {
  const std::int64_t stride = g.channels * g.plane;
  for (std::int64_t n = 0; n < g.batch; ++n) {
    const T* in = x + n * stride + c * g.plane;
    T* out = y + n * stride + c * g.plane;
#pragma omp simd
    for (std::int64_t s = 0; s < g.plane; ++s)
      out[s] = static_cast<T>((static_cast<double>(in[s]) - mean) * scale + shift);
  }
}

// Writes the output and fills stats; in training, also the batch's unbiased variances (for the running
// statistics).
Tensor forward_kernel(const ChannelGeometry& g, const Tensor& input, const Tensor& weight, const Tensor& bias,
                      const Tensor& running_mean, const Tensor& running_var, bool training, double eps,
                      Statistics& stats, std::vector<double>& unbiased_variance) {
  const auto C = static_cast<std::size_t>(g.channels);
  stats.mean.assign(C, 0.0);
  stats.invstd.assign(C, 0.0);
  Tensor out = detail::make_contiguous(input.sizes(), input.dtype(), kOp);
  if (!training) {
    stats.mean = as_doubles(running_mean);
    const std::vector<double> variance = as_doubles(running_var);
    for (std::size_t c = 0; c < C; ++c) stats.invstd[c] = 1.0 / std::sqrt(variance[c] + eps);
  } else {
    unbiased_variance.assign(C, 0.0);
  }
  if (out.numel() == 0) return out;
  const std::vector<double> w = weight.defined() ? as_doubles(weight) : std::vector<double>(C, 1.0);
  const std::vector<double> b = bias.defined() ? as_doubles(bias) : std::vector<double>(C, 0.0);
  const Tensor x = input.detach().contiguous();
  kernels::dispatch_floating(kOp, input.dtype(), [&]<class T>() {
    const T* px = x.data_ptr<T>();
    T* py = out.data_ptr<T>();
    double* means = stats.mean.data();
    double* invstds = stats.invstd.data();
    double* unbiased = unbiased_variance.data();
    const double* pw = w.data();
    const double* pb = b.data();
    const double count = static_cast<double>(g.per_channel());
    kernels::parallel_for(g.channels, x.numel() >= kernels::kParallelThreshold && g.channels > 1,
                          [=, &g](std::int64_t c) {
                            if (training) {
                              const auto [mean, variance] = channel_mean_variance(px, g, c);
                              means[c] = mean;
                              invstds[c] = 1.0 / std::sqrt(variance + eps);
                              // M = 1 gives 0/0 = NaN, as PyTorch.
                              unbiased[c] = variance * count / (count - 1.0);
                            }
                            normalize_channel(px, py, g, c, means[c], invstds[c] * pw[c], pb[c]);
                          });
  });
  return out;
}

// running = (1 - momentum) * running + momentum * batch, written into the caller's tensors.
void update_running_statistics(const Tensor& running_mean, const Tensor& running_var, const Statistics& stats,
                               const std::vector<double>& unbiased_variance, double momentum) {
  NoGradGuard no_grad;
  const auto blend = [momentum](const Tensor& running, const std::vector<double>& batch) {
    std::vector<double> values = as_doubles(running);
    for (std::size_t c = 0; c < values.size(); ++c)
      values[c] = (1.0 - momentum) * values[c] + momentum * batch[c];
    running.copy_(tensor(values, TensorOptions().dtype(kFloat64)).view(running.sizes()));
  };
  blend(running_mean, stats.mean);
  blend(running_var, unbiased_variance);
}

struct FusedGrads {
  Tensor dx, dweight, dbias;
};

FusedGrads backward_kernel(const ChannelGeometry& g, const Statistics& stats, bool training,
                           const Tensor& grad, const Tensor& input, const Tensor& weight, bool want_dx,
                           bool want_dweight, bool want_dbias) {
  const Dtype dtype = input.dtype();
  const Shape channel_shape{g.channels};
  FusedGrads result;
  if (want_dx) result.dx = detail::make_contiguous(input.sizes(), dtype, kOp);
  if (input.numel() == 0) {
    if (want_dweight) result.dweight = zeros(channel_shape, dtype);
    if (want_dbias) result.dbias = zeros(channel_shape, dtype);
    return result;
  }
  const auto C = static_cast<std::size_t>(g.channels);
  const Tensor gc = grad.contiguous(), x = input.detach().contiguous();
  const std::vector<double> w = weight.defined() ? as_doubles(weight) : std::vector<double>(C, 1.0);
  std::vector<double> sum_g(C, 0.0), sum_g_xhat(C, 0.0);
  kernels::dispatch_floating(kOp, dtype, [&]<class T>() {
    const T* pg = gc.data_ptr<T>();
    const T* px = x.data_ptr<T>();
    T* pdx = want_dx ? result.dx.data_ptr<T>() : nullptr;
    const double* means = stats.mean.data();
    const double* invstds = stats.invstd.data();
    const double* pw = w.data();
    double* sums = sum_g.data();
    double* sums_xhat = sum_g_xhat.data();
    const std::int64_t stride = g.channels * g.plane;
    const double count = static_cast<double>(g.per_channel());
    kernels::parallel_for(g.channels, x.numel() >= kernels::kParallelThreshold / 2 && g.channels > 1,
                          [=, &g](std::int64_t c) {
                            const double mean = means[c], invstd = invstds[c];
                            double sum = 0, sum_centered = 0;
                            for (std::int64_t n = 0; n < g.batch; ++n) {
                              const T* gr = pg + n * stride + c * g.plane;
                              const T* xr = px + n * stride + c * g.plane;
#pragma omp simd reduction(+ : sum, sum_centered)
                              for (std::int64_t s = 0; s < g.plane; ++s) {
                                const double gv = static_cast<double>(gr[s]);
                                sum += gv;
                                sum_centered += gv * (static_cast<double>(xr[s]) - mean);
                              }
                            }
                            sums[c] = sum;
                            sums_xhat[c] = sum_centered * invstd;
                            if (pdx == nullptr) return;
                            // dx = k_g * g + k_x * (x - mean) + k_0
                            const double k_g = pw[c] * invstd;
                            const double k_x = training ? -k_g * invstd * sums_xhat[c] / count : 0.0;
                            const double k_0 = training ? -k_g * sum / count : 0.0;
                            for (std::int64_t n = 0; n < g.batch; ++n) {
                              const T* gr = pg + n * stride + c * g.plane;
                              const T* xr = px + n * stride + c * g.plane;
                              T* dr = pdx + n * stride + c * g.plane;
#pragma omp simd
                              for (std::int64_t s = 0; s < g.plane; ++s)
                                dr[s] = static_cast<T>(k_g * static_cast<double>(gr[s]) +
                                                       k_x * (static_cast<double>(xr[s]) - mean) + k_0);
                            }
                          });
  });
  const auto channel_tensor = [&](const std::vector<double>& values) {
    return tensor(values, TensorOptions().dtype(kFloat64)).to(dtype);
  };
  if (want_dweight) result.dweight = channel_tensor(sum_g_xhat);
  if (want_dbias) result.dbias = channel_tensor(sum_g);
  return result;
}

// The backward written with differentiable ops (create_graph); training recomputes the statistics from x.
tensor_list composed_grads(const Tensor& x, const Tensor& weight, const Tensor& grad, const Statistics& stats,
                           bool training, double eps, const Node& node) {
  Shape dims{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  Shape channel_shape(static_cast<std::size_t>(x.dim()), 1);
  channel_shape[1] = x.size(1);
  const auto constant = [&](const std::vector<double>& values) {
    return tensor(values, TensorOptions().dtype(kFloat64)).to(x.dtype()).view(channel_shape);
  };
  Tensor centered, invstd;
  if (training) {
    centered = x - mean(x, dims, /*keepdim=*/true);
    invstd = rsqrt(mean(centered * centered, dims, /*keepdim=*/true) + eps);
  } else {
    centered = x - constant(stats.mean);
    invstd = constant(stats.invstd);
  }
  const Tensor xhat = centered * invstd;
  const Tensor gw = weight.defined() ? grad * weight.view(channel_shape) : grad;
  tensor_list result(3);
  if (node.needs_input_grad(0)) {
    if (training)
      result[0] =
          (gw - mean(gw, dims, /*keepdim=*/true) - xhat * mean(gw * xhat, dims, /*keepdim=*/true)) * invstd;
    else
      result[0] = gw * invstd;
  }
  if (node.needs_input_grad(1)) result[1] = sum(grad * xhat, dims);
  if (node.needs_input_grad(2)) result[2] = sum(grad, dims);
  return result;
}

struct NativeBatchNormBackward final : Node {
  SavedTensor input, weight;
  Statistics stats;
  ChannelGeometry geometry;
  bool training = true;
  double eps = 0;
  std::string_view name() const override { return "NativeBatchNormBackward"; }
  void release_saved() override {
    input.reset();
    weight.reset();
    stats = {};
  }
  tensor_list apply(tensor_list&& grads) override {
    const Tensor x = input.unpack(*this);
    const Tensor w = weight.defined() ? weight.unpack(*this) : Tensor();
    if (GradMode::is_enabled() && x.numel() > 0)
      return composed_grads(x, w, grads[0], stats, training, eps, *this);
    FusedGrads fused = backward_kernel(geometry, stats, training, grads[0], x, w, needs_input_grad(0),
                                       needs_input_grad(1), needs_input_grad(2));
    return {fused.dx, fused.dweight, fused.dbias};
  }
};

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps,
                  bool /*cudnn_enabled*/) {
  const ChannelGeometry g = check_inputs(input, weight, bias, running_mean, running_var, training);
  Statistics stats;
  std::vector<double> unbiased_variance;
  Tensor out = forward_kernel(g, input, weight, bias, running_mean, running_var, training, eps, stats,
                              unbiased_variance);
  // An empty batch leaves the running statistics alone (as PyTorch).
  if (training && running_mean.defined() && g.per_channel() > 0)
    update_running_statistics(running_mean, running_var, stats, unbiased_variance, momentum);
  if (auto* node = record<NativeBatchNormBackward>({input, weight, bias}, {out})) {
    node->input = SavedTensor(input, false);
    if (weight.defined()) node->weight = SavedTensor(weight, false);
    node->stats = std::move(stats);
    node->geometry = g;
    node->training = training;
    node->eps = eps;
  }
  return out;
}

Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                     const Tensor& running_mean, const Tensor& running_var, bool use_input_stats,
                     double momentum, double eps, bool /*cudnn_enabled*/) {
  constexpr std::string_view op = "instance_norm";
  detail::check_defined(op, "input", input);
  check(input.dim() >= 2, op, "expected input of shape [N, C, *] with at least 2 dims, got input of shape ",
        input.sizes());
  for (auto [vector, label] :
       {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}, std::pair{&running_mean, "running_mean"},
        std::pair{&running_var, "running_var"}}) {
    if (!vector->defined()) continue;
    check(vector->numel() == input.size(1), op, label, " should contain ", input.size(1), " elements not ",
          vector->numel(), " (input of shape ", input.sizes(), ", ", label, " of shape ", vector->sizes(),
          ")");
  }
  check(use_input_stats || (running_mean.defined() && running_var.defined()), op,
        "Expected running_mean and running_var to be defined when use_input_stats is false");
  // Each (n, c) is one channel of a batch of one: [1, N * C, *], with the per-channel tensors repeated.
  const std::int64_t batch = input.size(0), channels = input.size(1);
  Shape folded{1, batch * channels};
  for (std::int64_t d = 2; d < input.dim(); ++d) folded.push_back(input.size(d));
  const auto repeated = [&](const Tensor& per_channel) {
    return per_channel.defined()
               ? per_channel.unsqueeze(0).expand({batch, channels}).reshape({batch * channels})
               : Tensor();
  };
  Tensor repeated_mean, repeated_var;
  {
    NoGradGuard no_grad;
    if (running_mean.defined()) repeated_mean = repeated(running_mean).clone();
    if (running_var.defined()) repeated_var = repeated(running_var).clone();
  }
  Tensor out = batch_norm(input.reshape(folded), repeated(weight), repeated(bias), repeated_mean,
                          repeated_var, use_input_stats, momentum, eps);
  if (use_input_stats && running_mean.defined() && input.numel() > 0) {
    // The running statistics take the batch's average of the per-instance updates.
    NoGradGuard no_grad;
    running_mean.copy_(mean(repeated_mean.view({batch, channels}), {0}));
    running_var.copy_(mean(repeated_var.view({batch, channels}), {0}));
  }
  return out.view(input.sizes());
}

}  // namespace tg
