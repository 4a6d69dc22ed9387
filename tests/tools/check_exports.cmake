# What libtapegrad.so exports (ctest surface.exports): cmake -DLIBRARY=<libtapegrad.so> -DNM=<nm> -P check_exports.cmake
# The library is compiled with hidden visibility, so only public-header declarations are exported. This
# fails when an internal namespace leaks (a detail block in a public header without its
# "#pragma GCC visibility push(hidden)", or a private header exporting), and when the public API is not
# exported at all (the pragma mechanism broken).
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${NM} -D --defined-only -C ${LIBRARY} RESULT_VARIABLE result OUTPUT_VARIABLE symbols
                ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}: ${errors}")
endif()
string(REPLACE ";" "," symbols "${symbols}")  # C++ signatures never contain ';', but be safe for the list
string(REPLACE "\n" ";" symbols "${symbols}")

# Internal namespaces. tg::autograd::detail is exported on purpose: Function<T>::apply and record<T>,
# instantiated in user code, call its anomaly checks (autograd/engine/node.hpp).
set(internal "tg::(kernels|detail)::|tg::(nn|optim|data)::detail::|tg::optim::fused::|tg::testing::")
# Internal names exported on purpose: record<T> in user code allocates its node from the block pool
# (autograd/tensor/block_pool.hpp); the recurrent layers' bases live in nn::detail as in libtorch
# (torch::nn::detail::RNNImplBase), and RNN/LSTM/GRU and their cells inherit their exported members.
set(exported_on_purpose "^[0-9a-f]+ T tg::detail::pool_(allocate|deallocate)\\(|tg::nn::detail::RNN(Cell)?(ImplBase|OptionsBase)")
# Symbols every user program needs; their absence means nothing public is exported.
set(required "tg::set_num_threads\\(int\\)" "tg::allocator_stats\\(\\)" "tg::Tensor::backward\\("
             "typeinfo for tg::Error" "tg::nn::Module::parameters\\(" "tg::optim::Optimizer::zero_grad\\(")

set(leaked "")
list(LENGTH symbols exported_count)
foreach(symbol IN LISTS symbols)
  if(symbol MATCHES "${internal}" AND NOT symbol MATCHES "${exported_on_purpose}")
    string(REGEX REPLACE "^[0-9a-f]+ " "" symbol "${symbol}")
    string(APPEND leaked "  ${symbol}\n")
  endif()
endforeach()
set(missing "")
foreach(pattern IN LISTS required)
  set(found FALSE)
  foreach(symbol IN LISTS symbols)
    if(symbol MATCHES "${pattern}")
      set(found TRUE)
      break()
    endif()
  endforeach()
  if(NOT found)
    string(APPEND missing "  ${pattern}\n")
  endif()
endforeach()
if(leaked OR missing)
  message(FATAL_ERROR "libtapegrad.so exports internal symbols:\n${leaked}\nand does not export:\n${missing}")
endif()
message("exports ok: ${exported_count} symbols, none internal")
