#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/fast_math.hpp>
#include <tapegrad/autograd/kernels/gelu.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>

namespace tg::kernels {
namespace {

constexpr double kSqrt2OverPi = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kInvSqrt2Pi = 0.3989422804014327;   // 1 / sqrt(2 pi)
constexpr double kGeluCubic = 0.044715;

// Exact form: y = x Phi(x), dy/dx = Phi(x) + x phi(x).
struct ErfForm {
  template <class T>
  static T value(T x) {
    return x * fast::normal_cdf(x);
  }
  template <class T>
  static T derivative(T x) {
    return fast::normal_cdf(x) + x * (T(kInvSqrt2Pi) * fast::exp_nonpositive(T(-0.5) * x * x));
  }
};

// tanh form, written with 1 + tanh(u) = 2 sigmoid(2u) so that neither tail cancels or overflows:
// y = x s, s = sigmoid(2u), u = sqrt(2/pi) (x + c x^3); dy/dx = s + 2 x s (1 - s) du/dx.
struct TanhForm {
  template <class T>
  static T value(T x) {
    return x * fast::sigmoid(T(2 * kSqrt2OverPi) * (x + T(kGeluCubic) * x * x * x));
  }
  template <class T>
  static T derivative(T x) {
    const T s = fast::sigmoid(T(2 * kSqrt2OverPi) * (x + T(kGeluCubic) * x * x * x));
    const T du = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCubic) * x * x);
    return s + T(2) * x * s * (T(1) - s) * du;
  }
};

template <class Form, class T>
void forward_loop(const T* x, T* y, std::int64_t n) {
  parallel_for(n, n >= kParallelThreshold, [=](std::int64_t i) { y[i] = Form::value(x[i]); });
}

template <class Form, class T>
void backward_loop(const T* grad, const T* x, T* dx, std::int64_t n) {
  parallel_for(n, n >= kParallelThreshold, [=](std::int64_t i) { dx[i] = grad[i] * Form::derivative(x[i]); });
}

}  // namespace

Tensor gelu_forward(const Tensor& x, bool tanh_form) {
  const Tensor input = x.contiguous();
  Tensor out = detail::make_contiguous(x.sizes(), x.dtype());
  dispatch_floating("gelu", x.dtype(), [&]<class T>() {
    if (tanh_form)
      forward_loop<TanhForm>(input.data_ptr<T>(), out.data_ptr<T>(), input.numel());
    else
      forward_loop<ErfForm>(input.data_ptr<T>(), out.data_ptr<T>(), input.numel());
  });
  return out;
}

Tensor gelu_backward(const Tensor& grad, const Tensor& x, bool tanh_form) {
  check(grad.sizes() == x.sizes() && grad.dtype() == x.dtype(), "gelu_backward", "gradient of shape ",
        grad.sizes(), " (", grad.dtype(), ") does not match the input's ", x.sizes(), " (", x.dtype(), ")");
  const Tensor g = grad.contiguous(), input = x.contiguous();
  Tensor out = detail::make_contiguous(x.sizes(), x.dtype());
  dispatch_floating("gelu_backward", x.dtype(), [&]<class T>() {
    if (tanh_form)
      backward_loop<TanhForm>(g.data_ptr<T>(), input.data_ptr<T>(), out.data_ptr<T>(), input.numel());
    else
      backward_loop<ErfForm>(g.data_ptr<T>(), input.data_ptr<T>(), out.data_ptr<T>(), input.numel());
  });
  return out;
}

}  // namespace tg::kernels
