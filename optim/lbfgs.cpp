#include <algorithm>
#include <cmath>
#include <set>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/lbfgs.hpp>

namespace tg::optim {
namespace {

using Vector = std::vector<double>;

double dot(const Vector& a, const Vector& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

double max_abs(const Vector& a) {
  double result = 0;
  for (double value : a) result = std::max(result, std::abs(value));
  return result;
}

double sum_abs(const Vector& a) {
  double sum = 0;
  for (double value : a) sum += std::abs(value);
  return sum;
}

// a += alpha * b
void axpy(Vector& a, double alpha, const Vector& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += alpha * b[i];
}

Vector scaled(const Vector& a, double factor) {
  Vector result(a);
  for (double& value : result) value *= factor;
  return result;
}

// The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to the
// bounds (by default [min(x1, x2), max(x1, x2)]); their midpoint when the cubic has no minimum.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  const auto [low, high] = bounds ? *bounds : (x1 <= x2 ? std::pair{x1, x2} : std::pair{x2, x1});
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (low + high) / 2;
  const double d2 = std::sqrt(d2_square);
  const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                  : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(min_pos, low), high);
}

struct LineSearchResult {
  double loss;
  Vector grad;
  double t;
  std::int64_t evaluations;
};

// One point of the line search: step t, loss, gradient and directional derivative.
struct Point {
  double t, f;
  Vector g;
  double gtd;
};

// PyTorch's _strong_wolfe (after minFunc): bracket a step satisfying the strong Wolfe conditions
// (sufficient decrease c1, curvature c2), then zoom into the bracket by cubic interpolation.
template <class Evaluate>
LineSearchResult strong_wolfe(Evaluate evaluate, const Vector& d, double t, double f, const Vector& g,
                              double gtd, double tolerance_change) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  constexpr int max_ls = 25;
  const double d_norm = max_abs(d);
  Vector g_new;
  double f_new = evaluate(t, g_new);
  std::int64_t evaluations = 1;
  double gtd_new = dot(g_new, d);

  Point prev{0, f, g, gtd};
  std::vector<Point> bracket;
  bool done = false;
  int ls_iter = 0;
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= prev.f)) {
      bracket = {prev, {t, f_new, g_new, gtd_new}};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {{t, f_new, g_new, gtd_new}};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket = {prev, {t, f_new, g_new, gtd_new}};
      break;
    }
    // Extrapolate past t, between 1.01 t and 10 t.
    const double min_step = t + 0.01 * (t - prev.t), max_step = t * 10;
    const double next =
        cubic_interpolate(prev.t, prev.f, prev.gtd, t, f_new, gtd_new, std::pair{min_step, max_step});
    prev = {t, f_new, g_new, gtd_new};
    t = next;
    f_new = evaluate(t, g_new);
    ++evaluations;
    gtd_new = dot(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls) bracket = {{0, f, g, 0}, {t, f_new, g_new, 0}};

  // Zoom: shrink the bracket until a point satisfies the conditions.
  bool insufficient_progress = false;
  std::size_t low = 0, high = 1;
  if (bracket.size() == 2 && bracket[0].f > bracket[1].f) std::swap(low, high);
  while (!done && ls_iter < max_ls) {
    const double lo_t = std::min(bracket[0].t, bracket[1].t), hi_t = std::max(bracket[0].t, bracket[1].t);
    if (std::abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f,
                          bracket[1].gtd);
    // Keep t at least 10% of the bracket away from its ends; move it there if the previous
    // step also made too little progress or t fell outside.
    const double eps = 0.1 * (hi_t - lo_t);
    if (std::min(hi_t - t, t - lo_t) < eps) {
      if (insufficient_progress || t >= hi_t || t <= lo_t) {
        t = std::abs(t - hi_t) < std::abs(t - lo_t) ? hi_t - eps : lo_t + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    f_new = evaluate(t, g_new);
    ++evaluations;
    gtd_new = dot(g_new, d);
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket[low].f) {
      bracket[high] = {t, f_new, g_new, gtd_new};
      low = bracket[0].f <= bracket[1].f ? 0 : 1;
      high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd)
        done = true;
      else if (gtd_new * (bracket[high].t - bracket[low].t) >= 0)
        bracket[high] = bracket[low];
      bracket[low] = {t, f_new, g_new, gtd_new};
    }
  }
  return {bracket[low].f, bracket[low].g, bracket[low].t, evaluations};
}

}  // namespace

