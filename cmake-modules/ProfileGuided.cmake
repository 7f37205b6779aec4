# ProfileGuided.cmake: build a target with a pinned production profile.
#
#   include(ProfileGuided)
#   pgo_target(<target>... MODE SAMPLE|INSTRUMENTED|BOLT PROFILE <file.pgolock | profile>
#              [REQUIRED] [MAX_AGE_DAYS <n>]
#              [BOLT_FLAGS <flag>...] [BOLT_OUTPUT <path>])
#   pgo_training_target(<new target> FROM <target> [PROFILE_DIR <dir>])
#   pgo_install(<target> [DESTINATION <dir>] [COMPONENT <component>])
#
# pgo_target() resolves the profile at configure time (a `.pgolock` file names
# it by version and sha256 and says where to fetch it; any other path is the
# profile itself), checks the sha256, caches it in the build tree under
# `pgo-profiles/<sha256>/`, and adds the flags of the mode to the targets only
# (every target that compiles hot code: the executable, its libraries,
# vendored ones included):
#   SAMPLE        -fprofile-sample-use=<cached .profdata> -fdebug-info-for-profiling
#                 -funique-internal-linkage-names -fno-omit-frame-pointer
#                 -mno-omit-leaf-frame-pointer (all but the first also without
#                 a profile, so the binary you deploy is ready to be profiled),
#                 -mllvm -profile-summary-hot-count=<the profile's count at
#                 PGO_SAMPLE_HOT_CUTOFF, from `pgoctl summary`>; with LTO the
#                 link gets the profile and the -mllvm options too
#   INSTRUMENTED  -fprofile-use=<cached .profdata> (from pgo_training_target)
#   BOLT          -Wl,--emit-relocs, and a POST_BUILD `llvm-bolt` step that
#                 rewrites the linked file in place (the linker's output kept
#                 as <file>.prebolt), or writes BOLT_OUTPUT; a .yaml profile
#                 gets -infer-stale-profile. A target of another folder (a
#                 vendored add_subdirectory) gets its copy from <target>-bolt
#                 (in ALL): BOLT_OUTPUT, or <build>/pgo-bolt/<file name>.
#                 Call pgo_target twice for SAMPLE or INSTRUMENTED plus BOLT.
# The cached path holds the sha256, so the compile flags change with the
# profile: Ninja/Make rebuild and ccache misses whenever the profile changes.
#
# Lock files are data: their values are validated, their `source` must lie in
# the repository, the lock's folder or PGO_PROFILE_STORE, only regular files
# of bounded size are read, and the cached profile's name is the module's
# (pgo-profiles/<sha256>/profile.<kind>), never one from the lock; a bad lock
# is a configure error naming the lock, the line and what is wrong. Write
# locks with `pgoctl lock`. A missing, unreadable, mismatched or wrong-kind
# profile, or a compiler that cannot use it (SAMPLE and INSTRUMENTED need
# clang for the languages the target compiles), is a configure error naming
# the file; with PGO_ON_UNAVAILABLE=WARN a loud warning, and the target builds
# without that profile (REQUIRED: an error either way). A profile older than
# MAX_AGE_DAYS (default PGO_PROFILE_MAX_AGE_DAYS, 0 = never) is reported as
# stale. Configure ends with a summary: one line per pgo_target (target,
# mode, profile version, sha256, age, the lock's quality verdict, or why it
# has none).
#
# Cache variables: PGO_DISABLE (no profile flags at all), PGO_ON_UNAVAILABLE
# (ERROR or WARN), PGO_FRAME_POINTERS (ON), PGO_PROFILE_MAX_AGE_DAYS,
# PGO_PROFILE_STORE (a local folder lock sources may name besides the
# repository), PGO_PROFILE_MAX_BYTES (largest profile read, default 1 GiB),
# PGO_SAMPLE_FLAGS (extra compiler flags of MODE SAMPLE with a profile),
# PGO_SAMPLE_HOT_CUTOFF (default 99.7; empty: clang's 99%), PGO_PGOCTL,
# PGO_BOLT_FLAGS (llvm-bolt flags for every target; empty: the module's
# PGO_DEFAULT_BOLT_FLAGS, or PGO_DEFAULT_BOLT_FLAGS_NO_LBR for a no_lbr
# .fdata), PGO_LLVM_BOLT, PGO_LLVM_PROFDATA.
# Target properties set: PGO_MODES, PGO_PROFILE_<MODE> (cached profile or
# empty), PGO_PROFILE_SHA256_<MODE>, PGO_SAMPLE_HOT_COUNT (the hot count
# passed, or unset), PGO_BOLT_OUTPUT (the BOLTed file: the target's own file
# unless BOLT_OUTPUT is given or the target is another folder's), PGO_TRAINING_COPY (a library's training copy).
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

