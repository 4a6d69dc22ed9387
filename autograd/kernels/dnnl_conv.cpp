#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

#include <tapegrad/autograd/kernels/dnnl_conv.hpp>
#include <tapegrad/autograd/kernels/dnnl_gemm.hpp>
#include <tapegrad/autograd/kernels/dnnl_runtime.hpp>
#include <tapegrad/autograd/kernels/scratch.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>

// Note [oneDNN convolutions]
// im2col + GEMM reached 40-50 % of the FP32 peak on the fashion_cnn shapes (5x5 kernels, 12x12 images,
// batch 64): the patch matrix costs a copy of 25x the input, and per-image GEMMs of 64 x 800 x 64 are
// small for any GEMM. oneDNN's direct JIT convolutions work on blocked layouts (16 channels innermost,
// nChw16c / OIhw16i16o) instead and reach ~75 % (measured in one run on Zen4, fwd + both backwards of
// that layer: 14.7 ms vs 25.4 ms through im2col; libtorch, which uses the same primitives, 13.0 ms).
// Our tensors stay channel-first and contiguous, so each call reorders its operands into the layouts the
// primitive chose (format "any") and its result back; those reorders are a few percent of the work.
//
// - A plan (primitive descriptor, primitive, reorders) is created once per shape, pass and bias and kept in a
// process-wide cache: creating one JIT-compiles kernels (~1 ms).
// - Buffers for the reordered operands and oneDNN's scratchpad come from the caching allocator, so a
//   training loop does not page-fault on them every step (scratchpad_mode::user).
// - Threads: as for oneDNN's GEMMs (Note [oneDNN routing]), the batch is split into one chunk per thread
//   of our pool and each chunk runs a one-thread primitive, so no OpenMP team waits at a barrier for a
//   descheduled partner; the weight gradient sums the chunks' partial gradients in chunk order. A single
//   image runs on one thread too: an OpenMP team (libgomp is not instrumented) also hides its barriers
//   from ThreadSanitizer, which then reports the team's writes as races with our next use of the memory.
// - Declined (the caller falls back to im2col + GEMM): oneDNN off or below its ISA, empty problems, an
//   output size that is not the formula's (the gradient of a transposed convolution with output_padding
//   >= stride), shapes where oneDNN measured slower (input gradient of a layer with few input channels),
//   and anything oneDNN cannot create a primitive for.
namespace tg::kernels {
namespace {

using dnnl::memory;
using Dims = memory::dims;

enum class Pass { forward, backward_data, backward_weights };

std::atomic<std::int64_t> run_count{0};

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::format_tag activation_tag(int spatial_dims) {
  switch (spatial_dims) {
    case 1:
      return memory::format_tag::ncw;
    case 2:
      return memory::format_tag::nchw;
    default:
      return memory::format_tag::ncdhw;
  }
}

memory::format_tag weight_tag(int spatial_dims, bool grouped) {
  switch (spatial_dims) {
    case 1:
      return grouped ? memory::format_tag::goiw : memory::format_tag::oiw;
    case 2:
      return grouped ? memory::format_tag::goihw : memory::format_tag::oihw;
    default:
      return grouped ? memory::format_tag::goidhw : memory::format_tag::oidhw;
  }
}

// oneDNN's dims of a problem over `batch` images.
struct Shapes {
  Dims src, weights, dst, bias, strides, dilates, padding;
};

Shapes shapes_of(const ConvProblem& p, std::int64_t batch) {
  const ConvGeometry& g = p.geometry;
  const std::size_t first = 3 - static_cast<std::size_t>(p.spatial_dims);
  Shapes s;
  s.src = {batch, g.channels};
  s.dst = {batch, p.out_channels};
  if (p.groups == 1)
    s.weights = {p.out_channels, g.channels};
  else
    s.weights = {p.groups, p.out_channels / p.groups, g.channels / p.groups};
  s.bias = {p.out_channels};
  for (std::size_t d = first; d < 3; ++d) {
    s.src.push_back(g.input[d]);
    s.dst.push_back(g.output[d]);
    s.weights.push_back(g.kernel[d]);
    s.strides.push_back(g.stride[d]);
    s.dilates.push_back(g.dilation[d] - 1);  // oneDNN counts the gaps
    s.padding.push_back(g.padding[d]);
  }
  return s;
}

bool is_empty(const ConvProblem& p) {
  const ConvGeometry& g = p.geometry;
  return p.batch <= 0 || p.out_channels <= 0 || p.groups <= 0 || g.channels < p.groups ||
         p.out_channels < p.groups || g.input_numel() <= 0 || g.output_numel() <= 0 || g.kernel_numel() <= 0;
}

// oneDNN checks the usual output-size formula with symmetric padding.
bool output_size_is_formulas(const ConvGeometry& g) {
  for (std::size_t d = 0; d < 3; ++d) {
    const std::int64_t span = g.dilation[d] * (g.kernel[d] - 1) + 1;
    if (g.output[d] != (g.input[d] + 2 * g.padding[d] - span) / g.stride[d] + 1) return false;
  }
  return true;
}

// Measured slower than im2col + GEMM (bench_conv, one run on Zen4, 1 thread): 1x1 convolutions, which
// need no patch matrix (ResNet 1x1 256->64 56x56 N32 fwd+bwd 110 ms vs 138 ms on oneDNN), and the input
// gradient of an ungrouped layer with a handful of input channels, whose blocked layout pads every
// pixel's channels to 16 (fashion_conv1 1->32: 10 ms vs ~1.3 ms).
bool im2col_is_faster(Pass pass, const ConvProblem& p) {
  if (p.geometry.is_pointwise()) return true;
  return pass == Pass::backward_data && p.groups == 1 && p.geometry.channels < 8;
}

// ---- Plans.
using Key = std::array<std::int64_t, 25>;

Key key_of(Pass pass, const ConvProblem& p, std::int64_t batch, bool bias) {
  const ConvGeometry& g = p.geometry;
  Key key{static_cast<std::int64_t>(pass),
          batch,
          g.channels,
          p.out_channels,
          p.groups,
          p.spatial_dims,
          bias ? 1 : 0};
  std::size_t i = 7;
  for (const auto* values : {&g.input, &g.kernel, &g.output, &g.stride, &g.padding, &g.dilation})
    for (std::int64_t v : *values) key[i++] = v;
  return key;
}

// One operand: the user's layout, the one the primitive chose, and the reorder between them.
struct Operand {
  memory::desc user, inner;
  dnnl::primitive reorder;  // empty when the layouts are the same
  bool reordered() const { return user != inner; }
};

Operand input_operand(const memory::desc& user, const memory::desc& inner) {
  Operand op{user, inner, {}};
  if (op.reordered())
    op.reorder = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), user, cpu_engine(), inner));
  return op;
}

