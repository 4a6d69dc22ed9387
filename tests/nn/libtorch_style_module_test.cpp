// A libtorch C++ frontend program, written as libtorch users write it: it compiles against tapegrad
// after `namespace torch = tg;` and TORCH_MODULE -> TG_MODULE (the only two edits).
#include <gtest/gtest.h>
#include <sstream>

#include <tapegrad/tapegrad.hpp>

namespace torch = tg;
#define TORCH_MODULE TG_MODULE

namespace {

struct BlockImpl : torch::nn::Cloneable<BlockImpl> {
  explicit BlockImpl(int64_t width) : width(width) { reset(); }
  void reset() override {
    fc = register_module("fc", torch::nn::Linear(torch::nn::LinearOptions(width, width).bias(false)));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-6)));
    scale = register_parameter("scale", torch::ones({width}));
    register_buffer("steps", torch::zeros({1}));
  }
  torch::Tensor forward(const torch::Tensor& x) { return norm(x + fc(x)) * scale; }
  int64_t width;
  torch::nn::Linear fc{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::Tensor scale;
};
TORCH_MODULE(Block);

struct NetImpl : torch::nn::Cloneable<NetImpl> {
  NetImpl() { reset(); }
  void reset() override {
    embed = register_module("embed", torch::nn::Embedding(torch::nn::EmbeddingOptions(10, 4).padding_idx(0)));
    blocks = register_module("blocks", torch::nn::ModuleList(Block(4), Block(4)));
    heads = register_module(
        "heads",
        torch::nn::ModuleDict(std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>>{
            {"class", torch::nn::Linear(4, 3).ptr()}, {"score", torch::nn::Linear(4, 1).ptr()}}));
    act = register_module("act", torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)));
    drop = register_module("drop", torch::nn::Dropout(torch::nn::DropoutOptions(0.1)));
  }
  torch::Tensor forward(const torch::Tensor& tokens) {
    auto x = embed(tokens).mean({1});
    for (const auto& block : *blocks) x = block->as<Block>()->forward(x);
    x = drop(act(x));
    return heads->at<torch::nn::LinearImpl>("class").forward(x);
  }
  torch::nn::Embedding embed{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::ModuleDict heads{nullptr};
  torch::nn::LeakyReLU act{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(Net);

torch::Tensor tokens() { return torch::tensor(std::vector<int64_t>{1, 2, 3, 0, 4, 5}, {2, 3}); }

TEST(LibtorchStyleModule, NetBuildsRunsAndNamesItsModules) {
  Net net;
  EXPECT_EQ(net->forward(tokens()).sizes(), (torch::Shape{2, 3}));
  std::vector<std::string> names;
  for (const auto& item : net->named_modules()) names.push_back(item.key());
  EXPECT_EQ(names, (std::vector<std::string>{"", "embed", "blocks", "blocks.0", "blocks.0.fc",
                                             "blocks.0.norm", "blocks.1", "blocks.1.fc", "blocks.1.norm",
                                             "heads", "heads.class", "heads.score", "act", "drop"}));
  EXPECT_EQ(net->named_modules("net", /*include_self=*/false).keys().front(), "net.embed");
  EXPECT_EQ(net->children().size(), 5u);
  EXPECT_EQ(net->named_children().keys().back(), "drop");
  EXPECT_EQ(net->modules(/*include_self=*/false).size(), 13u);
  EXPECT_EQ(net->parameters().size(), 1u + 2 * 4 + 4);
  EXPECT_EQ(net->named_parameters().keys()[1], "blocks.0.scale");
  EXPECT_EQ(net->buffers().size(), 2u);
  EXPECT_TRUE(net->is_serializable());
  EXPECT_FALSE(torch::nn::Functional(torch::relu)->is_serializable());
}

TEST(LibtorchStyleModule, ApplyVisitsEveryModuleInEachForm) {
  Net net;
  int count = 0;
  net->apply([&count](torch::nn::Module&) { ++count; });
  EXPECT_EQ(count, 14);
  std::vector<std::string> linear_names;
  net->apply([&](const std::string& name, torch::nn::Module& module) {
    if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(&module)) {
      torch::NoGradGuard no_grad;
      linear->weight.fill_(0.5);
      linear_names.push_back(name);
    }
  });
  EXPECT_EQ(linear_names,
            (std::vector<std::string>{"blocks.0.fc", "blocks.1.fc", "heads.class", "heads.score"}));
  EXPECT_EQ(net->heads->at<torch::nn::LinearImpl>("score").weight.to_vector<float>(),
            std::vector<float>(4, 0.5f));
  const torch::nn::Module& const_net = *net;
  int const_count = 0;
  const_net.apply([&const_count](const torch::nn::Module&) { ++const_count; });
  EXPECT_EQ(const_count, 14);
  std::vector<std::string> pointer_names;
  net->apply(
      [&](const std::string& name, const std::shared_ptr<torch::nn::Module>& module) {
        if (std::dynamic_pointer_cast<BlockImpl>(module)) pointer_names.push_back(name);
      },
      "net");
  EXPECT_EQ(pointer_names, (std::vector<std::string>{"net.blocks.0", "net.blocks.1"}));
  int pointer_count = 0;
  net->apply([&](const std::shared_ptr<torch::nn::Module>&) { ++pointer_count; });
  EXPECT_EQ(pointer_count, 14);
  // The top module must live in a shared_ptr to be handed out as one.
  BlockImpl on_stack(2);
  EXPECT_THROW(on_stack.modules(), torch::Error);
  EXPECT_EQ(on_stack.modules(/*include_self=*/false).size(), 2u);
}

TEST(LibtorchStyleModule, CloneIsADeepCopyWithoutGradients) {
  Net net;
  net->forward(tokens()).sum().backward();
  auto copy = std::dynamic_pointer_cast<NetImpl>(net->clone());
  ASSERT_NE(copy, nullptr);
  const auto original_params = net->named_parameters(), copied_params = copy->named_parameters();
  ASSERT_EQ(original_params.keys(), copied_params.keys());
  for (const auto& item : original_params) {
    const torch::Tensor& copied = copied_params[item.key()];
    EXPECT_FALSE(copied.is_same(item.value())) << item.key();
    EXPECT_EQ(copied.to_vector<float>(), item.value().to_vector<float>()) << item.key();
    EXPECT_TRUE(copied.requires_grad());
    EXPECT_FALSE(copied.grad().defined()) << item.key();
  }
  // The members point at the copy's own parameters, and writing to one side leaves the other alone.
  EXPECT_TRUE(copy->embed->weight.is_same(copied_params["embed.weight"]));
  EXPECT_TRUE(copy->blocks->at<BlockImpl>(1).fc->weight.is_same(copied_params["blocks.1.fc.weight"]));
  {
    torch::NoGradGuard no_grad;
    copy->embed->weight.fill_(7.0);
  }
  EXPECT_NE(net->embed->weight.to_vector<float>()[5], 7.0f);
  net->eval();
  copy->eval();
  EXPECT_EQ(copy->forward(tokens()).sizes(), (torch::Shape{2, 3}));
  // A module that does not derive from Cloneable cannot be cloned.
  struct PlainImpl : torch::nn::Module {};
  auto plain = std::make_shared<PlainImpl>();
  try {
    plain->clone();
    FAIL() << "clone() of a plain Module must throw";
  } catch (const torch::Error& e) {
    EXPECT_NE(std::string(e.what()).find("clone() has not been implemented"), std::string::npos);
  }
}

TEST(LibtorchStyleModule, SequentialWithNamesFunctionalAndAnyModule) {
  torch::nn::Sequential seq({{"fc1", torch::nn::Linear(3, 4)},
                             {"relu", torch::nn::Functional(torch::relu)},
                             {"fc2", torch::nn::Linear(torch::nn::LinearOptions(4, 2).bias(false))}});
  seq->push_back("softmax", torch::nn::Softmax(torch::nn::SoftmaxOptions(1)));
  seq->push_back(torch::nn::Functional(torch::leaky_relu, 0.1));
  EXPECT_EQ(seq->named_children().keys(), (std::vector<std::string>{"fc1", "relu", "fc2", "softmax", "4"}));
  EXPECT_EQ(seq->size(), 5u);
  EXPECT_EQ(seq->forward(torch::ones({5, 3})).sizes(), (torch::Shape{5, 2}));
  EXPECT_EQ(seq[0]->name(), "torch::nn::LinearImpl");
  EXPECT_EQ(seq->at<torch::nn::LinearImpl>(2).options.out_features(), 2);
  EXPECT_THROW(seq->at<torch::nn::LinearImpl>(1), torch::Error);
  std::ostringstream out;
  out << seq;
  EXPECT_EQ(out.str(),
            "torch::nn::Sequential(\n"
            "  (fc1): torch::nn::Linear(in_features=3, out_features=4, bias=true)\n"
            "  (relu): torch::nn::Functional()\n"
            "  (fc2): torch::nn::Linear(in_features=4, out_features=2, bias=false)\n"
            "  (softmax): torch::nn::Softmax(dim=1)\n"
            "  (4): torch::nn::Functional()\n"
            ")");
  auto copy = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(seq->clone());
  EXPECT_EQ(copy->named_children().keys(), seq->named_children().keys());
  EXPECT_FALSE(
      copy->ptr<torch::nn::LinearImpl>(0)->weight.is_same(seq->ptr<torch::nn::LinearImpl>(0)->weight));
  EXPECT_EQ(copy->forward(torch::ones({1, 3})).to_vector<float>(),
            seq->forward(torch::ones({1, 3})).to_vector<float>());

  torch::nn::AnyModule any(torch::nn::Bilinear(2, 3, 4));
  EXPECT_EQ(any.forward(torch::ones({1, 2}), torch::ones({1, 3})).sizes(), (torch::Shape{1, 4}));
  EXPECT_THROW(any.forward(torch::ones({1, 2})), torch::Error);
  EXPECT_EQ(any.get<torch::nn::BilinearImpl>().options.out_features(), 4);
  EXPECT_THROW(any.get<torch::nn::LinearImpl>(), torch::Error);
  EXPECT_TRUE(any.type_info() == typeid(torch::nn::BilinearImpl));
}

TEST(LibtorchStyleModule, ModuleListAndModuleDict) {
  torch::nn::ModuleList list;
  list->push_back(torch::nn::Linear(2, 2));
  list->push_back(std::make_shared<torch::nn::ReLUImpl>());
  list->extend(std::vector<std::shared_ptr<torch::nn::Module>>{torch::nn::Tanh().ptr()});
  list->insert(1, torch::nn::Dropout(0.5));
  EXPECT_EQ(list->size(), 4u);
  EXPECT_EQ(list->named_children().keys(), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_NE(std::dynamic_pointer_cast<torch::nn::DropoutImpl>(list[1]), nullptr);
  EXPECT_NE(list->ptr<torch::nn::ReLUImpl>(2), nullptr);
  EXPECT_EQ(list->at<torch::nn::LinearImpl>(0).options.in_features(), 2);
  EXPECT_THROW(list->at<torch::nn::LinearImpl>(1), torch::Error);
  EXPECT_THROW(list[7], torch::Error);
  int visited = 0;
  for (const auto& module : *list) visited += module != nullptr;
  EXPECT_EQ(visited, 4);
  std::ostringstream out;
  out << list;
  EXPECT_EQ(out.str(),
            "torch::nn::ModuleList(\n"
            "  (0): torch::nn::Linear(in_features=2, out_features=2, bias=true)\n"
            "  (1): torch::nn::Dropout(p=0.5, inplace=false)\n"
            "  (2): torch::nn::ReLU()\n"
            "  (3): torch::nn::Tanh()\n"
            ")");

  torch::nn::ModuleDict dict(std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>>{
      {"a", torch::nn::Linear(1, 1).ptr()}, {"b", torch::nn::ReLU().ptr()}});
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"a", "b"}));
  dict->insert("a", torch::nn::Linear(1, 5));  // replaces
  EXPECT_EQ(dict->at<torch::nn::LinearImpl>("a").options.out_features(), 5);
  EXPECT_EQ(dict->named_parameters().keys(), (std::vector<std::string>{"a.weight", "a.bias"}));
  EXPECT_TRUE(dict->contains("b"));
  auto popped = dict->pop("b");
  EXPECT_NE(std::dynamic_pointer_cast<torch::nn::ReLUImpl>(popped), nullptr);
  EXPECT_FALSE(dict->contains("b"));
  EXPECT_EQ(dict->named_children().keys(), (std::vector<std::string>{"a"}));
  EXPECT_THROW((*dict)["missing"], torch::Error);
  auto copy = std::dynamic_pointer_cast<torch::nn::ModuleDictImpl>(dict->clone());
  EXPECT_FALSE(
      copy->at<torch::nn::LinearImpl>("a").weight.is_same(dict->at<torch::nn::LinearImpl>("a").weight));
}