# A build meant to use PGO that cannot (missing or mismatched profile, a
# compiler that cannot read it, no llvm-bolt) stops the configure; WARN builds
# such targets without the profile and says so in the summary. REQUIRED on a
# pgo_target() call is an error either way.
set(PGO_ON_UNAVAILABLE "ERROR" CACHE STRING
    "When a pgo_target() profile cannot be used: ERROR (stop the configure) or WARN (build without it)")
set_property(CACHE PGO_ON_UNAVAILABLE PROPERTY STRINGS ERROR WARN)
# MODE SAMPLE builds are the next recording's binaries: frame pointers make
# `perf record -g` call chains complete (leaf functions included).
option(PGO_FRAME_POINTERS "MODE SAMPLE: -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer for call chains" ON)

# --- pgo_target ----------------------------------------------------------------

# pgo_target(<target>... MODE <mode> PROFILE <lock|profile> [options]): the
# same mode and profile on each target (an executable and the libraries that
# compile its hot code, vendored ones included). Each target is handled as
# if it had its own call.
function(pgo_target)
  set(keywords MODE PROFILE REQUIRED MAX_AGE_DAYS BOLT_FLAGS BOLT_OUTPUT)
  set(targets "")
  set(n 0)
  while(n LESS ARGC AND NOT "${ARGV${n}}" IN_LIST keywords)
    list(APPEND targets "${ARGV${n}}")
    math(EXPR n "${n} + 1")
  endwhile()
  if(NOT targets)
    message(FATAL_ERROR "pgo_target(<target>... MODE <mode> PROFILE <profile>): no target given")
  endif()
  cmake_parse_arguments(PARSE_ARGV ${n} ARG "REQUIRED" "MODE;PROFILE;MAX_AGE_DAYS;BOLT_OUTPUT" "BOLT_FLAGS")
  list(LENGTH targets count)
  if(count GREATER 1 AND ARG_BOLT_OUTPUT)
    message(FATAL_ERROR "pgo_target(${targets}): BOLT_OUTPUT names one file; give it in a call per target")
  endif()
  set(has_profile_arg OFF)
  if("PROFILE" IN_LIST ARGN)
    set(has_profile_arg ON)
  endif()
  foreach(t IN LISTS targets)
    _pgo_target_one(${t})
  endforeach()
endfunction()

# _pgo_summary_add(<target> <mode> <state>): one line of the configure summary.
function(_pgo_summary_add target mode state)
  get_property(started GLOBAL PROPERTY _PGO_SUMMARY_DEFERRED)
  if(NOT started)
    set_property(GLOBAL PROPERTY _PGO_SUMMARY_DEFERRED ON)
    cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _pgo_print_summary)
  endif()
  set_property(GLOBAL APPEND PROPERTY _PGO_SUMMARY "${target}|${mode}|${state}")
endfunction()

# _pgo_print_summary(): at the end of the top-level CMakeLists.txt, one line
# per pgo_target: target, mode, profile version, sha256 and age, or why none.
function(_pgo_print_summary)
  get_property(lines GLOBAL PROPERTY _PGO_SUMMARY)
  set(text "pgo_target summary (target, mode, profile):")
  foreach(line IN LISTS lines)
    string(REPLACE "|" ";" f "${line}")
    list(GET f 0 target)
    list(GET f 1 mode)
    list(GET f 2 state)
    string(APPEND text "\n  ${target}  ${mode}  ${state}")
  endforeach()
  message(STATUS "${text}")
