// The child of the checkpoint kill test: trains kill_test::make_model() on fixed random data and
// saves a training checkpoint after every epoch, announcing each save on stdout:
//   saving <epoch> <fingerprint of the state being saved>
//   saved <epoch>
// Usage: checkpoint_kill_child <checkpoint path> <epochs>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "checkpoint_kill_model.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <checkpoint path> <epochs>\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const int epochs = std::atoi(argv[2]);
  try {
    tg::set_num_threads(1);  // the test's timing should not depend on how busy the other core is
    tg::nn::Sequential model = kill_test::make_model();
    auto optimizer = kill_test::make_optimizer(model);
    tg::manual_seed(1);
    const tg::Tensor inputs = tg::randn({32, 64});
    const tg::Tensor targets = tg::randint(0, 10, {32});
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      for (int step = 0; step < 4; ++step) {
        optimizer->zero_grad();
        tg::cross_entropy(model(inputs), targets).backward();
        optimizer->step();
      }
      std::printf("saving %d %" PRIu64 "\n", epoch, kill_test::fingerprint(model, *optimizer));
      std::fflush(stdout);
      tg::save_checkpoint(path, model, *optimizer, {{"epoch", std::to_string(epoch)}});
      std::printf("saved %d\n", epoch);
      std::fflush(stdout);
    }
  } catch (const tg::Error& error) {
    std::fprintf(stderr, "checkpoint_kill_child: %s\n", error.what());
    return 1;
  }
  return 0;
}