Operand output_operand(const memory::desc& user, const memory::desc& inner) {
  Operand op{user, inner, {}};
  if (op.reordered())
    op.reorder = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), inner, cpu_engine(), user));
  return op;
}

struct Plan {
  bool usable = false;
  dnnl::primitive conv;
  int a_arg = 0, b_arg = 0, out_arg = 0;  // DNNL_ARG_* of the two inputs and the output
  Operand a, b, out;
  memory::desc bias, scratchpad;
};

memory::desc any_layout(const Dims& dims) { return {dims, memory::data_type::f32, memory::format_tag::any}; }

dnnl::convolution_forward::primitive_desc forward_descriptor(const Shapes& s, bool bias,
                                                             const dnnl::primitive_attr& attr) {
  using Conv = dnnl::convolution_forward;
  const auto kind = dnnl::prop_kind::forward_training;
  const auto algo = dnnl::algorithm::convolution_direct;
  if (bias) {
    const memory::desc bias_desc(s.bias, memory::data_type::f32, memory::format_tag::x);
    return {Conv::desc(kind, algo, any_layout(s.src), any_layout(s.weights), bias_desc, any_layout(s.dst),
                       s.strides, s.dilates, s.padding, s.padding),
            attr, cpu_engine()};
  }
  return {Conv::desc(kind, algo, any_layout(s.src), any_layout(s.weights), any_layout(s.dst), s.strides,
                     s.dilates, s.padding, s.padding),
          attr, cpu_engine()};
}

// Both backward passes take the same descriptor arguments (the gradient tensors in the forward's places)
// and the forward's descriptor as a hint.
template <class Backward>
typename Backward::primitive_desc backward_descriptor(const Shapes& s, const dnnl::primitive_attr& attr) {
  return {{dnnl::algorithm::convolution_direct, any_layout(s.src), any_layout(s.weights), any_layout(s.dst),
           s.strides, s.dilates, s.padding, s.padding},
          attr,
          cpu_engine(),
          forward_descriptor(s, false, attr)};
}