endfunction()

# _pgo_languages(<target> <out>): the languages among C and CXX that the
# target's sources compile (their LANGUAGE property, else the extensions of
# the folder that defines the target), or C and CXX when its sources are not
# all known (generator expressions, none yet).
function(_pgo_languages target out)
  get_target_property(srcs ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  foreach(l C CXX)
    get_directory_property(ext_${l} DIRECTORY "${dir}" DEFINITION CMAKE_${l}_SOURCE_FILE_EXTENSIONS)
  endforeach()
  set(langs "")
  set(unknown OFF)
  if(NOT srcs)
    set(unknown ON)
    set(srcs "")
  endif()
  foreach(s IN LISTS srcs)
    if(s MATCHES "^\\$<")
      set(unknown ON)
      continue()
    endif()
    get_source_file_property(lang "${s}" TARGET_DIRECTORY ${target} LANGUAGE)
    if(NOT lang)
      get_filename_component(ext "${s}" LAST_EXT)
      string(REGEX REPLACE "^\\." "" ext "${ext}")
      foreach(l C CXX)
        if(ext IN_LIST ext_${l})
          set(lang ${l})
        endif()
      endforeach()
    endif()
    if(lang MATCHES "^(C|CXX)$")
      list(APPEND langs ${lang})
    endif()
  endforeach()
  if(unknown OR NOT langs)
    list(APPEND langs C CXX)
  endif()
  list(REMOVE_DUPLICATES langs)
  set(${out} "${langs}" PARENT_SCOPE)
endfunction()

# _pgo_target_one(<target>): pgo_target() on one target; reads ARG_*,
# has_profile_arg from the caller.
function(_pgo_target_one target)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "pgo_target(${target}): no such target (call pgo_target after add_executable/add_library)")
  endif()
  get_target_property(aliased ${target} ALIASED_TARGET)
  if(aliased)
    set(target "${aliased}")
  endif()
  if(NOT ARG_MODE MATCHES "^(SAMPLE|INSTRUMENTED|BOLT)$")
    message(FATAL_ERROR "pgo_target(${target}): MODE must be SAMPLE, INSTRUMENTED or BOLT (got `${ARG_MODE}`)")
  endif()
  # PROFILE "" (e.g. an unset cache variable): the build the profile comes
  # from, with the mode's build flags (names, relocations) but no profile.
  set(no_profile OFF)
  if(NOT has_profile_arg)
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
  if(NOT PGO_ON_UNAVAILABLE MATCHES "^(ERROR|WARN)$")
    message(FATAL_ERROR "PGO_ON_UNAVAILABLE must be ERROR or WARN (got `${PGO_ON_UNAVAILABLE}`)")
  endif()
  get_target_property(type ${target} TYPE)
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
    if(NOT type STREQUAL "EXECUTABLE" AND NOT type STREQUAL "SHARED_LIBRARY")
      message(FATAL_ERROR "pgo_target(${target} MODE BOLT): BOLT optimizes linked binaries; ${target} is a ${type} (give BOLT the executable or shared library that links it)")
    endif()
    # Relocations for BOLT go in with or without a profile: the binary that is
    # deployed and profiled must be BOLT-able.
    target_link_options(${target} PRIVATE "LINKER:--emit-relocs")
    set_property(TARGET ${target} PROPERTY PGO_BOLT_OUTPUT "$<TARGET_FILE:${target}>")
  else()
    # Only the languages the target compiles, with the compilers of the
    # folder that defines it (a vendored project() may enable others).
    _pgo_non_clang(${target} bad)
    if(bad)
      _pgo_problem("${ARG_REQUIRED}"
        "pgo_target(${target} MODE ${mode}): ${bad}: MODE ${mode} needs clang (it reads LLVM .profdata; GCC's -fauto-profile/-fprofile-use read other formats). MODE BOLT works with any compiler.")
      _pgo_summary_add(${target} ${mode} "NO PROFILE: compiler is not clang (PGO_ON_UNAVAILABLE=WARN)")
      return()
    endif()
    if(mode STREQUAL "SAMPLE")
      # Discriminators and unique names for internal functions, and frame
      # pointers for call chains: for the profile's use and for the
      # recording of this build.
      set(build_flags -fdebug-info-for-profiling -funique-internal-linkage-names)
      if(PGO_FRAME_POINTERS)
        list(APPEND build_flags -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer)
      endif()
      target_compile_options(${target} PRIVATE "$<${C_OR_CXX}:${build_flags}>")
    endif()
  endif()

  if(PGO_DISABLE)
    message(STATUS "pgo_target(${target} MODE ${mode}): PGO_DISABLE is ON, no profile")
    _pgo_summary_add(${target} ${mode} "no profile: PGO_DISABLE=ON")
    return()
  endif()
  if(no_profile)
    message(STATUS "pgo_target(${target} MODE ${mode}): no profile given (PROFILE \"\"): a build to be profiled")
    _pgo_summary_add(${target} ${mode} "no profile (PROFILE \"\"): a build to be profiled")
    return()
  endif()
  _pgo_resolve(${target} ${mode} "${ARG_PROFILE}" "${ARG_REQUIRED}" "${ARG_MAX_AGE_DAYS}" profile sha)
  if(NOT profile)
    _pgo_summary_add(${target} ${mode} "NO PROFILE: unavailable, see the warning above (PGO_ON_UNAVAILABLE=WARN)")
    return()
  endif()
  set_property(TARGET ${target} PROPERTY PGO_PROFILE_${mode} "${profile}")
  set_property(TARGET ${target} PROPERTY PGO_PROFILE_SHA256_${mode} "${sha}")
  # _pgo_resolve's lock data: the version is a validated label, the age a number.
  string(SUBSTRING "${sha}" 0 12 short)
  set(state "sha256 ${short}")
  if(_pgo_resolved_version)
    set(state "version ${_pgo_resolved_version}, ${state}")
  endif()
  if(NOT "${_pgo_resolved_age_days}" STREQUAL "")
    string(APPEND state ", ${_pgo_resolved_age_days} days old")
  else()
    string(APPEND state ", age unknown")
  endif()
  # The lock's quality verdict (validated: good|thin|poor, samples digits,
  # basis branches|instructions|time).
  if(_pgo_resolved_quality)
    string(APPEND state ", quality ${_pgo_resolved_quality}")
    set(basis "")
    if(_pgo_resolved_quality_basis STREQUAL "time")
      set(basis "time ")
    elseif(_pgo_resolved_quality_basis STREQUAL "instructions")
      set(basis "instruction ")
    elseif(_pgo_resolved_quality_basis STREQUAL "branches")
      set(basis "branch-record ")
    endif()
    if(NOT "${_pgo_resolved_quality_samples}" STREQUAL "")
      string(APPEND state " (${_pgo_resolved_quality_samples} ${basis}samples)")
    endif()
    if(_pgo_resolved_quality_basis STREQUAL "time")
      message(STATUS "pgo_target(${target} MODE ${mode}): the profile is of time samples (cpu-clock or cycles): its counts lean toward slow instructions however long the recording; LBR or instructions:pp give truer counts where the PMU has them (pgoctl doctor)")
    endif()
    if(NOT _pgo_resolved_quality STREQUAL "good")
      message(STATUS "pgo_target(${target} MODE ${mode}): the profile's quality is ${_pgo_resolved_quality}: its hot-block counts are uncertain; record longer (pgoctl convert says how much)")
    endif()
  else()
    string(APPEND state ", quality unknown")
  endif()

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
      _pgo_summary_add(${target} ${mode} "NO PROFILE: llvm-bolt not found (PGO_ON_UNAVAILABLE=WARN)")
      return()
    endif()
    _pgo_bolt_step(${target} "${profile}" "${sha}")
  endif()
  _pgo_summary_add(${target} ${mode} "${state}")
