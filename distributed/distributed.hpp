#pragma once
// tapegrad's distributed training (library tapegrad::distributed, built when MPI is found): process
// groups with c10d's collectives over MPI, and nn::parallel::DistributedDataParallel.
#include <tapegrad/distributed/distributed_data_parallel.hpp>
#include <tapegrad/distributed/process_group.hpp>
#include <tapegrad/distributed/process_group_mpi.hpp>
#include <tapegrad/distributed/reducer.hpp>
#include <tapegrad/distributed/types.hpp>
#include <tapegrad/distributed/work.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad_distributed.so
#pragma GCC visibility pop
