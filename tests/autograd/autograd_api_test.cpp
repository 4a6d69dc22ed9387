// libtorch's autograd entry points (Tensor::backward with inputs, autograd::backward/grad) and the
// Tensor methods libtorch programs use under other names (ndimension, data, set_data, hooks, ...).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <type_traits>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using tg::Tensor;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

Tensor leaf(std::initializer_list<double> v) {
  return tg::tensor(v, tg::dtype(tg::kFloat64).requires_grad(true));
}

using tg::testing::error_message;

// ---------------------------------------------------------------- aliases compile as libtorch's

static_assert(std::is_same_v<tg::autograd::Variable, tg::Tensor>);
static_assert(std::is_same_v<tg::autograd::variable_list, std::vector<tg::Tensor>>);
static_assert(std::is_same_v<tg::autograd::tensor_list, tg::tensor_list>);
static_assert(std::is_same_v<decltype(std::declval<Tensor>().register_hook([](const Tensor&) {})), unsigned>);
static_assert(std::is_same_v<decltype(std::declval<Tensor>().set_requires_grad(true)), const Tensor&>);
static_assert(std::is_same_v<decltype(std::declval<Tensor>()._version()), std::int64_t>);

// ---------------------------------------------------------------- backward(inputs=...)

TEST(BackwardInputs, AccumulatesOnlyIntoTheGivenLeaves) {
  Tensor a = leaf({1.0, 2.0});
  Tensor b = leaf({3.0, 4.0});
  Tensor y = (a * b).sum();
  y.backward({}, /*retain_graph=*/true, /*create_graph=*/false, tg::tensor_list{a});
  EXPECT_THAT(values(a.grad()), ElementsAre(3.0, 4.0));
  EXPECT_FALSE(b.grad().defined());
  // A second call accumulates, as backward() always does.
  tg::autograd::backward({y}, {}, std::nullopt, false, {a, b});
  EXPECT_THAT(values(a.grad()), ElementsAre(6.0, 8.0));
  EXPECT_THAT(values(b.grad()), ElementsAre(1.0, 2.0));
}

TEST(BackwardInputs, NonLeafInputGetsItsGradient) {
  // As PyTorch: z = sum((2x)^2), z.backward(inputs=[y]) fills y.grad = 2y and leaves x.grad alone.
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 2.0;
  Tensor z = (y * y).sum();
  z.backward(Tensor(), std::nullopt, false, tg::tensor_list{y});
  EXPECT_THAT(values(y.grad()), ElementsAre(4.0, 8.0));
  EXPECT_FALSE(x.grad().defined());
}

TEST(BackwardInputs, LeafHooksRunAndUnusedInputsAreLeftAlone) {
  Tensor a = leaf({1.0, 2.0});
  Tensor unused = leaf({5.0});
  a.register_hook([](const Tensor& g) { return g * 10.0; });
  (a * a).sum().backward({}, std::nullopt, false, tg::tensor_list{a, unused});
  EXPECT_THAT(values(a.grad()), ElementsAre(20.0, 40.0));
  EXPECT_FALSE(unused.grad().defined());
}

TEST(BackwardInputs, CreateGraphMakesTheAccumulatedGradientDifferentiable) {
  Tensor x = leaf({3.0});
  (x * x * x).sum().backward({}, std::nullopt, /*create_graph=*/true, tg::tensor_list{x});
  ASSERT_TRUE(x.grad().requires_grad());
  EXPECT_THAT(values(x.grad()), ElementsAre(27.0));
  Tensor second = tg::autograd::grad({x.grad().sum()}, {x})[0];  // d(3x^2)/dx = 6x
  EXPECT_THAT(values(second), ElementsAre(18.0));
  x.mutable_grad() = Tensor();  // the create_graph gradient refers back to x: break the cycle (README)
}

TEST(BackwardInputs, Errors) {
  Tensor a = leaf({1.0});
  Tensor y = a * 2.0;
  EXPECT_THAT(error_message([&] { y.backward({}, true, false, tg::tensor_list{}); }),
              HasSubstr("backward: 'inputs' argument to backward cannot be empty"));
  EXPECT_THAT(error_message([&] { y.backward({}, true, false, tg::tensor_list{tg::ones({1})}); }),
              HasSubstr("backward: input 0 does not require grad: One of the differentiated Tensors does not "
                        "require grad"));
}

