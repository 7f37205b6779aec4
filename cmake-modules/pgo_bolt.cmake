# pgo_bolt.cmake: the post-link BOLT step of pgo_target(... MODE BOLT), run as
#   cmake -DBOLT=<llvm-bolt> -DINPUT=<binary> -DOUTPUT=<binary.bolt>
#         -DPROFILE=<.fdata> -DFLAGS=<;-list> -P pgo_bolt.cmake
# Writes OUTPUT (through a temporary file, so a failed run leaves no half
# binary), keeps llvm-bolt's log in OUTPUT.log, prints one summary line, and on
# failure prints the end of the log. INPUT stays as it is beside OUTPUT.
cmake_minimum_required(VERSION 3.20)
foreach(v BOLT INPUT OUTPUT PROFILE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "pgo_bolt.cmake: -D${v}=... is required")
  endif()
endforeach()
execute_process(
  COMMAND "${BOLT}" "${INPUT}" -o "${OUTPUT}.tmp" "-data=${PROFILE}" ${FLAGS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
file(WRITE "${OUTPUT}.log" "${BOLT} ${INPUT} -o ${OUTPUT} -data=${PROFILE} ${FLAGS}\n${log}")
if(NOT rc EQUAL 0)
  string(LENGTH "${log}" n)
  if(n GREATER 4000)
    math(EXPR from "${n} - 4000")
    string(SUBSTRING "${log}" ${from} -1 log)
  endif()
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "llvm-bolt failed (${rc}) on ${INPUT} with ${PROFILE}; log ${OUTPUT}.log:\n${log}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
set(summary "")
if(log MATCHES "BOLT-INFO: ([0-9]+ out of [0-9]+ functions in the binary \\([0-9.]+%\\) have non-empty execution profile)")
  set(summary ": ${CMAKE_MATCH_1}")
endif()
message(STATUS "BOLT: wrote ${OUTPUT}${summary}")
if(log MATCHES "BOLT-WARNING: ([^\n]*stale[^\n]*)")
  message(WARNING "BOLT: ${CMAKE_MATCH_1} (see ${OUTPUT}.log)")
endif()