TEST(LibtorchStyleModule, ParameterListAndParameterDict) {
  torch::nn::ParameterList list(torch::randn({3, 4}).requires_grad_(), torch::zeros({2}));
  list->append(torch::ones({1}).requires_grad_());
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ(list->named_parameters().keys(), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_FALSE(list[1].requires_grad());
  EXPECT_EQ(list->at(2).to_vector<float>(), std::vector<float>{1.0f});
  std::ostringstream out;
  out << list;
  EXPECT_EQ(out.str(),
            "torch::nn::ParameterList(\n"
            "(0): Parameter containing: [Float of size [3, 4]]\n"
            "(1): Parameter containing: [Float of size [2]]\n"
            "(2): Parameter containing: [Float of size [1]]\n"
            ")");

  torch::nn::ParameterDict dict;
  dict->insert("w", torch::ones({2, 2}, torch::kFloat64).requires_grad_());
  dict->insert("b", torch::zeros({2}).requires_grad_());
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"w", "b"}));
  EXPECT_EQ(dict["w"].dtype(), torch::kFloat64);
  EXPECT_EQ(dict->parameters().size(), 2u);
  torch::Tensor b = dict->pop("b");
  EXPECT_EQ(b.sizes(), (torch::Shape{2}));
  EXPECT_EQ(dict->size(), 1u);
  std::ostringstream dict_out;
  dict_out << dict;
  EXPECT_EQ(dict_out.str(),
            "torch::nn::ParameterDict(\n(w): Parameter containing: [Double of size [2, 2]]\n)");
}

