#include <cmath>
#include <type_traits>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/fast_math.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/linear.hpp>
#include <tapegrad/autograd/ops/recurrent.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/split.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

// The fused kernels run one batch row per task, and along the row one loop over the hidden units that
// GCC vectorizes: gate k of unit j in row b sits at b·(gates·H) + k·H + j. The loops carry
// `#pragma GCC ivdep`: they write fresh outputs and only read their inputs, but they use too many pointers
// for GCC's run-time alias checks, and without the pragma stayed scalar (27 ns per LSTM unit, a third of
// the LSTM forward).
template <class Body>
void for_each_row(std::int64_t batch, std::int64_t hidden, const Body& body) {
  kernels::parallel_for(batch, batch * hidden >= kernels::kParallelThreshold / 8, body);
}

// tanh from exp_nonpositive, so the loops vectorize: glibc's tanhf is an opaque call that kept the cell
// loop scalar and took ~40 % of an LSTM forward. tanh|x| = (1 - e) / (1 + e) with e = e^(-2|x|): absolute
// error ~1e-7 for float; double calls the C library (gradcheck stays exact).
template <class T>
T fast_tanh(T x) {
  if constexpr (std::is_same_v<T, double>) {
    return std::tanh(x);
  } else {
    const T e = kernels::fast::exp_nonpositive(T(-2) * std::abs(x));
    return std::copysign((T(1) - e) / (T(1) + e), x);
  }
}

void check_fused_inputs(std::string_view op, const Tensor& input_gates, const Tensor& hidden_gates,
                        const Tensor& state, std::int64_t gates) {
  detail::check_floating(op, "input_gates", input_gates);
  detail::check_floating(op, "hidden_gates", hidden_gates);
  detail::check_floating(op, "state", state);
  check(state.dim() == 2, op, "state must be 2-D [batch, hidden_size], got ", state.sizes());
  const Shape expected{state.size(0), gates * state.size(1)};
  check(input_gates.sizes() == expected && hidden_gates.sizes() == expected, op, "input_gates ",
        input_gates.sizes(), " and hidden_gates ", hidden_gates.sizes(), " must both be ", expected,
        " for a state of shape ", state.sizes());
  check(input_gates.dtype() == state.dtype() && hidden_gates.dtype() == state.dtype(), op,
        "input_gates, hidden_gates and state must have the same dtype, got ", input_gates.dtype(), ", ",
        hidden_gates.dtype(), " and ", state.dtype());
}

// ---- lstm_cell_fused
// Forward with a = input_gates + hidden_gates = (a_i, a_f, a_g, a_o): i, f, o = σ(a_*), g = tanh(a_g),
// c' = f c + i g, h' = o tanh(c'). The workspace keeps (i, f, g, o, tanh c') for the one-pass backward:
// δc = dc' + dh' o (1 - tanh² c'), da_i = δc g i (1 - i), da_f = δc c f (1 - f), da_g = δc i (1 - g²),
// da_o = dh' tanh c' o (1 - o), dc = δc f. Both gate inputs receive da.
struct LstmCellBackward final : Node {
  SavedTensor input_gates, hidden_gates, cx;
  Tensor workspace;  // [batch, 5·hidden], not part of any graph
  std::string_view name() const override { return "LstmCellBackward"; }
  void release_saved() override {
    input_gates.reset();
    hidden_gates.reset();
    cx.reset();
    workspace = Tensor();
  }
  tensor_list apply(tensor_list&& grads) override;
  tensor_list composed(const Tensor& dh, const Tensor& dc);
};