TEST(AutogradBackward, LibtorchSignatureWithDefaults) {
  Tensor a = leaf({1.0, 2.0});
  Tensor y1 = (a * a).sum();
  Tensor y2 = a * 3.0;
  tg::autograd::variable_list roots{y1, y2};
  tg::autograd::backward(roots, {Tensor(), tg::ones({2}, tg::kFloat64)});
  EXPECT_THAT(values(a.grad()), ElementsAre(2.0 + 3.0, 4.0 + 3.0));
}

TEST(AutogradBackward, NonScalarWithoutGradientUsesPyTorchsPhrase) {
  Tensor y = leaf({1.0, 2.0}) * 2.0;
  const std::string message = error_message([&] { y.backward(); });
  EXPECT_THAT(message, HasSubstr("backward: grad can be implicitly created only for scalar outputs"));
  EXPECT_THAT(message, HasSubstr("MulBackward has shape [2]"));
  EXPECT_THAT(error_message([&] { tg::autograd::grad({y}, {y}); }),
              HasSubstr("grad: grad can be implicitly created only for scalar outputs"));
}

TEST(AutogradGrad, UnusedInputUsesPyTorchsPhrase) {
  Tensor x = leaf({1.0});
  Tensor unused = leaf({2.0, 3.0});
  const std::string message = error_message([&] { tg::autograd::grad({x * 2.0}, {x, unused}); });
  EXPECT_THAT(message,
              HasSubstr("One of the differentiated Tensors appears to not have been used in the graph. "
                        "Set allow_unused=True if this is the desired behavior."));
  EXPECT_THAT(message, HasSubstr("input 1 (shape [2])"));
  tg::autograd::variable_list g = tg::autograd::grad({x * 2.0}, {x, unused}, {}, std::nullopt, false, true);
  EXPECT_THAT(values(g[0]), ElementsAre(2.0));
  EXPECT_FALSE(g[1].defined());
}

// ---------------------------------------------------------------- Tensor aliases

TEST(TensorAliases, MetadataNames) {
  Tensor f = tg::zeros({2, 3}, tg::kFloat32);
  Tensor d = tg::zeros({4}, tg::kFloat64);
  EXPECT_EQ(f.ndimension(), 2);
  EXPECT_EQ(tg::zeros({}).ndimension(), 0);
  EXPECT_EQ(f.scalar_type(), tg::kFloat32);
  EXPECT_EQ(d.scalar_type(), tg::kFloat64);
  EXPECT_EQ(f.element_size(), 4);
  EXPECT_EQ(d.itemsize(), 8u);
  EXPECT_EQ(f.nbytes(), 24u);
  EXPECT_EQ(d.nbytes(), 32u);
  EXPECT_EQ(f.t().nbytes(), 24u);              // a view counts its own elements
  EXPECT_EQ(d.narrow(0, 1, 2).nbytes(), 16u);  // ... not its storage
  EXPECT_EQ(tg::zeros({0, 3}).nbytes(), 0u);
  EXPECT_TRUE(f.is_same(f));
  EXPECT_FALSE(f.is_same(f.detach()));
}

TEST(TensorAliases, RequiresGradSettersAndLeafness) {
  Tensor x = tg::zeros({2}, tg::kFloat64);
  const Tensor& same = x.set_requires_grad(true);
  EXPECT_TRUE(same.is_same(x));
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(x.requires_grad_(false).is_same(x));
  EXPECT_FALSE(x.requires_grad());
  x.requires_grad_();
  Tensor y = x * 2.0;
  Tensor z = tg::tensor_list{y, y * 3.0}[1];
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_EQ(y.output_nr(), 0u);
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward");
  EXPECT_EQ(x.grad_fn(), nullptr);
  EXPECT_THAT(error_message([&] { y.set_requires_grad(false); }),
              HasSubstr("cannot turn off requires_grad of a non-leaf tensor"));
}