Plan make_plan(Pass pass, const ConvProblem& p, std::int64_t batch, bool bias) {
  const Shapes s = shapes_of(p, batch);
  const memory::desc src(s.src, memory::data_type::f32, activation_tag(p.spatial_dims));
  const memory::desc dst(s.dst, memory::data_type::f32, activation_tag(p.spatial_dims));
  const memory::desc weights(s.weights, memory::data_type::f32, weight_tag(p.spatial_dims, p.groups > 1));
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl_runtime::OmpThreads scope(1);  // kernels are generated for the thread count they run on
  Plan plan;
  if (pass == Pass::forward) {
    const auto pd = forward_descriptor(s, bias, attr);
    plan.conv = dnnl::convolution_forward(pd);
    plan.a_arg = DNNL_ARG_SRC, plan.b_arg = DNNL_ARG_WEIGHTS, plan.out_arg = DNNL_ARG_DST;
    plan.a = input_operand(src, pd.src_desc());
    plan.b = input_operand(weights, pd.weights_desc());
    plan.out = output_operand(dst, pd.dst_desc());
    if (bias) plan.bias = pd.bias_desc();
    plan.scratchpad = pd.scratchpad_desc();
  } else if (pass == Pass::backward_data) {
    const auto pd = backward_descriptor<dnnl::convolution_backward_data>(s, attr);
    plan.conv = dnnl::convolution_backward_data(pd);
    plan.a_arg = DNNL_ARG_DIFF_DST, plan.b_arg = DNNL_ARG_WEIGHTS, plan.out_arg = DNNL_ARG_DIFF_SRC;
    plan.a = input_operand(dst, pd.diff_dst_desc());
    plan.b = input_operand(weights, pd.weights_desc());
    plan.out = output_operand(src, pd.diff_src_desc());
    plan.scratchpad = pd.scratchpad_desc();
  } else {
    const auto pd = backward_descriptor<dnnl::convolution_backward_weights>(s, attr);
    plan.conv = dnnl::convolution_backward_weights(pd);
    plan.a_arg = DNNL_ARG_SRC, plan.b_arg = DNNL_ARG_DIFF_DST, plan.out_arg = DNNL_ARG_DIFF_WEIGHTS;
    plan.a = input_operand(src, pd.src_desc());
    plan.b = input_operand(dst, pd.diff_dst_desc());
    plan.out = output_operand(weights, pd.diff_weights_desc());
    plan.scratchpad = pd.scratchpad_desc();
  }
  plan.usable = true;
  return plan;
}

// The cache is bounded; a program that cycles through more shapes than this re-creates plans.
constexpr std::size_t kMaxPlans = 256;

std::shared_ptr<const Plan> plan_for(Pass pass, const ConvProblem& p, std::int64_t batch, bool bias) {
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<const Plan>> plans;
  const Key key = key_of(pass, p, batch, bias);
  const std::lock_guard lock(mutex);  // creation under the lock: two threads never compile the same plan
  if (auto found = plans.find(key); found != plans.end()) return found->second;
  auto plan = std::make_shared<Plan>();
  try {
    *plan = make_plan(pass, p, batch, bias);
  } catch (const dnnl::error&) {  // no implementation for this problem: stays unusable
    *plan = Plan{};
  }
  if (plans.size() >= kMaxPlans) plans.clear();
  plans.emplace(key, plan);
  return plan;
}

// ---- Running a plan.
using Buffer = Scratch<std::byte>;

dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

// The operand in the primitive's layout: the user's memory itself, or a reordered copy in `buffer`.
memory prepared_input(const Operand& op, const void* data, const Buffer& buffer, dnnl::stream& stream) {
  memory user(op.user, cpu_engine(), const_cast<void*>(data));
  if (!op.reordered()) return user;
  memory inner(op.inner, cpu_engine(), buffer.data());
  op.reorder.execute(stream, {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, inner}});
  return inner;
}

std::size_t buffer_bytes(const Operand& op) { return op.reordered() ? op.inner.get_size() : 0; }

