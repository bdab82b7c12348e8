# cmake/apply-patches.cmake - applies lwsj's own patches to the unpacked libwebsockets.
#
#   cmake -DSOURCE_DIR=<libwebsockets source> -DPATCH_DIR=<dir of *.patch>
#         -DPATCH_EXECUTABLE=<GNU patch> -P apply-patches.cmake
#
# Run as the PATCH_COMMAND of the libwebsockets ExternalProject (cmake/libwebsockets.cmake).
# Every PATCH_DIR/*.patch is applied in name order with -p1. Idempotent: a patch that is
# already applied (its reverse applies cleanly) is skipped. Loud: a patch that neither
# applies cleanly nor is already applied stops the build, before anything is changed by
# it, with patch's own output. The list of applied patches goes to
# SOURCE_DIR/.lwsj-patches.
foreach(var SOURCE_DIR PATCH_DIR PATCH_EXECUTABLE)
  if(NOT ${var})
    message(FATAL_ERROR "apply-patches.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT IS_DIRECTORY "${SOURCE_DIR}")
  message(FATAL_ERROR "apply-patches.cmake: no source directory ${SOURCE_DIR}")
endif()

file(GLOB _patches "${PATCH_DIR}/*.patch")
list(SORT _patches)
set(_applied "")
foreach(_p IN LISTS _patches)
  get_filename_component(_name "${_p}" NAME)
  execute_process(
    COMMAND "${PATCH_EXECUTABLE}" -p1 -R -f -s --dry-run -i "${_p}"
    WORKING_DIRECTORY "${SOURCE_DIR}"
    RESULT_VARIABLE _rev OUTPUT_QUIET ERROR_QUIET)
  if(_rev EQUAL 0)
    message(STATUS "libwebsockets patch ${_name}: already applied")
    string(APPEND _applied "${_name}\n")
    continue()
  endif()
  execute_process(
    COMMAND "${PATCH_EXECUTABLE}" -p1 -N -f --dry-run -i "${_p}"
    WORKING_DIRECTORY "${SOURCE_DIR}"
    RESULT_VARIABLE _dry OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _dry EQUAL 0)
    message(FATAL_ERROR "libwebsockets patch ${_name} does not apply to ${SOURCE_DIR}:\n"
                        "${_out}${_err}\n"
                        "The patches in ${PATCH_DIR} are made for the pinned release "
                        "(cmake/libwebsockets.version); refresh them when the pin changes.")
  endif()
  execute_process(
    COMMAND "${PATCH_EXECUTABLE}" -p1 -N -f -s --no-backup-if-mismatch -i "${_p}"
    WORKING_DIRECTORY "${SOURCE_DIR}"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "libwebsockets patch ${_name} failed:\n${_out}${_err}")
  endif()
  message(STATUS "libwebsockets patch ${_name}: applied")
  string(APPEND _applied "${_name}\n")
endforeach()
file(WRITE "${SOURCE_DIR}/.lwsj-patches" "${_applied}")