void LBFGSOptions::validate() const {
  check(lr_ >= 0, "LBFGS", "Invalid learning rate: ", lr_, " (it must be >= 0)");
  check(max_iter_ > 0, "LBFGS", "Invalid max_iter value: ", max_iter_, " (it must be > 0)");
  check(!max_eval_ || *max_eval_ > 0, "LBFGS", "Invalid max_eval value: ", max_eval_.value_or(0),
        " (it must be > 0)");
  check(tolerance_grad_ >= 0, "LBFGS", "Invalid tolerance_grad value: ", tolerance_grad_,
        " (it must be >= 0)");
  check(tolerance_change_ >= 0, "LBFGS", "Invalid tolerance_change value: ", tolerance_change_,
        " (it must be >= 0)");
  check(history_size_ > 0, "LBFGS", "Invalid history_size value: ", history_size_, " (it must be > 0)");
  check(!line_search_fn_ || *line_search_fn_ == "strong_wolfe", "LBFGS",
        "only 'strong_wolfe' is supported as ", "line_search_fn, got '", line_search_fn_.value_or(""), "'");
}

std::vector<OptimizerOptions::Field> LBFGSOptions::fields() {
  return {{"lr", &lr_},
          {"max_iter", &max_iter_},
          {"tolerance_grad", &tolerance_grad_},
          {"tolerance_change", &tolerance_change_},
          {"history_size", &history_size_}};
}

