# Finds Debian's OpenMP-threaded BLIS (libblis-openmp-dev): blis.h and libblis.so live in a
# "blis-openmp" subfolder of the multiarch paths, and Debian ships no CMake or pkg-config file.
# Defines BLIS::BLIS and BLIS_LIBRARY_DIR.
set(_blis_arch_dirs "${CMAKE_LIBRARY_ARCHITECTURE}" x86_64-linux-gnu aarch64-linux-gnu)
foreach(_arch IN LISTS _blis_arch_dirs)
  list(APPEND _blis_include_hints /usr/include/${_arch}/blis-openmp)
  list(APPEND _blis_library_hints /usr/lib/${_arch}/blis-openmp)
endforeach()
find_path(BLIS_INCLUDE_DIR blis.h HINTS ${_blis_include_hints} NO_DEFAULT_PATH)
find_library(BLIS_LIBRARY NAMES blis HINTS ${_blis_library_hints} NO_DEFAULT_PATH)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(BLIS REQUIRED_VARS BLIS_LIBRARY BLIS_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "install libblis-dev libblis-openmp-dev libblis4-openmp (./build.sh does)")
if(BLIS_FOUND AND NOT TARGET BLIS::BLIS)
  get_filename_component(BLIS_LIBRARY_DIR ${BLIS_LIBRARY} DIRECTORY)
  add_library(BLIS::BLIS SHARED IMPORTED)
  set_target_properties(BLIS::BLIS PROPERTIES IMPORTED_LOCATION ${BLIS_LIBRARY}
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${BLIS_INCLUDE_DIR} INTERFACE_INCLUDE_DIRECTORIES ${BLIS_INCLUDE_DIR})
endif()