void execute(const Plan& plan, const void* a, const void* b, const float* bias, void* out) {
  const dnnl_runtime::OmpThreads scope(1);
  dnnl::stream& stream = thread_stream();
  const Buffer a_buffer(buffer_bytes(plan.a)), b_buffer(buffer_bytes(plan.b)),
      out_buffer(buffer_bytes(plan.out));
  const Buffer scratch(plan.scratchpad.get_size());
  const memory a_mem = prepared_input(plan.a, a, a_buffer, stream);
  const memory b_mem = prepared_input(plan.b, b, b_buffer, stream);
  const memory user_out(plan.out.user, cpu_engine(), out);
  const memory out_mem =
      plan.out.reordered() ? memory(plan.out.inner, cpu_engine(), out_buffer.data()) : user_out;
  std::unordered_map<int, memory> args{{plan.a_arg, a_mem}, {plan.b_arg, b_mem}, {plan.out_arg, out_mem}};
  if (scratch.data() != nullptr)
    args.emplace(DNNL_ARG_SCRATCHPAD, memory(plan.scratchpad, cpu_engine(), scratch.data()));
  if (bias != nullptr) args.emplace(DNNL_ARG_BIAS, memory(plan.bias, cpu_engine(), const_cast<float*>(bias)));
  plan.conv.execute(stream, args);
  if (plan.out.reordered())
    plan.out.reorder.execute(stream, {{DNNL_ARG_FROM, out_mem}, {DNNL_ARG_TO, user_out}});
  stream.wait();
}

// Volumes per image of the activations.
std::int64_t src_volume(const ConvProblem& p) { return p.geometry.channels * p.geometry.input_numel(); }
std::int64_t dst_volume(const ConvProblem& p) { return p.out_channels * p.geometry.output_numel(); }

// Runs `pass` over the batch split into chunks (Note [oneDNN convolutions]). a and b are the pass's
// inputs in primitive order; the batch runs along a (and along b for the weight gradient).
bool run(Pass pass, const ConvProblem& p, const float* a, const float* b, const float* bias, float* out) {
  if (!dnnl_gemm_available() || is_empty(p) || !output_size_is_formulas(p.geometry) ||
      im2col_is_faster(pass, p))
    return false;
  dnnl_runtime::prepare();
  const std::int64_t chunks = std::min<std::int64_t>(num_threads(), p.batch);
  std::vector<std::shared_ptr<const Plan>> plans(static_cast<std::size_t>(chunks));
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t images = chunk_begin(p.batch, chunks, c + 1) - chunk_begin(p.batch, chunks, c);
    plans[static_cast<std::size_t>(c)] = plan_for(pass, p, images, bias != nullptr);
    if (!plans[static_cast<std::size_t>(c)]->usable) return false;
  }
  const std::int64_t weight_numel =
      p.out_channels * (p.geometry.channels / p.groups) * p.geometry.kernel_numel();
  const std::int64_t a_volume = pass == Pass::backward_data ? dst_volume(p) : src_volume(p);
  const std::int64_t b_volume = pass == Pass::backward_weights ? dst_volume(p) : 0;  // weights: shared
  const std::int64_t out_volume = pass == Pass::forward ? dst_volume(p) : src_volume(p);
  // The weight gradient of chunk c > 0 goes to partials[c - 1], then is added in chunk order.
  const bool partial_sums = pass == Pass::backward_weights && chunks > 1;
  const Scratch<float> partials(partial_sums ? (chunks - 1) * weight_numel : 0);
  try {
    parallel_chunks(chunks, [&](std::int64_t c) {
      const std::int64_t begin = chunk_begin(p.batch, chunks, c);
      float* target = out;
      if (pass != Pass::backward_weights)
        target = out + begin * out_volume;
      else if (c > 0)
        target = partials.data() + (c - 1) * weight_numel;
      execute(*plans[static_cast<std::size_t>(c)], a + begin * a_volume, b + begin * b_volume, bias, target);
    });
  } catch (const dnnl::error&) {  // the fallback overwrites whatever was written
    return false;
  }
  if (partial_sums) {
    const float* part = partials.data();
    for (std::int64_t c = 1; c < chunks; ++c, part += weight_numel)
      for (std::int64_t i = 0; i < weight_numel; ++i) out[i] += part[i];
  }
  run_count.fetch_add(1, std::memory_order_relaxed);
  dnnl_runtime::log_first_use("float32 convolutions", "convolution primitives");
  return true;
}

}  // namespace

bool dnnl_conv_forward(const ConvProblem& problem, const float* x, const float* w, const float* bias,
                       float* y) {
  return run(Pass::forward, problem, x, w, bias, y);
}

bool dnnl_conv_backward_data(const ConvProblem& problem, const float* dy, const float* w, float* dx) {
  return run(Pass::backward_data, problem, dy, w, nullptr, dx);
}

bool dnnl_conv_backward_weights(const ConvProblem& problem, const float* x, const float* dy, float* dw) {
  return run(Pass::backward_weights, problem, x, dy, nullptr, dw);
}

std::int64_t dnnl_conv_count() { return run_count.load(std::memory_order_relaxed); }

}  // namespace tg::kernels