endfunction()

# _pgo_bolt_step(<target> <cached profile> <sha256>): llvm-bolt as a
# POST_BUILD step of <target>, so building the target's own name gives the
# BOLTed file. By default it rewrites the linked file in place (through a
# temporary file) and keeps the linker's output as <file>.prebolt; with
# BOLT_OUTPUT the BOLTed copy goes there and the linked file stays as it is.
# The profile is a link dependency, so a new profile re-links and re-BOLTs.
function(_pgo_bolt_step target profile sha)
  if(DEFINED ARG_BOLT_FLAGS)
    set(flags "${ARG_BOLT_FLAGS}")
  elseif(PGO_BOLT_FLAGS)
    set(flags "${PGO_BOLT_FLAGS}")
  else()
    # The first line (file(READ ... LIMIT 6) in text mode can return the
    # newline too).
    file(STRINGS "${profile}" head LIMIT_COUNT 1)
    set(yaml_head "")
    if(profile MATCHES "\\.yaml$")  # a YAML profile of IP samples says `profile-flags: [ sample ]`
      file(READ "${profile}" yaml_head LIMIT 1024)
    endif()
    if(head MATCHES "^no_lbr( |$)" OR yaml_head MATCHES "\n  profile-flags:[ \t]*\\[[ \t]*sample[ \t]*\\]")
      set(flags "${PGO_DEFAULT_BOLT_FLAGS_NO_LBR}")
      message(STATUS "pgo_target(${target} MODE BOLT): the profile has no branch records (a no_lbr .fdata or a `sample` YAML: IP samples only): BOLT can only reorder functions (docs/cmake-module.md). Without LBR, `pgoctl convert --to fdata --infer-edges` writes the edges pgoctl infers from IP samples instead")
    else()
      set(flags "${PGO_DEFAULT_BOLT_FLAGS}")
    endif()
  endif()
  # A YAML profile (perf2bolt -w, llvm-bolt -w) may be of an older build:
  # llvm-bolt matches its functions and blocks to this binary by hash.
  if(profile MATCHES "\\.yaml$" AND NOT "-infer-stale-profile" IN_LIST flags)
    list(APPEND flags -infer-stale-profile)
  endif()
  set(file "$<TARGET_FILE:${target}>")
  string(REPLACE ";" "$<SEMICOLON>" flags_arg "${flags}")
  string(SUBSTRING "${sha}" 0 12 short)
  # CMake adds a POST_BUILD step only in the folder that defines the target.
  # A target of another folder (a vendored add_subdirectory) gets its BOLTed
  # copy from a target of its own, <target>-bolt, part of ALL: BOLT_OUTPUT,
  # or <this build folder>/pgo-bolt/<file name>; the linked file stays.
  get_target_property(defined_in ${target} SOURCE_DIR)
  set(foreign OFF)
  if(NOT defined_in STREQUAL CMAKE_CURRENT_SOURCE_DIR)
    set(foreign ON)
  endif()
  if(ARG_BOLT_OUTPUT)
    get_filename_component(out "${ARG_BOLT_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    set(args "-DINPUT=${file}" "-DOUTPUT=${out}")
    set(shown "${out}")
  elseif(foreign)
    # (A custom command's OUTPUT may not use $<TARGET_FILE_NAME>.)
    get_target_property(type ${target} TYPE)
    get_target_property(name ${target} OUTPUT_NAME)
    if(NOT name)
      set(name "${target}")
    endif()
    if(type STREQUAL "SHARED_LIBRARY")
      set(name "${CMAKE_SHARED_LIBRARY_PREFIX}${name}${CMAKE_SHARED_LIBRARY_SUFFIX}")
    else()
      set(name "${name}${CMAKE_EXECUTABLE_SUFFIX}")
    endif()
    set(out "${CMAKE_CURRENT_BINARY_DIR}/pgo-bolt/${name}")
    set(args "-DINPUT=${file}" "-DOUTPUT=${out}")
    set(shown "${out}")
  else()
    set(out "${file}")
    set(args "-DINPUT=${file}" "-DOUTPUT=${file}" "-DPREBOLT=${file}.prebolt")
    set(shown "in place (${target}.prebolt kept)")
  endif()
  set(bolt_command "${CMAKE_COMMAND}" "-DBOLT=${PGO_LLVM_BOLT}" ${args} "-DPROFILE=${profile}"
      "-DFLAGS=${flags_arg}" -P "${_PGO_MODULE_DIR}/pgo_bolt.cmake")
  if(foreign)
    add_custom_command(OUTPUT "${out}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${CMAKE_CURRENT_BINARY_DIR}/pgo-bolt"
      COMMAND ${bolt_command}
      DEPENDS ${target} "${profile}" "${_PGO_MODULE_DIR}/pgo_bolt.cmake"
      COMMENT "BOLT: ${target} to ${shown} (profile sha256 ${short})"
      VERBATIM)
    add_custom_target(${target}-bolt ALL DEPENDS "${out}")
  else()
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${bolt_command}
      COMMENT "BOLT: ${target} ${shown} (profile sha256 ${short})"
      VERBATIM)
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${profile}" "${_PGO_MODULE_DIR}/pgo_bolt.cmake")
  endif()
  set_property(TARGET ${target} PROPERTY PGO_BOLT_OUTPUT "${out}")
