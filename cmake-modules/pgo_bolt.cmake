# pgo_bolt.cmake: the post-link BOLT step of pgo_target(... MODE BOLT), run as
#   cmake -DBOLT=<llvm-bolt> -DINPUT=<linked file> -DOUTPUT=<BOLTed file>
#         [-DPREBOLT=<copy>] -DPROFILE=<.fdata|.yaml> -DFLAGS=<;-list> -P pgo_bolt.cmake
# With PREBOLT (in place: OUTPUT is INPUT) the linked file is first copied to
# PREBOLT, which llvm-bolt then reads. OUTPUT is written through a temporary
# file, so a failed run leaves no half binary (in place: the linked file
# stays, and the failed build step re-links and re-runs next time). The log
# goes to OUTPUT.bolt.log (in place) or OUTPUT.log; one summary line is
# printed, and on failure the end of the log.
cmake_minimum_required(VERSION 3.20)
foreach(v BOLT INPUT OUTPUT PROFILE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "pgo_bolt.cmake: -D${v}=... is required")
  endif()
endforeach()
set(log_file "${OUTPUT}.log")
get_filename_component(out_dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${out_dir}")
if(DEFINED PREBOLT)
  file(COPY_FILE "${INPUT}" "${PREBOLT}.tmp")
  file(RENAME "${PREBOLT}.tmp" "${PREBOLT}")
  set(INPUT "${PREBOLT}")
  set(log_file "${OUTPUT}.bolt.log")
endif()
execute_process(
  COMMAND "${BOLT}" "${INPUT}" -o "${OUTPUT}.tmp" "-data=${PROFILE}" ${FLAGS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
file(WRITE "${log_file}" "${BOLT} ${INPUT} -o ${OUTPUT} -data=${PROFILE} ${FLAGS}\n${log}")
if(NOT rc EQUAL 0)
  string(LENGTH "${log}" n)
  if(n GREATER 4000)
    math(EXPR from "${n} - 4000")
    string(SUBSTRING "${log}" ${from} -1 log)
  endif()
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "llvm-bolt failed (${rc}) on ${INPUT} with ${PROFILE}; log ${log_file}:\n${log}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
set(summary "")
if(log MATCHES "BOLT-INFO: ([0-9]+ out of [0-9]+ functions in the binary \\([0-9.]+%\\) have non-empty execution profile)")
  set(summary ": ${CMAKE_MATCH_1}")
endif()
message(STATUS "BOLT: wrote ${OUTPUT}${summary}")
# With -infer-stale-profile (a YAML profile, maybe of an older build) stale
# functions are expected and matched: say how many BOLT inferred. Without it
# their profile is dropped, which deserves a warning.
if("-infer-stale-profile" IN_LIST FLAGS AND log MATCHES "BOLT-INFO: (inferred profile for [^\n]*)")
  message(STATUS "BOLT: stale profile matched to this build: ${CMAKE_MATCH_1} (see ${log_file})")
elseif(log MATCHES "BOLT-WARNING: ([^\n]*stale[^\n]*)")
  message(WARNING "BOLT: ${CMAKE_MATCH_1} (see ${log_file})")
endif()
