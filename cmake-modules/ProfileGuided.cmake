# ProfileGuided.cmake: build a target with a pinned production profile.
#
#   include(ProfileGuided)
#   pgo_target(<target> MODE SAMPLE|INSTRUMENTED|BOLT PROFILE <file.pgolock | profile>
#              [REQUIRED] [MAX_AGE_DAYS <n>]
#              [BOLT_FLAGS <flag>...] [BOLT_OUTPUT <path>])
#   pgo_training_target(<new target> FROM <target> [PROFILE_DIR <dir>])
#   pgo_install(<target> [DESTINATION <dir>] [COMPONENT <component>])
#
# pgo_target() resolves the profile at configure time (a `.pgolock` file names
# it by version and sha256 and says where to fetch it; any other path is the
# profile itself), checks the sha256, caches it in the build tree under
# `pgo-profiles/<sha256>/`, and adds the flags of the mode to the target only:
#   SAMPLE        -fprofile-sample-use=<cached .profdata> -fdebug-info-for-profiling
#                 -funique-internal-linkage-names (the last two also without a
#                 profile, so the binary you deploy is ready to be profiled),
#                 -mllvm -profile-summary-hot-count=<the profile's count at
#                 PGO_SAMPLE_HOT_CUTOFF, from `pgoctl summary`>; with LTO the
#                 link gets the profile and the -mllvm options too
#   INSTRUMENTED  -fprofile-use=<cached .profdata> (from pgo_training_target)
#   BOLT          -Wl,--emit-relocs, and a post-link `llvm-bolt` step writing
#                 <linked file>.bolt beside the un-BOLTed one (target
#                 `<target>-bolt`, part of ALL); call pgo_target twice for
#                 SAMPLE or INSTRUMENTED plus BOLT.
# The cached path holds the sha256, so the compile flags change with the
# profile: Ninja/Make rebuild and ccache misses whenever the profile changes.
#
# Lock files are data: their values are validated, their `source` must lie in
# the repository, the lock's folder or PGO_PROFILE_STORE, only regular files
# of bounded size are read, and the cached profile's name is the module's
# (pgo-profiles/<sha256>/profile.<kind>), never one from the lock; a bad lock
# is a configure error naming the lock, the line and what is wrong. Write
# locks with `pgoctl lock`. A missing, unreadable, mismatched or wrong-kind
# profile is a loud warning naming the file and the target builds without
# that profile; with REQUIRED it is a configure error. A profile older than
# MAX_AGE_DAYS (default PGO_PROFILE_MAX_AGE_DAYS, 0 = never) is reported as
# stale. SAMPLE and
# INSTRUMENTED need clang; other compilers get a message and no profile flags.
#
# Cache variables: PGO_DISABLE (no profile flags at all), PGO_PROFILE_MAX_AGE_DAYS,
# PGO_PROFILE_STORE (a local folder lock sources may name besides the
# repository), PGO_PROFILE_MAX_BYTES (largest profile read, default 1 GiB),
# PGO_SAMPLE_FLAGS (extra compiler flags of MODE SAMPLE with a profile),
# PGO_SAMPLE_HOT_CUTOFF (default 99.7; empty: clang's 99%), PGO_PGOCTL,
# PGO_BOLT_FLAGS (llvm-bolt flags for every target; empty: the module's
# PGO_DEFAULT_BOLT_FLAGS, or PGO_DEFAULT_BOLT_FLAGS_NO_LBR for a no_lbr
# .fdata), PGO_LLVM_BOLT, PGO_LLVM_PROFDATA.
# Target properties set: PGO_MODES, PGO_PROFILE_<MODE> (cached profile or
# empty), PGO_PROFILE_SHA256_<MODE>, PGO_SAMPLE_HOT_COUNT (the hot count
# passed, or unset), PGO_BOLT_OUTPUT (the binary to deploy: the BOLTed one, or
# the plain one when BOLT has no profile).
# See cmake-modules/README.md for the lock file format, docs/cmake-module.md
# for why the defaults are what they are (measured on examples/kvsvc). The
# helpers live in internal/ (pgo_lockfile.cmake, pgo_flags.cmake).
include_guard(GLOBAL)
cmake_minimum_required(VERSION 3.20)

