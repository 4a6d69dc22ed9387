// libtorch's side of the contention benchmark (bench/support/contention.hpp), with libtorch's default
// threads, as a user would run it.
#include <torch/torch.h>

#include <string>

#include "../support/contention.hpp"

int main(int argc, char** argv) {
  torch::manual_seed(0);
  const std::string threads = std::to_string(torch::get_num_threads()) + " (default)";
  return contention::run_all("libtorch", threads, contention::workloads(), argc, argv);
}