endfunction()

# --- pgo_install -------------------------------------------------------------------

# pgo_install(<target> [DESTINATION <dir>] [COMPONENT <component>]): installs
# what to deploy, under the target's own file name: the target itself
# (install(TARGETS); BOLTed in place when pgo_target(<target> MODE BOLT ...)
# has a profile), or the BOLT_OUTPUT file when one was given. DESTINATION
# defaults to GNUInstallDirs' bin (executables) or lib (shared libraries).
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

# pgo_training_target(<new> FROM <target> [PROFILE_DIR <dir>]): a copy of
# <target> (an executable, or a static or shared library; sources, include
# dirs, definitions, options, features, link libraries and options, and a
# library's INTERFACE_* properties, as set when this is called) built with
# -fprofile-generate=<dir> (default <build>/pgo-training/<new>); not part of
# ALL, build it by name. Its link libraries that have a training copy made
# before (pgo_training_target on the library first) are replaced by that
# copy, so `pgo_training_target(lib-train FROM lib)` then
# `pgo_training_target(app-train FROM app)` gives an instrumented app with
# the instrumented library inside. Run it on a training load, then build
# `<new>-profdata`: it merges the .profraw files of <dir> and of the training
# copies it links into <dir>.profdata, one profile for
# `pgo_target(app lib MODE INSTRUMENTED PROFILE <dir>.profdata)`.
function(pgo_training_target name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "FROM;PROFILE_DIR" "")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_FROM)
    message(FATAL_ERROR "pgo_training_target(${name} FROM <target> [PROFILE_DIR <dir>]): bad arguments `${ARGN}`")
  endif()
  if(NOT TARGET ${ARG_FROM})
    message(FATAL_ERROR "pgo_training_target(${name}): FROM ${ARG_FROM} is not a target")
  endif()
  get_target_property(type ${ARG_FROM} TYPE)
  if(NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY)$")
    message(FATAL_ERROR "pgo_training_target(${name}): ${ARG_FROM} is a ${type}; the training variant copies an executable or a static or shared library")
  endif()
  _pgo_non_clang(${ARG_FROM} bad)
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
  if(type STREQUAL "EXECUTABLE")
    add_executable(${name} EXCLUDE_FROM_ALL ${abs_srcs})
  elseif(type STREQUAL "STATIC_LIBRARY")
    add_library(${name} STATIC EXCLUDE_FROM_ALL ${abs_srcs})
  else()
    add_library(${name} SHARED EXCLUDE_FROM_ALL ${abs_srcs})
  endif()
  # The profile folders of what the copy links, merged with its own.
  set(dirs "${dir}")
  foreach(prop INCLUDE_DIRECTORIES COMPILE_DEFINITIONS COMPILE_OPTIONS COMPILE_FEATURES
               LINK_LIBRARIES LINK_OPTIONS LINK_DIRECTORIES
               INTERFACE_INCLUDE_DIRECTORIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES INTERFACE_COMPILE_DEFINITIONS
               INTERFACE_COMPILE_OPTIONS INTERFACE_COMPILE_FEATURES INTERFACE_LINK_LIBRARIES INTERFACE_LINK_OPTIONS
               C_STANDARD C_STANDARD_REQUIRED C_EXTENSIONS
               CXX_STANDARD CXX_STANDARD_REQUIRED CXX_EXTENSIONS POSITION_INDEPENDENT_CODE)
    get_target_property(v ${ARG_FROM} ${prop})
    if(NOT v STREQUAL "v-NOTFOUND")
      if(prop MATCHES "^(INTERFACE_)?(COMPILE|LINK)_OPTIONS$")
        # Not the profile-use flags of pgo_target() (and their hot count).
        list(FILTER v EXCLUDE REGEX "-fprofile-(sample-)?use=|profile-summary-hot-count=|plugin-opt=")
      elseif(prop MATCHES "LINK_LIBRARIES$")
        set(swapped "")
        foreach(lib IN LISTS v)
          if(TARGET "${lib}")
            get_target_property(copy "${lib}" PGO_TRAINING_COPY)
            if(copy)
              set(lib "${copy}")
              get_target_property(copy_dirs "${copy}" PGO_TRAINING_DIRS)
              list(APPEND dirs ${copy_dirs})
            endif()
          endif()
          list(APPEND swapped "${lib}")
        endforeach()
        set(v "${swapped}")
      endif()
      set_property(TARGET ${name} PROPERTY ${prop} "${v}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES dirs)
  # The copy lives in this folder: flags a vendored project added to its own
  # folder's CMAKE_<LANG>_FLAGS are added to the copy's options.
  foreach(lang C CXX)
    get_directory_property(theirs DIRECTORY "${src_dir}" DEFINITION CMAKE_${lang}_FLAGS)
    if(NOT "${theirs}" STREQUAL "${CMAKE_${lang}_FLAGS}")
      separate_arguments(theirs UNIX_COMMAND "${theirs}")
      target_compile_options(${name} PRIVATE "$<$<COMPILE_LANGUAGE:${lang}>:${theirs}>")
    endif()
  endforeach()
  target_compile_options(${name} PRIVATE "$<$<COMPILE_LANGUAGE:C,CXX>:-fprofile-generate=${dir}>")
  target_link_options(${name} PRIVATE "-fprofile-generate=${dir}")
  if(NOT type STREQUAL "EXECUTABLE")
    # What links a static copy needs the profile runtime too.
    target_link_options(${name} INTERFACE "-fprofile-generate=${dir}")
    set_property(TARGET ${ARG_FROM} PROPERTY PGO_TRAINING_COPY ${name})
  endif()
  set_property(TARGET ${name} PROPERTY PGO_TRAINING_DIRS "${dirs}")
  foreach(d IN LISTS dirs)  # llvm-profdata merge wants each folder to exist
    file(MAKE_DIRECTORY "${d}")
  endforeach()

  _pgo_find_llvm_tool(PGO_LLVM_PROFDATA llvm-profdata)
  if(PGO_LLVM_PROFDATA)
    add_custom_target(${name}-profdata
      COMMAND "${PGO_LLVM_PROFDATA}" merge -o "${dir}.profdata" ${dirs}
      COMMENT "llvm-profdata merge ${dir}/*.profraw -> ${dir}.profdata"
      VERBATIM)
  endif()
  set_property(TARGET ${name} PROPERTY PGO_TRAINING_PROFILE "${dir}.profdata")
  message(STATUS "pgo_training_target(${name}): instrumented copy of ${ARG_FROM}, .profraw files in ${dir}")
endfunction()
