// Optimizer code written the way libtorch users write it, compiled against tapegrad with one line:
// `namespace torch = tg;`. Only torch:: spellings below: options built implicitly from the lr,
// step(closure) returning the loss, param_groups()[i].options() cast to the optimizer's options,
// get_lr/set_lr, add_param_group, state().
#include <gtest/gtest.h>

#include <tapegrad/tapegrad.hpp>

namespace torch = tg;

namespace {

TEST(LibtorchStyleOptim, SgdFromLrAndClosureStep) {
  torch::manual_seed(0);
  torch::nn::Linear model(3, 1);
  auto x = torch::randn({16, 3});
  auto y = x.sum(1, /*keepdim=*/true);

  torch::optim::SGD optimizer(model->parameters(), 0.1);
  auto closure = [&] {
    optimizer.zero_grad();
    auto loss = torch::mse_loss(model->forward(x), y);
    loss.backward();
    return loss;
  };
  const double first = optimizer.step(closure).item<double>();
  double last = first;
  for (int i = 0; i < 200; ++i) last = optimizer.step(closure).item<double>();
  EXPECT_LT(last, first * 1e-3);
  // Without a closure, step() returns an undefined tensor.
  EXPECT_FALSE(optimizer.step().defined());
}

TEST(LibtorchStyleOptim, ParamGroupOptionsCastAndLr) {
  auto w = torch::zeros({2}, torch::requires_grad());
  auto b = torch::zeros({1}, torch::requires_grad());
  torch::optim::SGD optimizer({w}, torch::optim::SGDOptions(0.01).momentum(0.9));
  optimizer.add_param_group(torch::optim::OptimizerParamGroup({b}));
  ASSERT_EQ(optimizer.param_groups().size(), 2u);

  for (auto& group : optimizer.param_groups()) {
    auto& options = static_cast<torch::optim::SGDOptions&>(group.options());
    EXPECT_EQ(options.momentum(), 0.9);
    options.lr(options.lr() * 0.5);
  }
  EXPECT_DOUBLE_EQ(optimizer.param_groups()[1].options().get_lr(), 0.005);
  optimizer.param_groups()[0].options().set_lr(0.3);
  EXPECT_EQ(static_cast<torch::optim::SGDOptions&>(optimizer.param_groups()[0].options()).lr(), 0.3);
  EXPECT_EQ(optimizer.param_groups()[0].params().size(), 1u);
  EXPECT_EQ(optimizer.size(), 2u);

  // state() holds a momentum buffer per parameter once it has been stepped.
  EXPECT_TRUE(optimizer.state().empty());
  w.mutable_grad() = torch::ones({2});
  optimizer.step();
  EXPECT_EQ(optimizer.state().size(), 1u);
  EXPECT_TRUE(torch::allclose(w, torch::full({2}, -0.3)));
}

TEST(LibtorchStyleOptim, AdamDefaultsAndImplicitOptions) {
  auto w = torch::ones({2}, torch::requires_grad());
  torch::optim::Adam adam({w});
  EXPECT_EQ(adam.defaults().get_lr(), 1e-3);
  torch::optim::Adam adam_lr({torch::ones({1}, torch::requires_grad())}, 0.5);
  EXPECT_EQ(adam_lr.param_groups()[0].options().get_lr(), 0.5);
  torch::optim::RMSprop rmsprop({torch::ones({1}, torch::requires_grad())}, 0.25);
  EXPECT_EQ(rmsprop.param_groups()[0].options().get_lr(), 0.25);
}

}  // namespace