tensor_list LstmCellBackward::apply(tensor_list&& grads) {
  const Tensor& dh = grads[0];
  const Tensor& dc = grads.size() > 1 ? grads[1] : Tensor();
  if (!dh.defined() && !dc.defined()) return tensor_list(3);
  if (GradMode::is_enabled()) return composed(dh, dc);
  const Tensor c = cx.unpack(*this).contiguous();
  const std::int64_t batch = c.size(0), hidden = c.size(1);
  const Tensor dh_c = dh.defined() ? dh.contiguous() : Tensor();
  const Tensor dc_c = dc.defined() ? dc.contiguous() : Tensor();
  Tensor dgates = detail::make_contiguous({batch, 4 * hidden}, c.dtype());
  Tensor dcx = detail::make_contiguous({batch, hidden}, c.dtype());
  kernels::dispatch_floating("lstm_cell_backward", c.dtype(), [&]<class T>() {
    const T* pdh = dh_c.defined() ? dh_c.data_ptr<T>() : nullptr;
    const T* pdc = dc_c.defined() ? dc_c.data_ptr<T>() : nullptr;
    const T* pc = c.data_ptr<T>();
    const T* ws = workspace.data_ptr<T>();
    T* pda = dgates.data_ptr<T>();
    T* pdcx = dcx.data_ptr<T>();
    for_each_row(batch, hidden, [=](std::int64_t b) {
      const std::int64_t H = hidden;
      const T* w = ws + b * 5 * H;
      const T* c_row = pc + b * H;
      const T* dh_row = pdh != nullptr ? pdh + b * H : nullptr;
      const T* dc_row = pdc != nullptr ? pdc + b * H : nullptr;
      T* da = pda + b * 4 * H;
      T* dc_prev = pdcx + b * H;
#pragma GCC ivdep
      for (std::int64_t j = 0; j < H; ++j) {
        const T i = w[j], f = w[H + j], g = w[2 * H + j], o = w[3 * H + j], tanh_c = w[4 * H + j];
        const T dh_j = dh_row != nullptr ? dh_row[j] : T(0);
        const T delta_c = (dc_row != nullptr ? dc_row[j] : T(0)) + dh_j * o * (T(1) - tanh_c * tanh_c);
        da[j] = delta_c * g * i * (T(1) - i);
        da[H + j] = delta_c * c_row[j] * f * (T(1) - f);
        da[2 * H + j] = delta_c * i * (T(1) - g * g);
        da[3 * H + j] = dh_j * tanh_c * o * (T(1) - o);
        dc_prev[j] = delta_c * f;
      }
    });
  });
  return {needs_input_grad(0) ? dgates : Tensor(), needs_input_grad(1) ? dgates : Tensor(),
          needs_input_grad(2) ? dcx : Tensor()};
}

// create_graph: the same formulas from differentiable ops, recomputed from the saved inputs.
tensor_list LstmCellBackward::composed(const Tensor& dh, const Tensor& dc) {
  const Tensor c = cx.unpack(*this);
  const tensor_list a = chunk(input_gates.unpack(*this) + hidden_gates.unpack(*this), 4, 1);
  const Tensor i = sigmoid(a[0]), f = sigmoid(a[1]), g = tanh(a[2]), o = sigmoid(a[3]);
  const Tensor tanh_c = tanh(f * c + i * g);
  Tensor delta_c = dc.defined() ? dc : zeros_like(c);
  if (dh.defined()) delta_c = delta_c + dh * o * (1.0 - tanh_c * tanh_c);
  const Tensor da_o = dh.defined() ? dh * tanh_c * o * (1.0 - o) : zeros_like(c);
  const Tensor dgates =
      cat({delta_c * g * i * (1.0 - i), delta_c * c * f * (1.0 - f), delta_c * i * (1.0 - g * g), da_o}, 1);
  return {needs_input_grad(0) ? dgates : Tensor(), needs_input_grad(1) ? dgates : Tensor(),
          needs_input_grad(2) ? delta_c * f : Tensor()};
}

// ---- gru_cell_fused
// Forward with (r, z, n) gates: r = σ(ar + hr), z = σ(az + hz), n = tanh(an + r hn), h' = (1 - z) n + z h.
// Workspace (r, z, n, hn). Backward: dn = dh' (1 - z), δn = dn (1 - n²), δr = δn hn r (1 - r),
// δz = dh' (h - n) z (1 - z); d input_gates = (δr, δz, δn), d hidden_gates = (δr, δz, δn r), dh = dh' z.
struct GruCellBackward final : Node {
  SavedTensor input_gates, hidden_gates, hx;
  Tensor workspace;  // [batch, 4·hidden]
  std::string_view name() const override { return "GruCellBackward"; }
  void release_saved() override {
    input_gates.reset();
    hidden_gates.reset();
    hx.reset();
    workspace = Tensor();
  }
  tensor_list apply(tensor_list&& grads) override;
  tensor_list composed(const Tensor& dh);
};