LBFGS::LBFGS(const tensor_list& params, const LBFGSOptions& defaults)
    : LBFGS(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

LBFGS::LBFGS(const std::vector<OptimizerParamGroup>& param_groups, const LBFGSOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {
  check(this->param_groups().size() == 1, "LBFGS",
        "LBFGS doesn't support per-parameter options (parameter groups); got ", this->param_groups().size(),
        " groups");
}

std::vector<std::string> LBFGS::state_names(const OptimizerOptions&) const { return {}; }

// Everything step() carries from one call to the next.
struct LBFGS::History {
  std::int64_t func_evals = 0, n_iter = 0;
  Vector direction;
  double t = 0;
  std::deque<Vector> old_dirs, old_steps;
  std::deque<double> ro;
  double h_diag = 1;
  std::optional<Vector> prev_flat_grad;
  double prev_loss = 0;
};

namespace {

constexpr std::string_view kHistoryPrefix = "state.0.";

Tensor vector_tensor(const std::vector<double>& values) {
  return tensor(values, {static_cast<std::int64_t>(values.size())}, kFloat64);
}

Tensor rows_tensor(const std::deque<std::vector<double>>& rows, std::size_t width) {
  std::vector<double> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  return tensor(flat, {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(width)}, kFloat64);
}

}  // namespace

std::size_t LBFGS::flat_size() const {
  std::size_t size = 0;
  for (const Tensor& param : param_groups()[0].params()) size += static_cast<std::size_t>(param.numel());
  return size;
}

std::map<std::string, Tensor> LBFGS::state_dict() const {
  std::map<std::string, Tensor> out = Optimizer::state_dict();
  if (func_evals_ == 0 && n_iter_ == 0) return out;  // as PyTorch: no state before the first step
  const auto put = [&](std::string_view name, Tensor value) {
    out[std::string(kHistoryPrefix) + std::string(name)] = std::move(value);
  };
  const std::size_t width = flat_size();
  put("func_evals", scalar_tensor(static_cast<double>(func_evals_), kInt64));
  put("n_iter", scalar_tensor(static_cast<double>(n_iter_), kInt64));
  put("d", vector_tensor(direction_));
  put("t", scalar_tensor(t_, kFloat64));
  put("old_dirs", rows_tensor(old_dirs_, width));
  put("old_stps", rows_tensor(old_steps_, width));
  put("ro", vector_tensor(std::vector<double>(ro_.begin(), ro_.end())));
  put("H_diag", scalar_tensor(h_diag_, kFloat64));
  if (prev_flat_grad_) put("prev_flat_grad", vector_tensor(*prev_flat_grad_));
  put("prev_loss", scalar_tensor(prev_loss_, kFloat64));
  return out;
}

LBFGS::History LBFGS::parse_history(const std::map<std::string, Tensor>& entries,
                                    const std::string& op) const {
  History history;
  if (entries.empty()) return history;
  const auto n = static_cast<std::int64_t>(flat_size());
  const auto get = [&](const std::string& name) -> const Tensor& {
    auto it = entries.find(name);
    check(it != entries.end(), op, "missing key '", kHistoryPrefix, name,
          "' (LBFGS keeps its history under state.0.*)");
    return it->second;
  };
  const auto scalar = [&](const std::string& name) {
    const Tensor& value = get(name);
    check(value.dim() == 0, op, "'", kHistoryPrefix, name, "' must be a 0-d tensor, got shape ",
          value.sizes());
    return value;
  };
  const auto values = [&](const std::string& name, Shape expected) {
    const Tensor& value = get(name);
    check(value.sizes() == expected && value.is_floating_point(), op, "'", kHistoryPrefix, name,
          "' must be a float tensor of shape ", expected, ", got ", value.dtype(), " of shape ",
          value.sizes());
    return value.to(kFloat64).contiguous().to_vector<double>();
  };
  for (const auto& [name, value] : entries) {
    static const std::set<std::string> known = {"func_evals", "n_iter",        "d",  "t",
                                                "old_dirs",   "old_stps",      "ro", "H_diag",
                                                "prev_loss",  "prev_flat_grad"};
    check(known.contains(name), op, "unexpected key '", kHistoryPrefix, name, "' for LBFGS");
    check(value.defined(), op, "the value of '", kHistoryPrefix, name, "' is an undefined tensor");
  }
  history.func_evals = scalar("func_evals").item<std::int64_t>();
  history.n_iter = scalar("n_iter").item<std::int64_t>();
  check(history.func_evals >= 0 && history.n_iter >= 0, op, "func_evals and n_iter must be >= 0, got ",
        history.func_evals, " and ", history.n_iter);
  const std::int64_t direction_size = get("d").numel() == 0 ? 0 : n;
  history.direction = values("d", {direction_size});
  history.t = scalar("t").item<double>();
  history.h_diag = scalar("H_diag").item<double>();
  history.prev_loss = scalar("prev_loss").item<double>();
  const std::int64_t pairs = get("ro").dim() == 1 ? get("ro").size(0) : -1;
  check(pairs >= 0, op, "'", kHistoryPrefix, "ro' must be 1-d, got shape ", get("ro").sizes());
  const Vector ro = values("ro", {pairs});
  history.ro.assign(ro.begin(), ro.end());
  const Vector dirs = values("old_dirs", {pairs, n}), steps = values("old_stps", {pairs, n});
  for (std::int64_t i = 0; i < pairs; ++i) {
    history.old_dirs.emplace_back(dirs.begin() + i * n, dirs.begin() + (i + 1) * n);
    history.old_steps.emplace_back(steps.begin() + i * n, steps.begin() + (i + 1) * n);
  }
  if (entries.contains("prev_flat_grad")) history.prev_flat_grad = values("prev_flat_grad", {n});
  check(history.n_iter == 0 || (history.prev_flat_grad && direction_size == n), op, "after ", history.n_iter,
        " iterations the state needs 'state.0.d' and 'state.0.prev_flat_grad' of ", "shape [", n, "]");
  return history;
}

void LBFGS::load_state_dict(const std::map<std::string, Tensor>& state_dict) {
  const std::string op = "LBFGS.load_state_dict";
  std::map<std::string, Tensor> base, history_entries;
  for (const auto& [key, value] : state_dict) {
    if (key.starts_with(kHistoryPrefix))
      history_entries.emplace(key.substr(kHistoryPrefix.size()), value);
    else
      base.emplace(key, value);
  }
  History history = parse_history(history_entries, op);
  Optimizer::load_state_dict(base);
  func_evals_ = history.func_evals;
  n_iter_ = history.n_iter;
  direction_ = std::move(history.direction);
  t_ = history.t;
  old_dirs_ = std::move(history.old_dirs);
  old_steps_ = std::move(history.old_steps);
  ro_ = std::move(history.ro);
  h_diag_ = history.h_diag;
  prev_flat_grad_ = std::move(history.prev_flat_grad);
  prev_loss_ = history.prev_loss;
}

LBFGS::Vector LBFGS::gather_flat_grad() const {
  Vector flat;
  for (const Tensor& param : param_groups()[0].params()) {
    // A parameter without a gradient counts as a zero gradient.
    if (!param.grad().defined()) {
      flat.insert(flat.end(), static_cast<std::size_t>(param.numel()), 0.0);
      continue;
    }
    const Vector values = param.grad().to_vector<double>();
    flat.insert(flat.end(), values.begin(), values.end());
  }
  return flat;
}

void LBFGS::add_to_params(double step_size, const Vector& direction) {
  std::size_t offset = 0;
  for (const Tensor& param : param_groups()[0].params()) {
    const auto numel = static_cast<std::size_t>(param.numel());
    const Vector slice(direction.begin() + static_cast<std::ptrdiff_t>(offset),
                       direction.begin() + static_cast<std::ptrdiff_t>(offset + numel));
    param.add_(tensor(slice, param.sizes(), kFloat64).to(param.dtype()), step_size);
    offset += numel;
  }
}

tensor_list LBFGS::clone_params() const {
  tensor_list copies;
  for (const Tensor& param : param_groups()[0].params()) copies.push_back(param.clone());
  return copies;
}

void LBFGS::set_params(const tensor_list& values) {
  const tensor_list& params = param_groups()[0].params();
  for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(values[i]);
}

double LBFGS::directional_evaluate(const LossClosure& closure, const tensor_list& origin, double t,
                                   const Vector& direction, Vector& grad) {
  add_to_params(t, direction);
  const double loss = evaluate_closure(closure).item<double>();
  grad = gather_flat_grad();
  set_params(origin);
  return loss;
}

Tensor LBFGS::step(LossClosure closure) {
  check(static_cast<bool>(closure), "LBFGS",
        "step() needs a closure that reevaluates the model and returns the loss");
  NoGradGuard no_grad;
  const auto& options = static_cast<const LBFGSOptions&>(param_groups()[0].options());
  const double lr = options.lr(), tolerance_grad = options.tolerance_grad(),
               tolerance_change = options.tolerance_change();
  const std::int64_t max_iter = options.max_iter(), max_eval = options.max_eval().value_or(max_iter * 5 / 4);
  const auto history_size = static_cast<std::size_t>(options.history_size());

  const Tensor orig_loss = evaluate_closure(closure);
  double loss = orig_loss.item<double>();
  std::int64_t current_evals = 1;
  ++func_evals_;
  Vector flat_grad = gather_flat_grad();
  if (max_abs(flat_grad) <= tolerance_grad) return orig_loss;  // already optimal

  for (std::int64_t iteration = 1; iteration <= max_iter; ++iteration) {
    ++n_iter_;
    if (n_iter_ == 1) {
      // The first direction is steepest descent, with an identity Hessian estimate.
      direction_ = scaled(flat_grad, -1);
      old_dirs_.clear();
      old_steps_.clear();
      ro_.clear();
      h_diag_ = 1;
    } else {
      // Record the last curvature pair (y = change of gradient, s = step) if it is positive.
      Vector y = flat_grad;
      axpy(y, -1, *prev_flat_grad_);
      Vector s = scaled(direction_, t_);
      const double ys = dot(y, s);
      if (ys > 1e-10) {
        if (old_dirs_.size() == history_size) {
          old_dirs_.pop_front();
          old_steps_.pop_front();
          ro_.pop_front();
        }
        h_diag_ = ys / dot(y, y);
        old_dirs_.push_back(std::move(y));
        old_steps_.push_back(std::move(s));
        ro_.push_back(1 / ys);
      }
      // Two-loop recursion: direction = -H * grad with H the L-BFGS inverse Hessian estimate.
      const std::size_t count = old_dirs_.size();
      std::vector<double> alpha(count);
      Vector q = scaled(flat_grad, -1);
      for (std::size_t i = count; i-- > 0;) {
        alpha[i] = dot(old_steps_[i], q) * ro_[i];
        axpy(q, -alpha[i], old_dirs_[i]);
      }
      direction_ = scaled(q, h_diag_);
      for (std::size_t i = 0; i < count; ++i) {
        const double beta = dot(old_dirs_[i], direction_) * ro_[i];
        axpy(direction_, alpha[i] - beta, old_steps_[i]);
      }
    }
    prev_flat_grad_ = flat_grad;
    prev_loss_ = loss;
    // The first step is scaled down by the gradient's 1-norm (the Hessian estimate is still I).
    t_ = n_iter_ == 1 ? std::min(1.0, 1.0 / sum_abs(flat_grad)) * lr : lr;
    const double gtd = dot(flat_grad, direction_);
    if (gtd > -tolerance_change) break;  // not a descent direction

    std::int64_t ls_evals = 0;
    bool optimal = false;
    if (options.line_search_fn()) {
      const tensor_list origin = clone_params();
      const LineSearchResult result = strong_wolfe(
          [&](double t, Vector& grad) { return directional_evaluate(closure, origin, t, direction_, grad); },
          direction_, t_, loss, flat_grad, gtd, tolerance_change);
      loss = result.loss;
      flat_grad = result.grad;
      t_ = result.t;
      ls_evals = result.evaluations;
      add_to_params(t_, direction_);
      optimal = max_abs(flat_grad) <= tolerance_grad;
    } else {
      add_to_params(t_, direction_);
      // The last iteration needs no new gradient: the next step() evaluates the closure anyway.
      if (iteration != max_iter) {
        loss = evaluate_closure(closure).item<double>();
        flat_grad = gather_flat_grad();
        optimal = max_abs(flat_grad) <= tolerance_grad;
        ls_evals = 1;
      }
    }
    current_evals += ls_evals;
    func_evals_ += ls_evals;

    if (iteration == max_iter || current_evals >= max_eval || optimal) break;
    if (max_abs(direction_) * std::abs(t_) <= tolerance_change) break;  // the step is negligible
    if (std::abs(loss - prev_loss_) < tolerance_change) break;          // the loss stalled
  }
  return orig_loss;
}

}  // namespace tg::optim