TEST(TensorAliases, RetainsGrad) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 2.0;
  EXPECT_FALSE(x.retains_grad());  // leaves keep their gradient anyway: false, as libtorch
  EXPECT_FALSE(y.retains_grad());
  y.retain_grad();
  EXPECT_TRUE(y.retains_grad());
  (y * y).sum().backward();
  EXPECT_THAT(values(y.grad()), ElementsAre(4.0, 8.0));
}

TEST(TensorAliases, DetachInPlace) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 2.0;
  const Tensor& same = y.detach_();
  EXPECT_TRUE(same.is_same(y));
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_leaf());
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_THAT(values(y), ElementsAre(2.0, 4.0));
  // Ops on the detached tensor record nothing.
  EXPECT_FALSE((y * 3.0).requires_grad());
  x.detach_();
  EXPECT_FALSE(x.requires_grad());
  EXPECT_THAT(error_message([&] { tg::Tensor().detach_(); }), HasSubstr("undefined"));
}

TEST(TensorAliases, DataSharesElementsButNotHistoryOrVersion) {
  Tensor x = leaf({1.0, 2.0});
  Tensor d = x.data();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.raw_data(), x.raw_data());
  EXPECT_EQ(d._version(), x._version());
  // As PyTorch's x.data: the write is seen through x, but x's version counter is not bumped, so a
  // graph that saved x still runs backward (with the new values).
  Tensor y = (x * x).sum();
  const std::int64_t version = x._version();
  d.mul_(3.0);
  EXPECT_THAT(values(x), ElementsAre(3.0, 6.0));
  EXPECT_EQ(x._version(), version);
  EXPECT_GT(d._version(), 0);
  y.backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(6.0, 12.0));
  // Copying between aliases is safe (the overlap is detected by memory, not by Storage object).
  Tensor m = tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, tg::kFloat64);
  m.copy_(m.data().t());
  EXPECT_THAT(values(m), ElementsAre(1.0, 3.0, 2.0, 4.0));
}

TEST(TensorAliases, DataOutlivesTheOriginal) {
  Tensor d;
  {
    Tensor x = tg::tensor({5.0, 6.0}, tg::kFloat64);
    d = x.data();
  }
  EXPECT_THAT(values(d), ElementsAre(5.0, 6.0));
}

TEST(TensorAliases, SetDataKeepsAutogradMetadata) {
  Tensor x = leaf({1.0, 2.0});
  x.set_data(tg::tensor({7.0, 8.0, 9.0}, tg::kFloat64));
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(x.is_leaf());
  EXPECT_THAT(values(x), ElementsAre(7.0, 8.0, 9.0));
  (x * x).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(14.0, 16.0, 18.0));
  // The PyTorch idiom p.data = p.data.to(float32).
  Tensor p = leaf({1.5});
  p.set_data(p.data().to(tg::kFloat32));
  EXPECT_EQ(p.dtype(), tg::kFloat32);
  EXPECT_TRUE(p.requires_grad());
  EXPECT_THAT(error_message([&] { p.set_data(tg::zeros({1}, tg::kInt64)); }),
              HasSubstr("set_data: a tensor that requires grad cannot hold int64 data"));
  EXPECT_THAT(error_message([&] { p.set_data(Tensor()); }), HasSubstr("set_data: new_data is an undefined"));
}

TEST(TensorAliases, VersionCountsInPlaceWrites) {
  Tensor x = tg::zeros({3}, tg::kFloat64);
  const std::int64_t v0 = x._version();
  x.add_(1.0);
  x.narrow(0, 0, 1).mul_(2.0);  // through a view
  EXPECT_EQ(x._version(), v0 + 2);
}

// ---------------------------------------------------------------- hook handles

