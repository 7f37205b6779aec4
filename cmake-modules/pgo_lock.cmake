# pgo_lock.cmake: write a pgoctl profile lock file (what pgo_target() reads).
#   cmake -DPROFILE=<profile> -DLOCK=<out.pgolock> [-DVERSION=<v>] [-DSOURCE=<where>]
#         [-DCREATED=<YYYY-MM-DDTHH:MM:SSZ>] [-DKIND=profdata|fdata|instr-profdata]
#         -P pgo_lock.cmake
# SOURCE defaults to PROFILE's path relative to the lock's folder, VERSION to
# the profile's file name, CREATED to now (UTC). The sha256 is the profile's.
cmake_minimum_required(VERSION 3.20)
if(NOT DEFINED PROFILE OR NOT DEFINED LOCK)
  message(FATAL_ERROR "usage: cmake -DPROFILE=<profile> -DLOCK=<out.pgolock> [-DVERSION=v] [-DSOURCE=path] [-DCREATED=time] [-DKIND=k] -P pgo_lock.cmake")
endif()
get_filename_component(PROFILE "${PROFILE}" ABSOLUTE)
get_filename_component(LOCK "${LOCK}" ABSOLUTE)
if(NOT EXISTS "${PROFILE}")
  message(FATAL_ERROR "pgo_lock.cmake: ${PROFILE} does not exist")
endif()
file(SHA256 "${PROFILE}" sha)
get_filename_component(lockdir "${LOCK}" DIRECTORY)
if(NOT DEFINED SOURCE)
  file(RELATIVE_PATH SOURCE "${lockdir}" "${PROFILE}")
endif()
if(NOT DEFINED VERSION)
  get_filename_component(VERSION "${PROFILE}" NAME)
endif()
if(NOT DEFINED CREATED)
  string(TIMESTAMP CREATED "%Y-%m-%dT%H:%M:%SZ" UTC)
endif()
if(NOT DEFINED KIND)
  if(PROFILE MATCHES "\\.fdata$")
    set(KIND fdata)
  else()
    set(KIND profdata)
  endif()
endif()
file(WRITE "${LOCK}" "# pgoctl profile lock: pins the profile pgo_target() builds with.\n"
                     "format  = pgolock-1\n"
                     "version = ${VERSION}\n"
                     "kind    = ${KIND}\n"
                     "sha256  = ${sha}\n"
                     "source  = ${SOURCE}\n"
                     "created = ${CREATED}\n")
message(STATUS "wrote ${LOCK}: ${VERSION} sha256 ${sha}")
