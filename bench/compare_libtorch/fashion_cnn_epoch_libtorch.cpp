// libtorch's side of the fashion_cnn epoch benchmark (bench/support/fashion_cnn.hpp).
// Usage: fashion_cnn_epoch_libtorch [DATA_DIR [IMAGES]]; threads from OMP_NUM_THREADS.
#include <torch/torch.h>

#include "../support/fashion_cnn.hpp"

int main(int argc, char** argv) { return fashion_cnn::run("libtorch", argc, argv); }
