# cmake/libwebsockets.cmake - the pinned libwebsockets, built static and PIC.
#
#   include(${CMAKE_CURRENT_SOURCE_DIR}/../cmake/libwebsockets.cmake)
#   target_link_libraries(mytarget PRIVATE lwsj_libwebsockets)
#
# Defines:
#   lwsj_libwebsockets      IMPORTED static library target: libwebsockets.a, its
#                           installed headers and its link dependencies; building
#                           anything that links it first builds libwebsockets.
#   lwsj_lws_external       the ExternalProject that builds it.
#   LWS_VERSION, LWS_SHA256 the pin, read from cmake/libwebsockets.version.
#   LWSJ_LWS_TARBALL        the verified archive the build uses.
#   LWSJ_LWS_INSTALL_DIR    where libwebsockets is installed (include/, lib/, bin/).
#   LWSJ_LWS_SOURCE_DIR     the unpacked libwebsockets source (LICENSE, test apps...).
#   LWSJ_LWS_BUILD_DIR      libwebsockets' own build tree (bin/ holds the test apps and
#                           minimal examples when LWSJ_LWS_TESTAPPS is ON).
#   LWSJ_LWS_PATCHES        lwsj's own patches (cmake/patches/*.patch), applied in name
#                           order to the unpacked source by cmake/apply-patches.cmake
#                           (needs GNU patch). Each says in its header what it fixes and
#                           which test fails without it. Changing one re-extracts the
#                           source and rebuilds libwebsockets.
#
# Options:
#   LWSJ_SANITIZE       build libwebsockets and everything linking
#                       lwsj_libwebsockets with ASan + UBSan.
#   LWSJ_LWS_TESTAPPS   also build libwebsockets' own test apps and minimal
#                       examples (in ${LWSJ_LWS_BUILD_DIR}/bin; the test apps are
#                       also installed in ${LWSJ_LWS_INSTALL_DIR}/bin).
#
# The archive comes from scripts/fetch-libwebsockets.sh, run at configure time;
# set LWS_SOURCE_TARBALL (environment or -D) to use a local copy.

include_guard(GLOBAL)
if(CMAKE_VERSION VERSION_LESS 3.16)
  message(FATAL_ERROR "cmake/libwebsockets.cmake needs CMake 3.16 or newer")
endif()
include(ExternalProject)

set(_lwsj_top "${CMAKE_CURRENT_LIST_DIR}/..")
get_filename_component(_lwsj_top "${_lwsj_top}" ABSOLUTE)

