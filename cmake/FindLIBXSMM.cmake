# Finds Debian's libxsmm (libxsmm-dev): libxsmm.h and the static libxsmm.a (Debian ships no shared library).
# libxsmm.a calls sgemm_/dgemm_ for shapes its JIT does not cover; tapegrad never asks it to, and BLIS
# (linked after it) exports both symbols. Defines LIBXSMM::LIBXSMM and LIBXSMM_VERSION.
find_path(LIBXSMM_INCLUDE_DIR libxsmm.h)
find_library(LIBXSMM_LIBRARY NAMES libxsmm.a)
if(LIBXSMM_INCLUDE_DIR AND EXISTS ${LIBXSMM_INCLUDE_DIR}/libxsmm_version.h)
  file(STRINGS ${LIBXSMM_INCLUDE_DIR}/libxsmm_version.h _xsmm_version_line REGEX "#define LIBXSMM_CONFIG_VERSION \"")
  string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" LIBXSMM_VERSION "${_xsmm_version_line}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LIBXSMM REQUIRED_VARS LIBXSMM_LIBRARY LIBXSMM_INCLUDE_DIR
  VERSION_VAR LIBXSMM_VERSION REASON_FAILURE_MESSAGE "install libxsmm-dev (./build.sh does)")
if(LIBXSMM_FOUND AND NOT TARGET LIBXSMM::LIBXSMM)
  find_package(Threads REQUIRED)
  add_library(LIBXSMM::LIBXSMM STATIC IMPORTED)
  set_target_properties(LIBXSMM::LIBXSMM PROPERTIES IMPORTED_LOCATION ${LIBXSMM_LIBRARY}
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${LIBXSMM_INCLUDE_DIR} INTERFACE_INCLUDE_DIRECTORIES ${LIBXSMM_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "BLIS::BLIS;Threads::Threads;${CMAKE_DL_LIBS};rt;m")
endif()
