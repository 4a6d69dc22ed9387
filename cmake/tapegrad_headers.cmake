# Which headers make up the installed surface (see README "Public headers").
#   public:  the #include <tapegrad/...> lines of tapegrad.hpp; adding a public header is one line there.
#            Plus TAPEGRAD_EXTRA_PUBLIC_HEADERS: public headers that need more than tapegrad (GoogleTest).
#   private: TAPEGRAD_PRIVATE_HEADERS below (globs relative to the source root); never installed, and no
#            public header may include one.
# The surface.header_lists test fails for a header under TAPEGRAD_LIBRARY_DIRS that is in neither list.

set(TAPEGRAD_LIBRARY_DIRS autograd nn optim serialize distributed)

set(TAPEGRAD_EXTRA_PUBLIC_HEADERS
  autograd/gradcheck_gtest.hpp  # EXPECT_GRADCHECK for users' GoogleTest suites
  # tapegrad::distributed (libtapegrad_distributed.so, built when MPI is found); need no MPI headers.
  distributed/distributed.hpp
  distributed/distributed_data_parallel.hpp
  distributed/process_group.hpp
  distributed/process_group_mpi.hpp
  distributed/reducer.hpp
  distributed/types.hpp
  distributed/work.hpp)

set(TAPEGRAD_PRIVATE_HEADERS
  autograd/core/numeric_cast.hpp
  autograd/core/sanitizers.hpp
  autograd/engine/accumulate_grad.hpp
  autograd/engine/graph_task.hpp
  autograd/kernels/*.hpp
  autograd/ops/pointwise.hpp
  autograd/ops/rows_along_dim.hpp
  autograd/tensor/allocator.hpp  # users get allocator_stats.hpp
  nn/data/read_file.hpp
  optim/fused_update.hpp
  optim/validate_betas.hpp)

# The public headers, relative to the source root: tapegrad.hpp's, then the extra ones.
function(tapegrad_public_headers source_dir out_var)
  file(STRINGS ${source_dir}/tapegrad.hpp lines REGEX "^#include <tapegrad/[^>]+>")
  list(TRANSFORM lines REPLACE "^#include <tapegrad/([^>]+)>.*$" "\\1")
  set(${out_var} ${lines} ${TAPEGRAD_EXTRA_PUBLIC_HEADERS} PARENT_SCOPE)
endfunction()

# The private headers that exist now (the globs expanded), relative to the source root.
function(tapegrad_private_headers source_dir out_var)
  set(found)
  foreach(pattern IN LISTS TAPEGRAD_PRIVATE_HEADERS)
    file(GLOB matches RELATIVE ${source_dir} ${source_dir}/${pattern})
    list(APPEND found ${matches})
  endforeach()
  set(${out_var} ${found} PARENT_SCOPE)
endfunction()