# ---- the pin ------------------------------------------------------------------------
set(_lwsj_pin_file "${_lwsj_top}/cmake/libwebsockets.version")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_lwsj_pin_file}")
file(STRINGS "${_lwsj_pin_file}" _lwsj_pin_lines REGEX "^LWS_[A-Z0-9_]+=")
foreach(_line IN LISTS _lwsj_pin_lines)
  if(_line MATCHES "^(LWS_[A-Z0-9_]+)=([^ \t]*)")
    set(${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
  endif()
endforeach()
if(NOT LWS_VERSION OR NOT LWS_SHA256 MATCHES "^[0-9a-f]+$")
  message(FATAL_ERROR "${_lwsj_pin_file}: LWS_VERSION and LWS_SHA256 must both be set")
endif()

option(LWSJ_SANITIZE "Build libwebsockets and the glue with AddressSanitizer and UBSan" OFF)
option(LWSJ_LWS_TESTAPPS "Also build libwebsockets' own test apps and minimal examples" OFF)

# ---- fetch and verify the archive --------------------------------------------------
find_program(LWSJ_BASH bash)
if(NOT LWSJ_BASH)
  message(FATAL_ERROR "bash is needed to run scripts/fetch-libwebsockets.sh")
endif()
set(_lwsj_fetch_env "")
if(LWS_SOURCE_TARBALL)
  set(_lwsj_fetch_env "LWS_SOURCE_TARBALL=${LWS_SOURCE_TARBALL}")
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env ${_lwsj_fetch_env}
          "${LWSJ_BASH}" "${_lwsj_top}/scripts/fetch-libwebsockets.sh"
  RESULT_VARIABLE _lwsj_fetch_rc
  OUTPUT_VARIABLE _lwsj_fetch_out
  ERROR_VARIABLE _lwsj_fetch_err
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _lwsj_fetch_rc EQUAL 0 OR NOT EXISTS "${_lwsj_fetch_out}")
  message(FATAL_ERROR "could not get libwebsockets ${LWS_VERSION} "
                      "(scripts/fetch-libwebsockets.sh exited with ${_lwsj_fetch_rc}):\n"
                      "${_lwsj_fetch_err}")
endif()
set(LWSJ_LWS_TARBALL "${_lwsj_fetch_out}")
message(STATUS "libwebsockets ${LWS_VERSION}: ${LWSJ_LWS_TARBALL}")

# ---- our patches to the pinned source ------------------------------------------------
file(GLOB LWSJ_LWS_PATCHES CONFIGURE_DEPENDS "${_lwsj_top}/cmake/patches/*.patch")
list(SORT LWSJ_LWS_PATCHES)
set(_lwsj_patch_command "")
if(LWSJ_LWS_PATCHES)
  find_program(LWSJ_PATCH_EXECUTABLE patch)
  if(NOT LWSJ_PATCH_EXECUTABLE)
    message(FATAL_ERROR "GNU patch is needed to apply cmake/patches/*.patch to libwebsockets "
                        "(Debian: apt-get install patch)")
  endif()
  set(_lwsj_patch_command PATCH_COMMAND
      ${CMAKE_COMMAND} -DSOURCE_DIR=<SOURCE_DIR> -DPATCH_DIR=${_lwsj_top}/cmake/patches
                       -DPATCH_EXECUTABLE=${LWSJ_PATCH_EXECUTABLE}
                       -P ${_lwsj_top}/cmake/apply-patches.cmake)
  list(LENGTH LWSJ_LWS_PATCHES _lwsj_npatches)
  message(STATUS "libwebsockets ${LWS_VERSION}: ${_lwsj_npatches} lwsj patches (cmake/patches)")
endif()

# ---- dependencies libwebsockets links against -----------------------------------------
# By default the pinned OpenSSL and zlib, built static and PIC by
# scripts/build-static-deps.sh (once per compiler and target, shared between build
# directories), so that liblwsj.so carries them and needs no libssl or libz on the
# machine it loads on. LWSJ_SYSTEM_DEPS=ON links the system's instead.
option(LWSJ_SYSTEM_DEPS "Link the system's OpenSSL and zlib instead of the pinned static ones" OFF)
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
set(_lwsj_dep_args "")
set(_lwsj_dep_includes "")
if(LWSJ_SYSTEM_DEPS)
  find_package(OpenSSL REQUIRED)
  find_package(ZLIB REQUIRED)
  set(_lwsj_dep_libs OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB)
  if(OPENSSL_ROOT_DIR)
    list(APPEND _lwsj_dep_args -DOPENSSL_ROOT_DIR=${OPENSSL_ROOT_DIR})
  endif()
else()
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set(_lwsj_openssl_target linux-x86_64)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    set(_lwsj_openssl_target linux-aarch64)
  else()
    message(FATAL_ERROR "no OpenSSL target known for ${CMAKE_SYSTEM_PROCESSOR}; "
                        "set LWSJ_SYSTEM_DEPS=ON to use the system's OpenSSL and zlib")
  endif()
  message(STATUS "OpenSSL and zlib: the pinned releases, static (scripts/build-static-deps.sh; "
                 "the first build takes minutes)")
  execute_process(
    COMMAND "${LWSJ_BASH}" "${_lwsj_top}/scripts/build-static-deps.sh"
            "${CMAKE_C_COMPILER}" "${_lwsj_openssl_target}"
    RESULT_VARIABLE _lwsj_deps_rc
    OUTPUT_VARIABLE LWSJ_DEPS_PREFIX
    ERROR_VARIABLE _lwsj_deps_err
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _lwsj_deps_rc EQUAL 0 OR NOT EXISTS "${LWSJ_DEPS_PREFIX}/lib/libssl.a")
    message(FATAL_ERROR "scripts/build-static-deps.sh failed (${_lwsj_deps_rc}):\n${_lwsj_deps_err}")
  endif()
  message(STATUS "OpenSSL and zlib: ${LWSJ_DEPS_PREFIX}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    "${_lwsj_top}/cmake/openssl.version" "${_lwsj_top}/cmake/zlib.version"
    "${_lwsj_top}/scripts/build-static-deps.sh")
  # libcrypto.a needs the thread and dl libraries after it
  set(_lwsj_dep_libs "${LWSJ_DEPS_PREFIX}/lib/libssl.a" "${LWSJ_DEPS_PREFIX}/lib/libcrypto.a"
                     "${LWSJ_DEPS_PREFIX}/lib/libz.a")
  # what includes <openssl/...> (the glue's tls.c) must see these headers, not the host's
  set(_lwsj_dep_includes "${LWSJ_DEPS_PREFIX}/include")
  # lws's own variables take the libraries as given, so its feature checks link these
  # (and not whatever -lssl the host has: a cross build has none); | separates the list
  list(APPEND _lwsj_dep_args
    "-DLWS_OPENSSL_LIBRARIES=${LWSJ_DEPS_PREFIX}/lib/libssl.a|${LWSJ_DEPS_PREFIX}/lib/libcrypto.a"
    -DLWS_OPENSSL_INCLUDE_DIRS=${LWSJ_DEPS_PREFIX}/include
    -DLWS_ZLIB_LIBRARIES=${LWSJ_DEPS_PREFIX}/lib/libz.a
    -DLWS_ZLIB_INCLUDE_DIRS=${LWSJ_DEPS_PREFIX}/include
    -DOPENSSL_ROOT_DIR=${LWSJ_DEPS_PREFIX}
    -DOPENSSL_USE_STATIC_LIBS=TRUE
    -DOPENSSL_INCLUDE_DIR=${LWSJ_DEPS_PREFIX}/include
    -DOPENSSL_SSL_LIBRARY=${LWSJ_DEPS_PREFIX}/lib/libssl.a
    -DOPENSSL_CRYPTO_LIBRARY=${LWSJ_DEPS_PREFIX}/lib/libcrypto.a
    -DZLIB_INCLUDE_DIR=${LWSJ_DEPS_PREFIX}/include
    -DZLIB_LIBRARY=${LWSJ_DEPS_PREFIX}/lib/libz.a)

  # their licences travel with the library that carries them (the natives jar's
  # META-INF/openssl and META-INF/zlib): taken from the same pinned archives
  foreach(_lwsj_dep_lic openssl:LICENSE.txt zlib:LICENSE)
    string(REPLACE ":" ";" _lwsj_dep_lic "${_lwsj_dep_lic}")
    list(GET _lwsj_dep_lic 0 _lwsj_dep)
    list(GET _lwsj_dep_lic 1 _lwsj_lic_name)
    execute_process(COMMAND "${LWSJ_BASH}" "${_lwsj_top}/scripts/fetch-source.sh" ${_lwsj_dep}
                    OUTPUT_VARIABLE _lwsj_dep_tar OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE _lwsj_dep_rc ERROR_QUIET)
    if(NOT _lwsj_dep_rc EQUAL 0)
      message(FATAL_ERROR "scripts/fetch-source.sh ${_lwsj_dep} failed")
    endif()
    set(_lwsj_lic_dir "${CMAKE_BINARY_DIR}/licenses/${_lwsj_dep}")
    file(REMOVE_RECURSE "${_lwsj_lic_dir}")
    file(ARCHIVE_EXTRACT INPUT "${_lwsj_dep_tar}" DESTINATION "${_lwsj_lic_dir}.tmp"
         PATTERNS "*/${_lwsj_lic_name}")
    file(GLOB _lwsj_lic_files "${_lwsj_lic_dir}.tmp/*/${_lwsj_lic_name}")
    if(NOT _lwsj_lic_files)
      message(FATAL_ERROR "no licence file at the top of ${_lwsj_dep_tar}")
    endif()
    file(COPY ${_lwsj_lic_files} DESTINATION "${_lwsj_lic_dir}")
    file(REMOVE_RECURSE "${_lwsj_lic_dir}.tmp")
  endforeach()
endif()

set(LWSJ_SANITIZE_FLAGS "")
if(LWSJ_SANITIZE)
  # -g: ASan and UBSan reports with file:line
  set(LWSJ_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -g)
endif()
string(REPLACE ";" " " _lwsj_san_string "${LWSJ_SANITIZE_FLAGS}")

# ---- the external build ---------------------------------------------------------------
set(LWSJ_LWS_INSTALL_DIR "${CMAKE_BINARY_DIR}/libwebsockets/install")
set(LWSJ_LWS_SOURCE_DIR "${CMAKE_BINARY_DIR}/libwebsockets/source")
set(LWSJ_LWS_BUILD_DIR "${CMAKE_BINARY_DIR}/libwebsockets/build")
set(_lwsj_lws_lib "${LWSJ_LWS_INSTALL_DIR}/lib/${CMAKE_STATIC_LIBRARY_PREFIX}websockets${CMAKE_STATIC_LIBRARY_SUFFIX}")

if(LWSJ_LWS_TESTAPPS)
  set(_lwsj_lws_without_testapps OFF)
  set(_lwsj_lws_minimal ON)
else()
  set(_lwsj_lws_without_testapps ON)
  set(_lwsj_lws_minimal OFF)
endif()

set(_lwsj_lws_args
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_INSTALL_PREFIX=<INSTALL_DIR>
  -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
  "-DCMAKE_C_FLAGS=${CMAKE_C_FLAGS} ${_lwsj_san_string}"
  "-DCMAKE_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS} ${_lwsj_san_string}"
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DLWS_WITH_STATIC=ON
  -DLWS_WITH_SHARED=OFF
  -DLWS_STATIC_PIC=ON
  -DLWS_WITH_SSL=ON
  -DLWS_WITH_ZLIB=ON
  -DLWS_WITH_BUNDLED_ZLIB=OFF
  -DLWS_WITHOUT_EXTENSIONS=OFF
  -DLWS_WITH_EXTERNAL_POLL=ON
  -DLWS_IPV6=ON
  -DLWS_WITH_HTTP2=OFF
  -DLWS_WITH_CUSTOM_HEADERS=ON
  -DLWS_WITHOUT_TESTAPPS=${_lwsj_lws_without_testapps}
  -DLWS_WITH_MINIMAL_EXAMPLES=${_lwsj_lws_minimal}
  -DDISABLE_WERROR=ON
  # lws links libcap when it happens to be installed; keep the link line fixed
  -DLWS_HAVE_LIBCAP=OFF)
list(APPEND _lwsj_lws_args ${_lwsj_dep_args})
if(CMAKE_TOOLCHAIN_FILE)
  list(APPEND _lwsj_lws_args -DCMAKE_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE})