tensor_list GruCellBackward::apply(tensor_list&& grads) {
  const Tensor& dh = grads[0];
  if (!dh.defined()) return tensor_list(3);
  if (GradMode::is_enabled()) return composed(dh);
  const Tensor h = hx.unpack(*this).contiguous();
  const std::int64_t batch = h.size(0), hidden = h.size(1);
  const Tensor dh_c = dh.contiguous();
  Tensor d_input = detail::make_contiguous({batch, 3 * hidden}, h.dtype());
  Tensor d_hidden = detail::make_contiguous({batch, 3 * hidden}, h.dtype());
  Tensor d_hx = detail::make_contiguous({batch, hidden}, h.dtype());
  kernels::dispatch_floating("gru_cell_backward", h.dtype(), [&]<class T>() {
    const T* pdh = dh_c.data_ptr<T>();
    const T* ph = h.data_ptr<T>();
    const T* ws = workspace.data_ptr<T>();
    T* pdi = d_input.data_ptr<T>();
    T* pdhg = d_hidden.data_ptr<T>();
    T* pdhx = d_hx.data_ptr<T>();
    for_each_row(batch, hidden, [=](std::int64_t b) {
      const std::int64_t H = hidden;
      const T* w = ws + b * 4 * H;
      const T* dh_row = pdh + b * H;
      const T* h_row = ph + b * H;
      T* di = pdi + b * 3 * H;
      T* dhg = pdhg + b * 3 * H;
      T* dh_prev = pdhx + b * H;
#pragma GCC ivdep
      for (std::int64_t j = 0; j < H; ++j) {
        const T r = w[j], z = w[H + j], n = w[2 * H + j], hn = w[3 * H + j];
        const T delta_n = dh_row[j] * (T(1) - z) * (T(1) - n * n);
        const T delta_r = delta_n * hn * r * (T(1) - r);
        const T delta_z = dh_row[j] * (h_row[j] - n) * z * (T(1) - z);
        di[j] = dhg[j] = delta_r;
        di[H + j] = dhg[H + j] = delta_z;
        di[2 * H + j] = delta_n;
        dhg[2 * H + j] = delta_n * r;
        dh_prev[j] = dh_row[j] * z;
      }
    });
  });
  return {needs_input_grad(0) ? d_input : Tensor(), needs_input_grad(1) ? d_hidden : Tensor(),
          needs_input_grad(2) ? d_hx : Tensor()};
}

tensor_list GruCellBackward::composed(const Tensor& dh) {
  const Tensor h = hx.unpack(*this);
  const tensor_list a = chunk(input_gates.unpack(*this), 3, 1);
  const tensor_list b = chunk(hidden_gates.unpack(*this), 3, 1);
  const Tensor r = sigmoid(a[0] + b[0]), z = sigmoid(a[1] + b[1]), n = tanh(a[2] + r * b[2]);
  const Tensor delta_n = dh * (1.0 - z) * (1.0 - n * n);
  const Tensor delta_r = delta_n * b[2] * r * (1.0 - r);
  const Tensor delta_z = dh * (h - n) * z * (1.0 - z);
  tensor_list result(3);
  if (needs_input_grad(0)) result[0] = cat({delta_r, delta_z, delta_n}, 1);
  if (needs_input_grad(1)) result[1] = cat({delta_r, delta_z, delta_n * r}, 1);
  if (needs_input_grad(2)) result[2] = dh * z;
  return result;
}

// ---- the cells' argument checks (ATen's phrases for input_size, batch and hidden_size mismatches)
struct CellShapes {
  std::int64_t hidden_size;
};

