// tapegrad's side of the fashion_cnn epoch benchmark (bench/support/fashion_cnn.hpp): the libtorch program
// compiled against tapegrad. Usage: fashion_cnn_epoch [DATA_DIR [IMAGES]]; threads from OMP_NUM_THREADS.
#include <tapegrad/tapegrad.hpp>

namespace torch = tg;

#include "support/fashion_cnn.hpp"

int main(int argc, char** argv) { return fashion_cnn::run("tapegrad", argc, argv); }