endif()

set(_lwsj_ep_extra "")
if(NOT CMAKE_VERSION VERSION_LESS 3.24)
  list(APPEND _lwsj_ep_extra DOWNLOAD_EXTRACT_TIMESTAMP TRUE)
endif()

ExternalProject_Add(lwsj_lws_external
  URL "${LWSJ_LWS_TARBALL}"
  URL_HASH SHA256=${LWS_SHA256}
  ${_lwsj_ep_extra}
  PREFIX "${CMAKE_BINARY_DIR}/libwebsockets"
  SOURCE_DIR "${LWSJ_LWS_SOURCE_DIR}"
  BINARY_DIR "${LWSJ_LWS_BUILD_DIR}"
  INSTALL_DIR "${LWSJ_LWS_INSTALL_DIR}"
  ${_lwsj_patch_command}
  LIST_SEPARATOR |
  CMAKE_ARGS ${_lwsj_lws_args}
  BUILD_BYPRODUCTS "${_lwsj_lws_lib}"
  LOG_DOWNLOAD ON
  LOG_PATCH ON
  LOG_CONFIGURE ON
  LOG_BUILD ON
  LOG_INSTALL ON
  LOG_OUTPUT_ON_FAILURE ON)

# A patch added, removed or changed (or a changed patch script) must start again from a
# pristine tree: the download step depends on a list of the patches' names and hashes,
# rewritten at configure time only when it changes (every patch is a configure
# dependency), so it re-extracts the archive (removing the old tree), then patch,
# configure and build follow.
set(_lwsj_patch_list "apply-patches.cmake ")
file(SHA256 "${_lwsj_top}/cmake/apply-patches.cmake" _lwsj_h)
string(APPEND _lwsj_patch_list "${_lwsj_h}\n")
foreach(_p IN LISTS LWSJ_LWS_PATCHES)
  get_filename_component(_n "${_p}" NAME)
  file(SHA256 "${_p}" _lwsj_h)
  string(APPEND _lwsj_patch_list "${_n} ${_lwsj_h}\n")
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${LWSJ_LWS_PATCHES} "${_lwsj_top}/cmake/apply-patches.cmake")
set(_lwsj_patch_list_file "${CMAKE_BINARY_DIR}/libwebsockets/lwsj-patches.list")
set(_lwsj_old_list "")
if(EXISTS "${_lwsj_patch_list_file}")
  file(READ "${_lwsj_patch_list_file}" _lwsj_old_list)
