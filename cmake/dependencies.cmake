# SPDX-License-Identifier: Apache-2.0
# Finds every library sparkforge links; scripts/install-deps installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  # Debian 12 ships CLI11 as headers without a CMake package file.
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
find_library(APT_PKG_LIBRARY apt-pkg REQUIRED)
find_path(APT_PKG_INCLUDE_DIR apt-pkg/tagfile.h REQUIRED)
add_library(apt-pkg::apt-pkg UNKNOWN IMPORTED)
set_target_properties(apt-pkg::apt-pkg PROPERTIES
  IMPORTED_LOCATION ${APT_PKG_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${APT_PKG_INCLUDE_DIR})

# Host side only: these cannot be installed for two architectures at once.
if(SPARKFORGE_HOST_TOOLS)
  find_package(yaml-cpp REQUIRED)
  pkg_check_modules(BLKID REQUIRED IMPORTED_TARGET blkid)
  pkg_check_modules(FDISK REQUIRED IMPORTED_TARGET fdisk)
  pkg_check_modules(GPGME REQUIRED IMPORTED_TARGET gpgme)
endif()
