# Selects the BLAS backend and exposes it as the INTERFACE target `dln_blas`.
# Sets DLN_BLAS_VENDOR (reported at run time by the addon).

add_library(dln_blas INTERFACE)

set(_dln_blas_hint "dlnflow needs a CBLAS library to build from source.
  Debian/Ubuntu:  sudo apt-get install libopenblas-dev
  Fedora/RHEL:    sudo dnf install openblas-devel
  macOS:          Accelerate is used by default (Xcode command line tools), or: brew install openblas
                  and export PKG_CONFIG_PATH=\"$(brew --prefix openblas)/lib/pkgconfig\"
  To build without BLAS (slow at large widths), pass --CDDLN_BLAS=none to cmake-js.")

set(DLN_BLAS_VENDOR "")

if(DLN_BLAS STREQUAL "auto" AND APPLE)
  set(DLN_BLAS "accelerate")
endif()

if(DLN_BLAS STREQUAL "accelerate")
  find_library(DLN_ACCELERATE Accelerate)
  if(NOT DLN_ACCELERATE)
    message(FATAL_ERROR "Accelerate.framework not found.\n${_dln_blas_hint}")
  endif()
  target_link_libraries(dln_blas INTERFACE ${DLN_ACCELERATE})
  target_compile_definitions(dln_blas INTERFACE DLN_BLAS_ACCELERATE ACCELERATE_NEW_LAPACK)
  set(DLN_BLAS_VENDOR "accelerate")
elseif(DLN_BLAS STREQUAL "none")
  target_compile_definitions(dln_blas INTERFACE DLN_BLAS_NONE)
  set(DLN_BLAS_VENDOR "none")
  message(WARNING "dlnflow: building without BLAS (DLN_BLAS=none); wide networks will be slow.")
else()
  # 1. pkg-config: gives the right include dir on Debian (openblas-pthread/) and Homebrew.
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(DLN_OPENBLAS QUIET IMPORTED_TARGET openblas)
  endif()
  if(DLN_OPENBLAS_FOUND)
    target_link_libraries(dln_blas INTERFACE PkgConfig::DLN_OPENBLAS)
    set(DLN_BLAS_VENDOR "openblas")
  else()
    # 2. FindBLAS returns libraries only: pair it with a search for cblas.h.
    set(BLA_VENDOR OpenBLAS)
    find_package(BLAS QUIET)
    if(NOT BLAS_FOUND AND NOT DLN_BLAS STREQUAL "openblas")
      unset(BLA_VENDOR)
      find_package(BLAS QUIET)
    endif()
    find_path(DLN_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas openblas-pthread x86_64-linux-gnu aarch64-linux-gnu)
    if(NOT BLAS_FOUND OR NOT DLN_CBLAS_INCLUDE_DIR)
      message(FATAL_ERROR "No BLAS library with a CBLAS header was found (looked with pkg-config 'openblas', then CMake FindBLAS).\n${_dln_blas_hint}")
    endif()
    target_link_libraries(dln_blas INTERFACE BLAS::BLAS)
    target_include_directories(dln_blas INTERFACE ${DLN_CBLAS_INCLUDE_DIR})
    if(BLAS_LIBRARIES MATCHES "openblas")
      set(DLN_BLAS_VENDOR "openblas")
    else()
      set(DLN_BLAS_VENDOR "cblas")
    endif()
  endif()
  if(DLN_BLAS_VENDOR STREQUAL "openblas")
    target_compile_definitions(dln_blas INTERFACE DLN_BLAS_OPENBLAS)
  endif()
endif()

target_compile_definitions(dln_blas INTERFACE DLN_BLAS_VENDOR="${DLN_BLAS_VENDOR}")
message(STATUS "dlnflow: BLAS backend = ${DLN_BLAS_VENDOR}")