TEST(LibtorchStyleModule, OptionsHeavyConstruction) {
  torch::nn::Sequential model(
      torch::nn::Linear(torch::nn::LinearOptions(8, 16).bias(true)),
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({16}).elementwise_affine(true).eps(1e-5)),
      torch::nn::GELU(torch::nn::GELUOptions().approximate("tanh")),
      torch::nn::Dropout(torch::nn::DropoutOptions().p(0.25)),
      torch::nn::ELU(torch::nn::ELUOptions().alpha(1.0)),
      torch::nn::Hardtanh(torch::nn::HardtanhOptions().min_val(-2).max_val(2)),
      torch::nn::Flatten(torch::nn::FlattenOptions().start_dim(1)),
      torch::nn::Unflatten(torch::nn::UnflattenOptions(1, {4, 4})), torch::nn::Flatten(),
      torch::nn::Linear(16, 4), torch::nn::LogSoftmax(torch::nn::LogSoftmaxOptions(1)));
  model->eval();
  auto out = model->forward(torch::randn({3, 8}));
  EXPECT_EQ(out.sizes(), (torch::Shape{3, 4}));
  EXPECT_NEAR(torch::exp(out).sum().item<float>(), 3.0f, 1e-5f);
  namespace F = torch::nn::functional;
  auto probs = F::softmax(out, F::SoftmaxFuncOptions(1));
  EXPECT_NEAR(probs.sum().item<float>(), 3.0f, 1e-5f);
  auto normalized = F::normalize(out, F::NormalizeFuncOptions().p(2).dim(1));
  EXPECT_EQ(normalized.sizes(), out.sizes());
}

}  // namespace

TEST(LibtorchStyleModule, StrPrintsModulesAndConcatenatesParts) {
  EXPECT_EQ(torch::str(torch::nn::Linear(784, 128)),
            "torch::nn::Linear(in_features=784, out_features=128, bias=true)");
  EXPECT_EQ(torch::str("epoch ", 3, ", lr=", 0.5), "epoch 3, lr=0.5");
  EXPECT_EQ(torch::str(), "");
}