set(_PGO_MODULE_DIR "${CMAKE_CURRENT_LIST_DIR}")
include("${_PGO_MODULE_DIR}/internal/pgo_lockfile.cmake")
include("${_PGO_MODULE_DIR}/internal/pgo_flags.cmake")

option(PGO_DISABLE "Build every pgo_target() without profile flags" OFF)
# MODE SAMPLE: LLVM's inliner weighs a hot call's benefit against its cost
# only for instrumentation profiles unless asked; this asks for sample
# profiles too (docs/cmake-module.md). With LTO the -mllvm options also go to
# the link as -plugin-opt=. Empty: none.
set(PGO_SAMPLE_FLAGS "-mllvm;-inline-enable-cost-benefit-analysis=true" CACHE STRING
    "Extra compiler flags of pgo_target(... MODE SAMPLE) with a profile, a ;-list (empty: none)")
# MODE SAMPLE: clang calls a count hot from the summary's 99% line, which sits
# about 3x higher in a sample profile than in an instrumented one; the module
# asks `pgoctl summary --hot-count-at <cutoff>` (memoized beside the cached
# profile) and passes -mllvm -profile-summary-hot-count=<count>. Without
# pgoctl (PGO_PGOCTL, find_package(pgoctl)'s PGOCTL_EXECUTABLE, PATH) clang's
# 99% is used and configure says so; a profile-summary option in
# PGO_SAMPLE_FLAGS wins. Why 99.7: docs/cmake-module.md.
set(PGO_SAMPLE_HOT_CUTOFF "99.7" CACHE STRING
    "MODE SAMPLE: hot count at this cumulative share of the profile's counts, in percent (empty: clang's 99%)")
set(PGO_PGOCTL "" CACHE FILEPATH
    "pgoctl for configure-time profile queries (empty: find_package(pgoctl)'s, else PATH)")
set(PGO_PROFILE_MAX_AGE_DAYS 30 CACHE STRING
    "Profiles older than this many days are reported as stale (0: never)")
# Lock sources are confined to the repository and the lock's folder, so a
# lock cannot copy in (or hash) any file of the machine; a store of fetched
# profiles outside the repository is named here.
set(PGO_PROFILE_STORE "" CACHE PATH
    "A local folder of profiles that lock files may name besides the repository (empty: none)")
# Profiles are hashed and copied at configure time: a bound on what a lock
# (or a wrong path) can make configure read and copy into the build tree.
set(PGO_PROFILE_MAX_BYTES 1073741824 CACHE STRING
    "Largest profile pgo_target() reads, in bytes (default 1 GiB)")
# BOLT 22's usual optimization set; -update-debug-sections keeps DWARF right
# for the optimized layout, so the next production profile (of the BOLTed
# binary) can be symbolized for sample PGO.
set(PGO_DEFAULT_BOLT_FLAGS
    -reorder-blocks=ext-tsp -reorder-functions=cdsort -split-functions -split-all-cold -split-eh
    -icf=safe -use-gnu-stack -update-debug-sections -dyno-stats)
# A no_lbr .fdata (IP samples: block counts, no edges) gets function
# reordering only: block layout from no_lbr counts measured slower on kvsvc
# (docs/cmake-module.md); configure says so.
set(PGO_DEFAULT_BOLT_FLAGS_NO_LBR
    -reorder-blocks=none -reorder-functions=cdsort -icf=safe -use-gnu-stack -update-debug-sections
    -dyno-stats)
set(PGO_BOLT_FLAGS "" CACHE STRING
    "llvm-bolt flags of pgo_target(... MODE BOLT), a ;-list (empty: PGO_DEFAULT_BOLT_FLAGS); BOLT_FLAGS overrides per target")

