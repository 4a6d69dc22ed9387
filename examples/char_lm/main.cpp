// Trains a character-level GPT on Debian's fortune cookies, nanoGPT's recipe in C++: AdamW (betas 0.9,
// 0.95) with weight decay on the 2-D weights only, linear warm-up then cosine decay, gradient clipping
// at norm 1, periodic train/val evaluation, a checkpoint, the loss curve (CSV + gnuplot PNG), and
// finally text sampled with a key/value cache. bench/char_lm_torch.py is the same program in PyTorch.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <tapegrad/tapegrad.hpp>

#include "char_lm/data.hpp"
#include "char_lm/gpt.hpp"
#include "common/progress_bar.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::int64_t layers = 4, heads = 4, embd = 128, block = 64, batch = 12, iters = 2000;
  double lr = 1e-3, min_lr = 1e-4;
  std::int64_t warmup = 100;
  double weight_decay = 0.1, dropout = 0.0;
  std::int64_t eval_interval = 250, eval_iters = 20;
  int threads = 0;  // 0: the library's default
  std::uint64_t seed = 1337;
  std::int64_t sample_tokens = 300;
  double temperature = 1.0;
  std::int64_t top_k = 0;
  double top_p = 1.0;
  std::string data_dir = "/usr/share/games/fortunes";
  std::string output_dir = "char_lm_output";
  double max_val_loss = 0;  // 0: no check
};

struct Evaluation {
  std::int64_t iter;
  double train_loss, val_loss;
};

double estimate_loss(char_lm::GPT& model, const tg::Tensor& ids, const Options& options) {
  double sum = 0;
  for (std::int64_t i = 0; i < options.eval_iters; ++i) {
    auto [x, y] = char_lm::random_batch(ids, options.batch, options.block);
    sum += model->loss(x, y).item<double>();
  }
  return sum / static_cast<double>(options.eval_iters);
}

Evaluation evaluate(char_lm::GPT& model, const char_lm::Split& split, const Options& options,
                    std::int64_t iter) {
  tg::NoGradGuard no_grad;
  model->eval();
  const double train_loss = estimate_loss(model, split.train, options);
  const double val_loss = estimate_loss(model, split.val, options);
  model->train();
  if (isatty(fileno(stdout))) std::printf("\r\033[K");  // clear the live progress bar's line
  std::printf("iter %lld: train loss %.4f, val loss %.4f\n", static_cast<long long>(iter), train_loss,
              val_loss);
  std::fflush(stdout);
  return {iter, train_loss, val_loss};
}

void write_curve(const fs::path& csv, const std::vector<Evaluation>& history) {
  std::ofstream out(csv);
  out << "iter,train_loss,val_loss\n";
  for (const auto& e : history) out << e.iter << ',' << e.train_loss << ',' << e.val_loss << '\n';
}

void plot_curve(const fs::path& csv, const fs::path& png) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::printf("gnuplot not found: skipped %s (install gnuplot-nox for the plot)\n", png.c_str());
    return;
  }
  const fs::path script = png.parent_path() / "curve.gnuplot";
  std::ofstream(script)
      << "set terminal pngcairo size 900,500\n"
      << "set output '" << png.string() << "'\n"
      << "set datafile separator ','\nset termoption noenhanced\nset key top right\nset grid\n"
      << "set xlabel 'iteration'\nset ylabel 'cross-entropy (nats per byte)'\n"
      << "set title 'tapegrad: character-level GPT on fortunes'\n"
      << "plot '" << csv.string() << "' every ::1 using 1:2 with linespoints lw 2 title 'train', "
      << "'' every ::1 using 1:3 with linespoints lw 2 title 'val'\n";
  const std::string command = "gnuplot '" + script.string() + "' 2>/dev/null";
  if (std::system(command.c_str()) == 0 && fs::exists(png))
    std::printf("plot: %s\n", png.c_str());
  else
    std::printf("gnuplot failed: skipped %s\n", png.c_str());
}

