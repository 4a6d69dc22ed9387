#pragma once
// libtorch's torch::data API (torch/data.h): datasets, transforms, samplers and make_data_loader.
#include <tapegrad/nn/data/dataloader.hpp>
#include <tapegrad/nn/data/dataloader_options.hpp>
#include <tapegrad/nn/data/datasets/base.hpp>
#include <tapegrad/nn/data/datasets/map.hpp>
#include <tapegrad/nn/data/datasets/mnist.hpp>
#include <tapegrad/nn/data/datasets/tensor.hpp>
#include <tapegrad/nn/data/example.hpp>
#include <tapegrad/nn/data/samplers.hpp>
#include <tapegrad/nn/data/transforms.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

#pragma GCC visibility pop
