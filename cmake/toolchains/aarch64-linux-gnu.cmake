# SPDX-License-Identifier: Apache-2.0
# Cross-builds the device-side programs for arm64 (DGX Spark) on a Debian
# x86-64 machine, with Debian's cross compiler and the :arm64 -dev packages
# that scripts/install-deps --arm64 installs. Libraries come from the
# multiarch folder /usr/lib/aarch64-linux-gnu; headers from /usr/include.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Never link a host (x86-64) library by mistake.
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR}
    "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Tests run the arm64 binaries under user-mode emulation, with the
# multiarch libc6:arm64 and libstdc++6:arm64. Not `-L /usr/aarch64-linux-gnu`:
# that mixes the cross ld.so with the multiarch libc, and threads hang.
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/qemu-aarch64-static)

# Only the device side: the builder needs yaml-cpp and GPGME, which Debian
# 12 cannot install for two architectures at once.
set(SPARKFORGE_HOST_TOOLS OFF CACHE BOOL "Build the host-side sparkforge")
