// tapegrad's side of the contention benchmark (bench/support/contention.hpp): default threads, idle and
// next to one busy process per CPU. bench/compare_libtorch/contention_libtorch.cpp is libtorch's side.
#include <string>

#include <tapegrad/tapegrad.hpp>

namespace torch = tg;

#include "support/contention.hpp"

int main(int argc, char** argv) {
  tg::manual_seed(0);
  const std::string threads = std::to_string(tg::get_num_threads()) + " (default)";
  return contention::run_all("tapegrad", threads, contention::workloads(), argc, argv);
}