# --- pgo_target ----------------------------------------------------------------

function(pgo_target target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "REQUIRED" "MODE;PROFILE;MAX_AGE_DAYS;BOLT_OUTPUT" "BOLT_FLAGS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pgo_target(${target}): unknown arguments `${ARG_UNPARSED_ARGUMENTS}`")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "pgo_target(${target}): no such target (call pgo_target after add_executable/add_library)")
  endif()
  if(NOT ARG_MODE MATCHES "^(SAMPLE|INSTRUMENTED|BOLT)$")
    message(FATAL_ERROR "pgo_target(${target}): MODE must be SAMPLE, INSTRUMENTED or BOLT (got `${ARG_MODE}`)")
  endif()
  # PROFILE "" (e.g. an unset cache variable): the build the profile comes
  # from, with the mode's build flags (names, relocations) but no profile.
  set(no_profile OFF)
  if(NOT "PROFILE" IN_LIST ARGN)
    message(FATAL_ERROR "pgo_target(${target} MODE ${ARG_MODE}): PROFILE <lock file or profile> is required (PROFILE \"\" for a build to be profiled)")
  elseif(NOT DEFINED ARG_PROFILE OR ARG_PROFILE STREQUAL "")
    set(no_profile ON)
  endif()
  set(mode "${ARG_MODE}")
  if(NOT DEFINED ARG_MAX_AGE_DAYS)
    set(ARG_MAX_AGE_DAYS "${PGO_PROFILE_MAX_AGE_DAYS}")
  endif()
  if(NOT ARG_MAX_AGE_DAYS MATCHES "^[0-9]+$")
    message(FATAL_ERROR "pgo_target(${target}): MAX_AGE_DAYS must be a number of days (got `${ARG_MAX_AGE_DAYS}`)")
  endif()
  get_target_property(modes ${target} PGO_MODES)
  if(NOT modes)
    set(modes "")
  endif()
  if(mode IN_LIST modes)
    message(FATAL_ERROR "pgo_target(${target}): MODE ${mode} given twice")
  endif()
  if((mode STREQUAL "SAMPLE" AND "INSTRUMENTED" IN_LIST modes) OR (mode STREQUAL "INSTRUMENTED" AND "SAMPLE" IN_LIST modes))
    message(FATAL_ERROR "pgo_target(${target}): SAMPLE and INSTRUMENTED exclude each other (one compile-time profile per target); BOLT combines with either")
  endif()
  set_property(TARGET ${target} APPEND PROPERTY PGO_MODES ${mode})
  set_property(TARGET ${target} PROPERTY PGO_PROFILE_${mode} "")
  set_property(TARGET ${target} PROPERTY PGO_PROFILE_SHA256_${mode} "")
  set(C_OR_CXX "$<COMPILE_LANGUAGE:C,CXX>")

  if(mode STREQUAL "BOLT")
    # Relocations for BOLT go in with or without a profile: the binary that is
    # deployed and profiled must be BOLT-able.
    target_link_options(${target} PRIVATE "LINKER:--emit-relocs")
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "EXECUTABLE" AND NOT type STREQUAL "SHARED_LIBRARY")
      message(FATAL_ERROR "pgo_target(${target} MODE BOLT): BOLT optimizes linked binaries; ${target} is a ${type}")
    endif()
    set_property(TARGET ${target} PROPERTY PGO_BOLT_OUTPUT "$<TARGET_FILE:${target}>")
  else()
    # Source-location discriminators and unique names for internal functions:
    # needed when the profile is used and when the profiled binary is built.
    _pgo_non_clang(bad)
    if(bad)
      _pgo_problem("${ARG_REQUIRED}"
        "pgo_target(${target} MODE ${mode}): ${bad}: MODE ${mode} needs clang (it reads LLVM .profdata; GCC's -fauto-profile/-fprofile-use read other formats). MODE BOLT works with any compiler.")
      return()
    endif()
    if(mode STREQUAL "SAMPLE")
      target_compile_options(${target} PRIVATE "$<${C_OR_CXX}:-fdebug-info-for-profiling;-funique-internal-linkage-names>")
    endif()
  endif()

  if(PGO_DISABLE)
    message(STATUS "pgo_target(${target} MODE ${mode}): PGO_DISABLE is ON, no profile")
    return()
  endif()
  if(no_profile)
    message(STATUS "pgo_target(${target} MODE ${mode}): no profile given (PROFILE \"\"): a build to be profiled")
    return()
  endif()
  _pgo_resolve(${target} ${mode} "${ARG_PROFILE}" "${ARG_REQUIRED}" "${ARG_MAX_AGE_DAYS}" profile sha)
  if(NOT profile)
    return()
  endif()
  set_property(TARGET ${target} PROPERTY PGO_PROFILE_${mode} "${profile}")
  set_property(TARGET ${target} PROPERTY PGO_PROFILE_SHA256_${mode} "${sha}")

  if(mode STREQUAL "SAMPLE")
    target_compile_options(${target} PRIVATE "$<${C_OR_CXX}:-fprofile-sample-use=${profile}>")
    set(flags "")
    if(PGO_SAMPLE_FLAGS)
      _pgo_group_option_pairs("${PGO_SAMPLE_FLAGS}" flags)
      target_compile_options(${target} PRIVATE "$<${C_OR_CXX}:${flags}>")
    endif()
    _pgo_sample_hot_count(${target} "${profile}" hot)
    if(hot)
      set(group "SHELL:-mllvm -profile-summary-hot-count=${hot}")
      target_compile_options(${target} PRIVATE "$<${C_OR_CXX}:${group}>")
      set_property(TARGET ${target} PROPERTY PGO_SAMPLE_HOT_COUNT "${hot}")
      list(APPEND flags "${group}")
    endif()
    _pgo_sample_lto_link(${target} "${profile}" "${flags}")
  elseif(mode STREQUAL "INSTRUMENTED")
    target_compile_options(${target} PRIVATE "$<${C_OR_CXX}:-fprofile-use=${profile}>")
  else()
    _pgo_find_llvm_tool(PGO_LLVM_BOLT llvm-bolt)
    if(NOT PGO_LLVM_BOLT)
      _pgo_problem("${ARG_REQUIRED}" "pgo_target(${target} MODE BOLT): llvm-bolt not found (apt-get install bolt-22, or set PGO_LLVM_BOLT)")
      return()
    endif()
    if(DEFINED ARG_BOLT_FLAGS)
      set(flags "${ARG_BOLT_FLAGS}")
    elseif(PGO_BOLT_FLAGS)
      set(flags "${PGO_BOLT_FLAGS}")
    else()
      # The first line (file(READ ... LIMIT 6) in text mode can return the
      # newline too).
      file(STRINGS "${profile}" head LIMIT_COUNT 1)
      if(head MATCHES "^no_lbr( |$)")
        set(flags "${PGO_DEFAULT_BOLT_FLAGS_NO_LBR}")
        message(STATUS "pgo_target(${target} MODE BOLT): the .fdata has no branch records (no_lbr: IP samples only): BOLT can only reorder functions (docs/cmake-module.md). Without LBR, `pgoctl convert --to fdata --infer-edges` writes the edges pgoctl infers from IP samples instead")
      else()
        set(flags "${PGO_DEFAULT_BOLT_FLAGS}")
      endif()
    endif()
    if(ARG_BOLT_OUTPUT)
      get_filename_component(out "${ARG_BOLT_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    else()
      # Beside the linked file (OUTPUT may not use $<TARGET_FILE>): its
      # output folder, name, prefix and suffix, and with a multi-config
      # generator the configuration's folder (Debug/svc.bolt, Release/...).
      if(type STREQUAL "EXECUTABLE")
        set(kind RUNTIME)
        set(prefix "")
        set(suffix "${CMAKE_EXECUTABLE_SUFFIX}")
      else()
        set(kind LIBRARY)
        set(prefix "${CMAKE_SHARED_LIBRARY_PREFIX}")
        set(suffix "${CMAKE_SHARED_LIBRARY_SUFFIX}")
      endif()
      get_target_property(dir ${target} ${kind}_OUTPUT_DIRECTORY)
      if(NOT dir)
        set(dir "${CMAKE_CURRENT_BINARY_DIR}")
      endif()
      get_property(multi GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
      if(multi)
        string(APPEND dir "/$<CONFIG>")
      endif()
      foreach(p OUTPUT_NAME PREFIX SUFFIX)
        get_target_property(v ${target} ${p})
        if(v)
          string(TOLOWER "${p}" var)
          set(${var} "${v}")
        endif()
      endforeach()
      if(NOT output_name)
        set(output_name "${target}")
      endif()
      set(out "${dir}/${prefix}${output_name}${suffix}.bolt")
    endif()
    string(REPLACE ";" "$<SEMICOLON>" flags_arg "${flags}")
    string(SUBSTRING "${sha}" 0 12 short)
    add_custom_command(OUTPUT "${out}"
      COMMAND "${CMAKE_COMMAND}" "-DBOLT=${PGO_LLVM_BOLT}" "-DINPUT=$<TARGET_FILE:${target}>"
              "-DOUTPUT=${out}" "-DPROFILE=${profile}" "-DFLAGS=${flags_arg}"
              -P "${_PGO_MODULE_DIR}/pgo_bolt.cmake"
      DEPENDS ${target} "${profile}" "${_PGO_MODULE_DIR}/pgo_bolt.cmake"
      COMMENT "BOLT: ${target} -> ${target}.bolt (profile sha256 ${short})"
      VERBATIM)
    add_custom_target(${target}-bolt ALL DEPENDS "${out}")
    set_property(TARGET ${target} PROPERTY PGO_BOLT_OUTPUT "${out}")
  endif()
endfunction()

# --- pgo_install -------------------------------------------------------------------

# pgo_install(<target> [DESTINATION <dir>] [COMPONENT <component>]): installs
# what to deploy, under the target's own file name: the BOLTed file when
# pgo_target(<target> MODE BOLT ...) (called before) has a profile, else the
# target as linked. DESTINATION defaults to GNUInstallDirs' bin (executables)
# or lib (shared libraries).
function(pgo_install target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "DESTINATION;COMPONENT" "")
  if(ARG_UNPARSED_ARGUMENTS OR NOT TARGET ${target})
    message(FATAL_ERROR "pgo_install(${target} [DESTINATION dir] [COMPONENT c]): bad arguments `${ARGN}` or no such target")
  endif()
  get_target_property(type ${target} TYPE)
  if(NOT ARG_DESTINATION)
    include(GNUInstallDirs)
    if(type STREQUAL "EXECUTABLE")
      set(ARG_DESTINATION "${CMAKE_INSTALL_BINDIR}")
    else()
      set(ARG_DESTINATION "${CMAKE_INSTALL_LIBDIR}")
    endif()
  endif()
  set(component "")
  if(ARG_COMPONENT)
    set(component COMPONENT "${ARG_COMPONENT}")
  endif()
  get_target_property(out ${target} PGO_BOLT_OUTPUT)
  if(NOT out OR out STREQUAL "$<TARGET_FILE:${target}>")
    install(TARGETS ${target} RUNTIME DESTINATION "${ARG_DESTINATION}" LIBRARY DESTINATION "${ARG_DESTINATION}" ${component})
  else()
    install(PROGRAMS "${out}" DESTINATION "${ARG_DESTINATION}" RENAME "$<TARGET_FILE_NAME:${target}>" ${component})
  endif()
endfunction()

# --- pgo_training_target ---------------------------------------------------------

# pgo_training_target(<new> FROM <target> [PROFILE_DIR <dir>]): a copy of the
# executable <target> (sources, include dirs, definitions, options, features,
# link libraries and options as set when this is called) built with
# -fprofile-generate=<dir> (default <build>/pgo-training/<new>); not part of
# ALL, build it by name. Run it on a
# training load, then build target `<new>-profdata`, which merges the .profraw
# files into <dir>.profdata for pgo_target(... MODE INSTRUMENTED).
function(pgo_training_target name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "FROM;PROFILE_DIR" "")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_FROM)
    message(FATAL_ERROR "pgo_training_target(${name} FROM <target> [PROFILE_DIR <dir>]): bad arguments `${ARGN}`")
  endif()
  if(NOT TARGET ${ARG_FROM})
    message(FATAL_ERROR "pgo_training_target(${name}): FROM ${ARG_FROM} is not a target")
  endif()
  get_target_property(type ${ARG_FROM} TYPE)
  if(NOT type STREQUAL "EXECUTABLE")
    message(FATAL_ERROR "pgo_training_target(${name}): ${ARG_FROM} is a ${type}; the training variant copies an executable")
  endif()
  _pgo_non_clang(bad)
  if(bad)
    message(WARNING "pgo_training_target(${name}): ${bad}: the training variant needs clang "
                    "(GCC's -fprofile-generate writes .gcda, which llvm-profdata cannot read); not adding ${name}")
    return()
  endif()
  if(NOT ARG_PROFILE_DIR)
    set(ARG_PROFILE_DIR "${CMAKE_BINARY_DIR}/pgo-training/${name}")
  endif()
  get_filename_component(dir "${ARG_PROFILE_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

  get_target_property(srcs ${ARG_FROM} SOURCES)
  get_target_property(src_dir ${ARG_FROM} SOURCE_DIR)
  set(abs_srcs "")
  foreach(s IN LISTS srcs)
    if(s MATCHES "^\\$<" OR IS_ABSOLUTE "${s}")
      list(APPEND abs_srcs "${s}")
    else()
      list(APPEND abs_srcs "${src_dir}/${s}")
    endif()
  endforeach()
  add_executable(${name} EXCLUDE_FROM_ALL ${abs_srcs})
  foreach(prop INCLUDE_DIRECTORIES COMPILE_DEFINITIONS COMPILE_OPTIONS COMPILE_FEATURES
               LINK_LIBRARIES LINK_OPTIONS LINK_DIRECTORIES
               C_STANDARD C_STANDARD_REQUIRED C_EXTENSIONS
               CXX_STANDARD CXX_STANDARD_REQUIRED CXX_EXTENSIONS POSITION_INDEPENDENT_CODE)
    get_target_property(v ${ARG_FROM} ${prop})
    if(NOT v STREQUAL "v-NOTFOUND")
      if(prop MATCHES "^(COMPILE|LINK)_OPTIONS$")
        # Not the profile-use flags of pgo_target() (and their hot count).
        list(FILTER v EXCLUDE REGEX "-fprofile-(sample-)?use=|profile-summary-hot-count=")
      endif()
      set_property(TARGET ${name} PROPERTY ${prop} "${v}")
    endif()
  endforeach()
  target_compile_options(${name} PRIVATE "$<$<COMPILE_LANGUAGE:C,CXX>:-fprofile-generate=${dir}>")
  target_link_options(${name} PRIVATE "-fprofile-generate=${dir}")

  _pgo_find_llvm_tool(PGO_LLVM_PROFDATA llvm-profdata)
  if(PGO_LLVM_PROFDATA)
    add_custom_target(${name}-profdata
      COMMAND "${PGO_LLVM_PROFDATA}" merge -o "${dir}.profdata" "${dir}"
      COMMENT "llvm-profdata merge ${dir}/*.profraw -> ${dir}.profdata"
      VERBATIM)
  endif()
  set_property(TARGET ${name} PROPERTY PGO_TRAINING_PROFILE "${dir}.profdata")
  message(STATUS "pgo_training_target(${name}): instrumented copy of ${ARG_FROM}, .profraw files in ${dir}")
endfunction()