TEST(HookHandles, RemovedLeafHookNoLongerRuns) {
  Tensor x = leaf({1.0, 2.0});
  const unsigned doubling = x.register_hook([](const Tensor& g) { return g * 2.0; });
  int seen = 0;
  const unsigned counting = x.register_hook([&seen](const Tensor&) { ++seen; });
  EXPECT_EQ(doubling, 0u);
  EXPECT_EQ(counting, 1u);
  (x * 1.0).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 2.0));
  x.remove_hook(doubling);
  x.set_grad(Tensor());
  (x * 1.0).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(1.0, 1.0));
  EXPECT_EQ(seen, 2);  // the other handle still works
  EXPECT_EQ(x.register_hook([](const Tensor& g) { return g; }), 2u);
}

TEST(HookHandles, RemovedNonLeafHookNoLongerRuns) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 3.0;
  const unsigned tenfold = y.register_hook([](const Tensor& g) { return g * 10.0; });
  const unsigned plus_one = y.register_hook([](const Tensor& g) { return g + 1.0; });
  EXPECT_EQ(plus_one, 1u);
  y.sum().backward(Tensor(), /*retain_graph=*/true);
  EXPECT_THAT(values(x.grad()), ElementsAre(33.0, 33.0));  // (1 * 10 + 1) * 3
  y.remove_hook(tenfold);
  x.set_grad(Tensor());
  y.sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(6.0, 6.0));  // (1 + 1) * 3
}

TEST(HookHandles, NonLeafHookOutlivesItsTensorHandle) {
  Tensor x = leaf({1.0});
  Tensor z;
  {
    Tensor y = x * 2.0;
    y.register_hook([](const Tensor& g) { return g * 5.0; });
    z = y * 1.0;
  }
  z.sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(10.0));
}

TEST(HookHandles, InvalidHandleThrows) {
  Tensor x = leaf({1.0});
  EXPECT_THAT(error_message([&] { x.remove_hook(0); }),
              HasSubstr("remove_hook: Invalid index, no hook at position 0"));
  Tensor y = x * 2.0;
  y.register_hook([](const Tensor&) {});
  EXPECT_THAT(error_message([&] { y.remove_hook(3); }), HasSubstr("no hook at position 3"));
  EXPECT_THAT(error_message([] { tg::zeros({1}).remove_hook(0); }), HasSubstr("no hook at position 0"));
}

// ---------------------------------------------------------------- a libtorch-style program

namespace torch = tg;

// Written as in libtorch's custom-function docs: variable_list, saved_data, get_saved_variables.
struct LinearFunction : public torch::autograd::Function<LinearFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor input,
                               torch::Tensor weight, double scale) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["scale"] = scale;
    return input.mm(weight.t()) * scale;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const double scale = ctx->saved_data["scale"].toDouble();
    auto grad_output = grad_outputs[0] * scale;
    torch::Tensor grad_input, grad_weight;
    if (ctx->needs_input_grad(0)) grad_input = grad_output.mm(saved[1]);
    if (ctx->needs_input_grad(1)) grad_weight = grad_output.t().mm(saved[0]);
    return {grad_input, grad_weight, torch::Tensor()};
  }
};

TEST(LibtorchStyle, CustomFunctionAndAutogradCalls) {
  torch::Tensor x =
      torch::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, torch::dtype(torch::kFloat64).requires_grad(true));
  torch::Tensor w =
      torch::tensor({0.5, -1.0, 2.0, 1.0}, {2, 2}, torch::dtype(torch::kFloat64).requires_grad(true));
  torch::Tensor y = LinearFunction::apply(x, w, 2.0);
  EXPECT_EQ(y.ndimension(), 2);
  EXPECT_EQ(y.scalar_type(), torch::kDouble);
  torch::autograd::variable_list grads = torch::autograd::grad({y.sum()}, {x, w}, {}, /*retain_graph=*/true);
  EXPECT_THAT(values(grads[0]), ElementsAre(5.0, 0.0, 5.0, 0.0));  // 2 * column sums of w
  EXPECT_THAT(values(grads[1]), ElementsAre(8.0, 12.0, 8.0, 12.0));
  y.sum().backward({}, std::nullopt, false, torch::autograd::variable_list{w});
  EXPECT_FALSE(x.grad().defined());
  EXPECT_THAT(values(w.grad()), ElementsAre(8.0, 12.0, 8.0, 12.0));
}

}  // namespace
