# Reads LOCK with the CMake module's lock reader (cmake-modules/internal/
# pgo_lockfile.cmake, MODULES is cmake-modules/) and prints its fields, or
# stops with the reader's error: `cmake -DLOCK=x -DMODULES=y -P lock_read.cmake`.
cmake_minimum_required(VERSION 3.20)
include("${MODULES}/internal/pgo_lockfile.cmake")
_pgo_read_lock("${LOCK}" L)
message("cmake-reader: sha256=${L_SHA256} source=${L_SOURCE} created=${L_CREATED} "
        "previous_sha256=${L_PREVIOUS_SHA256} previous_source=${L_PREVIOUS_SOURCE}")