int train(const Options& options) {
  if (options.threads > 0) tg::set_num_threads(options.threads);
  tg::manual_seed(options.seed);
  const std::string text = char_lm::read_fortunes(options.data_dir);
  const char_lm::Vocabulary vocabulary(text);
  const char_lm::Split split = char_lm::split_train_val(vocabulary.encode(text));
  std::printf("fortunes: %zu bytes, vocabulary %lld, train %lld, val %lld\n", text.size(),
              static_cast<long long>(vocabulary.size()), static_cast<long long>(split.train.numel()),
              static_cast<long long>(split.val.numel()));

  char_lm::GPT model(char_lm::GPTOptions()
                         .vocab_size(vocabulary.size())
                         .block_size(options.block)
                         .n_layer(options.layers)
                         .n_head(options.heads)
                         .n_embd(options.embd)
                         .dropout(options.dropout));
  std::printf("model: %.2f M parameters\n", static_cast<double>(model->parameter_count()) / 1e6);

  auto [decay, no_decay] = model->decay_and_no_decay_parameters();
  const auto adamw = tg::optim::AdamWOptions(options.lr).betas({0.9, 0.95});
  tg::optim::AdamW optimizer(
      {tg::optim::OptimizerParamGroup(decay,
                                      tg::optim::AdamWOptions(adamw).weight_decay(options.weight_decay)),
       tg::optim::OptimizerParamGroup(no_decay, tg::optim::AdamWOptions(adamw).weight_decay(0.0))},
      adamw);

  std::vector<Evaluation> history;
  examples::ProgressBar bar("training", options.iters);
  char status[96];
  double train_seconds = 0;
  for (std::int64_t iter = 0; iter < options.iters; ++iter) {
    if (options.eval_interval > 0 && iter % options.eval_interval == 0)
      history.push_back(evaluate(model, split, options, iter));
    const auto start = std::chrono::steady_clock::now();
    const double lr =
        char_lm::learning_rate_at(iter, options.lr, options.min_lr, options.warmup, options.iters);
    for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
    auto [x, y] = char_lm::random_batch(split.train, options.batch, options.block);
    const tg::Tensor loss = model->loss(x, y);
    optimizer.zero_grad(/*set_to_none=*/true);
    loss.backward();
    tg::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();
    const double loss_value = loss.item<double>();
    train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::snprintf(status, sizeof status, "loss %.4f  lr %.2e", loss_value, lr);
    bar.update(iter + 1, status);
  }
  bar.finish(status);
  history.push_back(evaluate(model, split, options, options.iters));
  const double final_val_loss = history.back().val_loss;
  std::printf("final val loss %.4f\n", final_val_loss);

  const fs::path out_dir(options.output_dir);
  fs::create_directories(out_dir);
  const fs::path checkpoint = out_dir / "char_lm.safetensors";
  tg::save(model, checkpoint.string());
  write_curve(out_dir / "curve.csv", history);
  std::printf("checkpoint: %s\ncurve: %s\n", checkpoint.c_str(), (out_dir / "curve.csv").c_str());
  plot_curve(out_dir / "curve.csv", out_dir / "curve.png");
  std::printf("training: %.2f ms per iteration\n",
              1e3 * train_seconds / static_cast<double>(std::max<std::int64_t>(options.iters, 1)));

  if (options.sample_tokens > 0) {
    // Start from a newline, as nanoGPT's sample.py; fortunes are separated by "%\n" lines.
    const tg::Tensor prompt =
        vocabulary.encode(vocabulary.contains('\n') ? "\n" : text.substr(0, 1)).view({1, 1});
    const tg::Tensor tokens = char_lm::generate(model, prompt, options.sample_tokens,
                                                {options.temperature, options.top_k, options.top_p});
    std::printf("---- sample (%lld tokens) ----\n%s\n", static_cast<long long>(options.sample_tokens),
                vocabulary.decode(tokens).c_str());
  }
  if (options.max_val_loss > 0 && !(final_val_loss <= options.max_val_loss)) {
    std::fprintf(stderr, "char_lm: final val loss %.4f is above --max-val-loss %.4f\n", final_val_loss,
                 options.max_val_loss);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  po::options_description description(
      "Trains a character-level GPT on Debian's fortune cookies and samples text from it.\nOptions");
  auto add = description.add_options();
  add("help,h", "show this help");
  add("layers", po::value(&o.layers)->default_value(o.layers), "transformer blocks");
  add("heads", po::value(&o.heads)->default_value(o.heads), "attention heads per block");
  add("embd", po::value(&o.embd)->default_value(o.embd), "embedding width");
  add("block", po::value(&o.block)->default_value(o.block), "context length (bytes)");
  add("batch", po::value(&o.batch)->default_value(o.batch), "sequences per batch");
  add("iters", po::value(&o.iters)->default_value(o.iters), "training iterations");
  add("lr", po::value(&o.lr)->default_value(o.lr), "peak learning rate (AdamW)");
  add("min-lr", po::value(&o.min_lr)->default_value(o.min_lr),
      "learning rate at the end of the cosine decay");
  add("warmup", po::value(&o.warmup)->default_value(o.warmup), "linear warm-up iterations");
  add("weight-decay", po::value(&o.weight_decay)->default_value(o.weight_decay, "0.1"),
      "AdamW weight decay of the 2-D weights (biases and LayerNorms get none)");
  add("dropout", po::value(&o.dropout)->default_value(o.dropout), "dropout probability");
  add("eval-interval", po::value(&o.eval_interval)->default_value(o.eval_interval),
      "evaluate every this many iterations (and at the end)");
  add("eval-iters", po::value(&o.eval_iters)->default_value(o.eval_iters), "batches per loss estimate");
  add("threads", po::value(&o.threads)->default_value(o.threads), "OpenMP and BLIS threads (0: the default)");
  add("seed", po::value(&o.seed)->default_value(o.seed), "seed for init, batches, dropout and sampling");
  add("sample-tokens", po::value(&o.sample_tokens)->default_value(o.sample_tokens),
      "bytes to generate at the end");
  add("temperature", po::value(&o.temperature)->default_value(o.temperature), "sampling temperature");
  add("top-k", po::value(&o.top_k)->default_value(o.top_k), "sample among the k most likely bytes (0: all)");
  add("top-p", po::value(&o.top_p)->default_value(o.top_p),
      "sample among the most likely bytes whose probabilities reach p (1: all)");
  add("data-dir", po::value(&o.data_dir)->default_value(o.data_dir), "the fortune files (Debian's fortunes)");
  add("output-dir", po::value(&o.output_dir)->default_value(o.output_dir),
      "where the checkpoint, CSV curve and plot go");
  add("max-val-loss", po::value(&o.max_val_loss)->default_value(o.max_val_loss),
      "exit with status 1 when the final val loss is higher (0: no check)");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, description), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "char_lm: " << e.what() << "\n" << description;
    return 2;
  }
  if (args.count("help")) {
    std::cout << description;
    return 0;
  }
  try {
    return train(o);
  } catch (const tg::Error& e) {
    std::cerr << "char_lm: " << e.what() << "\n";
    return 1;
  }
}