CellShapes check_cell(std::string_view op, const Tensor& input, const tensor_list& states, const Tensor& w_ih,
                      const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh, std::int64_t gates) {
  detail::check_defined(op, "input", input);
  detail::check_defined(op, "w_ih", w_ih);
  detail::check_defined(op, "w_hh", w_hh);
  detail::check_floating(op, "input", input);
  check(input.dim() == 2, op, "input must be 2-D [batch, input_size], got ", input.sizes());
  check(w_ih.dim() == 2 && w_hh.dim() == 2, op, "w_ih and w_hh must be 2-D, got ", w_ih.sizes(), " and ",
        w_hh.sizes());
  check(w_ih.size(0) % gates == 0 && w_ih.size(0) == w_hh.size(0), op, "w_ih ", w_ih.sizes(), " and w_hh ",
        w_hh.sizes(), " must both have ", gates, " * hidden_size rows");
  const std::int64_t hidden_size = w_ih.size(0) / gates;
  check(input.size(1) == w_ih.size(1), op, "input has inconsistent input_size: got ", input.size(1),
        " expected ", w_ih.size(1));
  for (std::size_t k = 0; k < states.size(); ++k) {
    const Tensor& state = states[k];
    detail::check_defined(op, "hx", state);
    check(state.dim() == 2, op, "hidden", k, " must be 2-D [batch, hidden_size], got ", state.sizes());
    check(input.size(0) == state.size(0), op, "Input batch size ", input.size(0), " doesn't match hidden", k,
          " batch size ", state.size(0));
    // An LSTM with projections has h of w_hh's width and c of hidden_size.
    const std::int64_t expected = k == 0 ? w_hh.size(1) : hidden_size;
    check(state.size(1) == expected, op, "hidden", k, " has inconsistent hidden_size: got ", state.size(1),
          ", expected ", expected);
    check(state.dtype() == input.dtype(), op, "hidden", k, " is ", state.dtype(), " but input is ",
          input.dtype());
  }
  for (const Tensor* bias : {&b_ih, &b_hh})
    if (bias->defined())
      check(bias->dim() == 1 && bias->size(0) == w_ih.size(0), op, "biases must have shape [", w_ih.size(0),
            "], got ", bias->sizes());
  return {hidden_size};
}

}  // namespace

std::tuple<Tensor, Tensor> lstm_cell_fused(const Tensor& input_gates, const Tensor& hidden_gates,
                                           const Tensor& cx) {
  check_fused_inputs("lstm_cell", input_gates, hidden_gates, cx, 4);
  const Tensor a = input_gates.detach().contiguous(), b = hidden_gates.detach().contiguous();
  const Tensor c = cx.detach().contiguous();
  const std::int64_t batch = c.size(0), hidden = c.size(1);
  Tensor hy = detail::make_contiguous({batch, hidden}, c.dtype());
  Tensor cy = detail::make_contiguous({batch, hidden}, c.dtype());
  const bool recording = GradMode::is_enabled() &&
                         (input_gates.requires_grad() || hidden_gates.requires_grad() || cx.requires_grad());
  Tensor workspace = recording ? detail::make_contiguous({batch, 5 * hidden}, c.dtype()) : Tensor();
  kernels::dispatch_floating("lstm_cell", c.dtype(), [&]<class T>() {
    const T* pa = a.data_ptr<T>();
    const T* pb = b.data_ptr<T>();
    const T* pc = c.data_ptr<T>();
    T* ph = hy.data_ptr<T>();
    T* pcy = cy.data_ptr<T>();
    T* ws = recording ? workspace.data_ptr<T>() : nullptr;
    for_each_row(batch, hidden, [=](std::int64_t b) {
      const std::int64_t H = hidden;
      const T* x = pa + b * 4 * H;
      const T* y = pb + b * 4 * H;
      const T* c_row = pc + b * H;
      T* h_out = ph + b * H;
      T* c_out = pcy + b * H;
      T* w = ws != nullptr ? ws + b * 5 * H : nullptr;
#pragma GCC ivdep
      for (std::int64_t j = 0; j < H; ++j) {
        const T i = kernels::fast::sigmoid(x[j] + y[j]);
        const T f = kernels::fast::sigmoid(x[H + j] + y[H + j]);
        const T g = fast_tanh(x[2 * H + j] + y[2 * H + j]);
        const T o = kernels::fast::sigmoid(x[3 * H + j] + y[3 * H + j]);
        const T c_next = f * c_row[j] + i * g;
        const T tanh_c = fast_tanh(c_next);
        c_out[j] = c_next;
        h_out[j] = o * tanh_c;
        if (w != nullptr) {
          w[j] = i;
          w[H + j] = f;
          w[2 * H + j] = g;
          w[3 * H + j] = o;
          w[4 * H + j] = tanh_c;
        }
      }
    });
  });
  if (auto* node = record<LstmCellBackward>({input_gates, hidden_gates, cx}, {hy, cy})) {
    node->input_gates = SavedTensor(input_gates, false);
    node->hidden_gates = SavedTensor(hidden_gates, false);
    node->cx = SavedTensor(cx, false);
    node->workspace = std::move(workspace);
  }
  return {hy, cy};
}