endif()
if(NOT _lwsj_old_list STREQUAL _lwsj_patch_list)
  file(WRITE "${_lwsj_patch_list_file}" "${_lwsj_patch_list}")
endif()
ExternalProject_Add_StepDependencies(lwsj_lws_external download "${_lwsj_patch_list_file}")

# An imported target's include directory must exist when CMake generates.
file(MAKE_DIRECTORY "${LWSJ_LWS_INSTALL_DIR}/include")

add_library(lwsj_libwebsockets STATIC IMPORTED GLOBAL)
set_target_properties(lwsj_libwebsockets PROPERTIES
  IMPORTED_LOCATION "${_lwsj_lws_lib}"
  IMPORTED_LINK_INTERFACE_LANGUAGES C
  INTERFACE_INCLUDE_DIRECTORIES "${LWSJ_LWS_INSTALL_DIR}/include;${_lwsj_dep_includes}")
target_link_libraries(lwsj_libwebsockets INTERFACE
  ${_lwsj_dep_libs} Threads::Threads ${CMAKE_DL_LIBS})
if(LWSJ_SANITIZE)
  target_compile_options(lwsj_libwebsockets INTERFACE ${LWSJ_SANITIZE_FLAGS})
  target_link_options(lwsj_libwebsockets INTERFACE ${LWSJ_SANITIZE_FLAGS})
endif()
add_dependencies(lwsj_libwebsockets lwsj_lws_external)
