# Cross-building liblwsj.so for linux-aarch64 on an x86_64 Debian machine with
# Debian's gcc-aarch64-linux-gnu; the tests run under qemu-user (qemu-aarch64).
#
#   cmake -S native -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-linux-aarch64.cmake
#
# libwebsockets, OpenSSL and zlib are cross-built from the same pinned sources
# (cmake/libwebsockets.cmake passes this file on; scripts/build-static-deps.sh gets the
# cross compiler and OpenSSL's linux-aarch64 target).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(LWSJ_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${LWSJ_CROSS_TRIPLE}-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/${LWSJ_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest runs the test programs through qemu, with the cross libc as their root
find_program(LWSJ_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(LWSJ_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LWSJ_QEMU_AARCH64} -L /usr/${LWSJ_CROSS_TRIPLE})
endif()