Tensor gru_cell_fused(const Tensor& input_gates, const Tensor& hidden_gates, const Tensor& hx) {
  check_fused_inputs("gru_cell", input_gates, hidden_gates, hx, 3);
  const Tensor a = input_gates.detach().contiguous(), b = hidden_gates.detach().contiguous();
  const Tensor h = hx.detach().contiguous();
  const std::int64_t batch = h.size(0), hidden = h.size(1);
  Tensor hy = detail::make_contiguous({batch, hidden}, h.dtype());
  const bool recording = GradMode::is_enabled() &&
                         (input_gates.requires_grad() || hidden_gates.requires_grad() || hx.requires_grad());
  Tensor workspace = recording ? detail::make_contiguous({batch, 4 * hidden}, h.dtype()) : Tensor();
  kernels::dispatch_floating("gru_cell", h.dtype(), [&]<class T>() {
    const T* pa = a.data_ptr<T>();
    const T* pb = b.data_ptr<T>();
    const T* ph = h.data_ptr<T>();
    T* py = hy.data_ptr<T>();
    T* ws = recording ? workspace.data_ptr<T>() : nullptr;
    for_each_row(batch, hidden, [=](std::int64_t b) {
      const std::int64_t H = hidden;
      const T* x = pa + b * 3 * H;
      const T* y = pb + b * 3 * H;
      const T* h_row = ph + b * H;
      T* h_out = py + b * H;
      T* w = ws != nullptr ? ws + b * 4 * H : nullptr;
#pragma GCC ivdep
      for (std::int64_t j = 0; j < H; ++j) {
        const T r = kernels::fast::sigmoid(x[j] + y[j]);
        const T z = kernels::fast::sigmoid(x[H + j] + y[H + j]);
        const T hn = y[2 * H + j];
        const T n = fast_tanh(x[2 * H + j] + r * hn);
        h_out[j] = (T(1) - z) * n + z * h_row[j];
        if (w != nullptr) {
          w[j] = r;
          w[H + j] = z;
          w[2 * H + j] = n;
          w[3 * H + j] = hn;
        }
      }
    });
  });
  if (auto* node = record<GruCellBackward>({input_gates, hidden_gates, hx}, {hy})) {
    node->input_gates = SavedTensor(input_gates, false);
    node->hidden_gates = SavedTensor(hidden_gates, false);
    node->hx = SavedTensor(hx, false);
    node->workspace = std::move(workspace);
  }
  return hy;
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const tensor_list& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  check(hx.size() == 2, "lstm_cell", "hx must hold two tensors {h, c}, got ", hx.size());
  check_cell("lstm_cell", input, hx, w_ih, w_hh, b_ih, b_hh, 4);
  return lstm_cell_fused(linear(input, w_ih, b_ih), linear(hx[0], w_hh, b_hh), hx[1]);
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih, const Tensor& b_hh) {
  check_cell("gru_cell", input, {hx}, w_ih, w_hh, b_ih, b_hh, 3);
  return gru_cell_fused(linear(input, w_ih, b_ih), linear(hx, w_hh, b_hh), hx);
}

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh) {
  check_cell("rnn_tanh_cell", input, {hx}, w_ih, w_hh, b_ih, b_hh, 1);
  return tanh(linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh));
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh) {
  check_cell("rnn_relu_cell", input, {hx}, w_ih, w_hh, b_ih, b_hh, 1);
  return relu(linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh));
}

}  // namespace tg
