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
# A missing, unreadable, mismatched or wrong-kind profile is a loud warning
# naming the file and the target builds without that profile; with REQUIRED it
# is a configure error. A profile older than MAX_AGE_DAYS (default
# PGO_PROFILE_MAX_AGE_DAYS, 0 = never) is reported as stale. SAMPLE and
# INSTRUMENTED need clang; other compilers get a message and no profile flags.
#
# Cache variables: PGO_DISABLE (no profile flags at all), PGO_PROFILE_MAX_AGE_DAYS,
# PGO_SAMPLE_FLAGS (extra compiler flags of MODE SAMPLE with a profile),
# PGO_SAMPLE_HOT_CUTOFF (default 99.7; empty: clang's 99%), PGO_PGOCTL,
# PGO_BOLT_FLAGS (llvm-bolt flags for every target; empty: the module's
# PGO_DEFAULT_BOLT_FLAGS, or PGO_DEFAULT_BOLT_FLAGS_NO_LBR for a no_lbr
# .fdata), PGO_LLVM_BOLT, PGO_LLVM_PROFDATA.
# Target properties set: PGO_MODES, PGO_PROFILE_<MODE> (cached profile or
# empty), PGO_PROFILE_SHA256_<MODE>, PGO_SAMPLE_HOT_COUNT (the hot count
# passed, or unset), PGO_BOLT_OUTPUT (the binary to deploy: the BOLTed one, or
# the plain one when BOLT has no profile).
# See cmake-modules/README.md for the lock file format.
include_guard(GLOBAL)
cmake_minimum_required(VERSION 3.20)

set(_PGO_MODULE_DIR "${CMAKE_CURRENT_LIST_DIR}")

option(PGO_DISABLE "Build every pgo_target() without profile flags" OFF)
# Extra compiler flags of MODE SAMPLE when a profile is used. LLVM's inliner
# weighs a hot call's measured benefit against its cost (its cost-benefit
# analysis) only for instrumentation profiles unless asked; with a sample
# profile a hot call is held to the plain size threshold (3000). On
# examples/kvsvc with pgoctl's IP-only profile, fmt's parse_replacement_field
# (cost 3145) stayed a call where instrumented PGO inlined it "benefit over
# cost". Measured with the option (callgrind Ir per request, same profile):
# kvsvc 11969 -> 11720 (-2.1%; instrumented PGO 11293), the first kvsvc
# without JSON 2526 -> 2526, bench/pgo-outcome.py identical on all variants;
# throughput of kvsvc within noise (+-1% over 15 interleaved runs). With LTO
# the module passes -mllvm options to the link as well (-plugin-opt=).
# Empty: none.
# The hot count of MODE SAMPLE (PGO_SAMPLE_HOT_CUTOFF, default 99.7): clang
# calls a count hot when it is at least the profile summary's count at the 99%
# cutoff. A sample profile's 99% line sits about 3x higher, relative to the
# code's counts, than an instrumented profile's (kvsvc: 0.07-0.09 of
# parse_request's entry count against 0.030), so hot call sites that
# instrumented PGO inlines stay calls. The summary stored in a .profdata only
# has LLVM's fixed steps (99%, then 99.9%), so at configure time the module
# asks `pgoctl summary --hot-count-at <cutoff>` for the count at the cutoff
# (LLVM's summary builder, any cutoff; cached beside the profile) and passes
# -mllvm -profile-summary-hot-count=<count>. Measured on kvsvc (callgrind Ir
# per request, bench/example-pgo.md, session 7), 99% -> 99.7%: fewer
# instructions with each of nine IP-only recordings (-10..-91; the bench's
# three fresh ones: median 83.7% -> 86.0% of instrumented PGO's gain) and two
# emulated-LBR ones (-172, -122); text +0..+15% (+11-14% on the bench's);
# simulated I1 misses +9% (+25% after BOLT); throughput in paired runs
# -1.2..+2.8%, median +0.8% over six recordings; bench/pgo-outcome.py
# unchanged. Empty: clang's own 99%. Needs pgoctl at configure time
# (PGO_PGOCTL, else find_package(pgoctl)'s PGOCTL_EXECUTABLE, else `pgoctl` on
# PATH); without it the build uses clang's 99% and says so. A
# profile-summary option in PGO_SAMPLE_FLAGS takes precedence. With LTO the
# link gets it too (_pgo_sample_lto_link).
set(PGO_SAMPLE_HOT_CUTOFF "99.7" CACHE STRING
    "MODE SAMPLE: hot count at this cumulative share of the profile's counts, in percent (empty: clang's 99%)")
set(PGO_PGOCTL "" CACHE FILEPATH
    "pgoctl for configure-time profile queries (empty: find_package(pgoctl)'s, else PATH)")
# Measured and left out of the default: -mllvm -profile-summary-cutoff-hot=999000
# (a sample profile's 99% hot line sits about 3x higher, relative to the code's
# counts, than an instrumented profile's; at 99.9% more code is hot): on
# kvsvc -26..-50 Ir/request with IP-only profiles and -116..-127 with LBR
# profiles of the same load, but +13-46% text and +23% (IP) / +69% (LBR)
# simulated L1 i-cache misses (bench/example-pgo.md, session 6). Add it here
# to trade code size for fewer instructions.
set(PGO_SAMPLE_FLAGS "-mllvm;-inline-enable-cost-benefit-analysis=true" CACHE STRING
    "Extra compiler flags of pgo_target(... MODE SAMPLE) with a profile, a ;-list (empty: none)")
set(PGO_PROFILE_MAX_AGE_DAYS 30 CACHE STRING
    "Profiles older than this many days are reported as stale (0: never)")
# BOLT 22's usual optimization set; -update-debug-sections keeps DWARF right
# for the optimized layout, so the next production profile (of the BOLTed
# binary) can be symbolized for sample PGO.
set(PGO_DEFAULT_BOLT_FLAGS
    -reorder-blocks=ext-tsp -reorder-functions=cdsort -split-functions -split-all-cold -split-eh
    -icf=safe -use-gnu-stack -update-debug-sections -dyno-stats)
# For a no_lbr .fdata (IP samples only: block counts but no edge counts) the
# default is function reordering only. Measured on examples/kvsvc (30 KB of
# code, sample PGO build, no_lbr .fdata of a recording of that binary; req/s
# per CPU second, median of 7 interleaved runs, vs the un-BOLTed binary): the
# set above -2.7%, ext-tsp without splitting -3.4%, functions only (this set)
# -0.9% (noise level), no reordering at all +0.0%. Block layout from no_lbr
# counts hurts; function order is the part that can still pay on binaries
# bigger than the i-cache. On the JSON kvsvc (233 KB) this set measured -3.1%
# to -0.3% over sample PGO (three bench runs), where the full set above with an
# LBR .fdata (emulated) gave +0.9% to +2.7% (bench/example-pgo.md); configure
# says so when the .fdata is no_lbr.
set(PGO_DEFAULT_BOLT_FLAGS_NO_LBR
    -reorder-blocks=none -reorder-functions=cdsort -icf=safe -use-gnu-stack -update-debug-sections
    -dyno-stats)
set(PGO_BOLT_FLAGS "" CACHE STRING
    "llvm-bolt flags of pgo_target(... MODE BOLT), a ;-list (empty: PGO_DEFAULT_BOLT_FLAGS); BOLT_FLAGS overrides per target")

# --- helpers -----------------------------------------------------------------

# _pgo_problem(<required> <message>): a configure error with REQUIRED, else a
# loud warning; the caller then builds without the profile.
function(_pgo_problem required msg)
  if(required)
    message(FATAL_ERROR "${msg}\n(REQUIRED: refusing to build without the profile)")
  else()
    message(WARNING "${msg}\nBuilding without this profile (pass REQUIRED to make this an error).")
  endif()
endfunction()

# _pgo_epoch(<text> <out>): seconds since 1970 of `YYYY-MM-DD[THH:MM[:SS]][Z]`
# (UTC), or empty when the text is not such a time.
function(_pgo_epoch text out)
  set(${out} "" PARENT_SCOPE)
  if(NOT text MATCHES "^([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])([T ]([0-9][0-9]):([0-9][0-9])(:([0-9][0-9]))?)?Z?$")
    return()
  endif()
  set(y "${CMAKE_MATCH_1}")
  math(EXPR m "1${CMAKE_MATCH_2} - 100")
  math(EXPR d "1${CMAKE_MATCH_3} - 100")
  set(hh 0)
  set(mm 0)
  set(ss 0)
  if(CMAKE_MATCH_5)
    math(EXPR hh "1${CMAKE_MATCH_5} - 100")
    math(EXPR mm "1${CMAKE_MATCH_6} - 100")
  endif()
  if(CMAKE_MATCH_8)
    math(EXPR ss "1${CMAKE_MATCH_8} - 100")
  endif()
  # Days from the civil date (H. Hinnant's algorithm), years >= 1.
  if(m LESS_EQUAL 2)
    math(EXPR y "${y} - 1")
    math(EXPR mp "${m} + 9")
  else()
    math(EXPR mp "${m} - 3")
  endif()
  math(EXPR era "${y} / 400")
  math(EXPR yoe "${y} - ${era} * 400")
  math(EXPR doy "(153 * ${mp} + 2) / 5 + ${d} - 1")
  math(EXPR doe "${yoe} * 365 + ${yoe} / 4 - ${yoe} / 100 + ${doy}")
  math(EXPR secs "(${era} * 146097 + ${doe} - 719468) * 86400 + ${hh} * 3600 + ${mm} * 60 + ${ss}")
  set(${out} "${secs}" PARENT_SCOPE)
endfunction()

# _pgo_read_lock(<lock file> <prefix>): parses `key = value` lines (`#`
# comments) into <prefix>_FORMAT/_VERSION/_KIND/_SHA256/_SOURCE/_CREATED;
# <prefix>_ERROR says what is wrong with the lock itself.
function(_pgo_read_lock lock prefix)
  foreach(k FORMAT VERSION KIND SHA256 SOURCE CREATED ERROR)
    set(${prefix}_${k} "" PARENT_SCOPE)
  endforeach()
  file(STRINGS "${lock}" lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    string(REGEX REPLACE "(^|[ \t])#.*$" "" line "${line}")
    string(STRIP "${line}" line)
    if(line STREQUAL "")
      continue()
    endif()
    if(NOT line MATCHES "^([A-Za-z0-9_]+)[ \t]*=[ \t]*(.*)$")
      set(${prefix}_ERROR "${lock}:${n}: expected `key = value`, got `${line}`" PARENT_SCOPE)
      return()
    endif()
    string(TOUPPER "${CMAKE_MATCH_1}" key)
    set(${prefix}_${key} "${CMAKE_MATCH_2}" PARENT_SCOPE)
    set(_${key} "${CMAKE_MATCH_2}")
  endforeach()
  if(NOT _FORMAT STREQUAL "pgolock-1")
    set(${prefix}_ERROR "${lock}: not a pgoctl lock file (expected `format = pgolock-1`, got `${_FORMAT}`)" PARENT_SCOPE)
  elseif(NOT _SHA256 MATCHES "^[0-9a-fA-F]+$" OR NOT _SHA256 MATCHES "^................................................................$")
    set(${prefix}_ERROR "${lock}: `sha256` must be 64 hex digits, got `${_SHA256}`" PARENT_SCOPE)
  elseif(_SOURCE STREQUAL "")
    set(${prefix}_ERROR "${lock}: no `source` (where to fetch the profile)" PARENT_SCOPE)
  endif()
  string(TOLOWER "${_SHA256}" _SHA256)
  set(${prefix}_SHA256 "${_SHA256}" PARENT_SCOPE)
endfunction()

# _pgo_sha256(<file> <out>): the file's sha256, or empty when it cannot be
# read (file(SHA256) would stop the configure instead).
function(_pgo_sha256 path out)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E sha256sum "${path}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_QUIET)
  if(rc EQUAL 0 AND text MATCHES "^([0-9a-f]+)")
    set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# _pgo_kind_problem(<file> <mode> <out>): why the file is not a profile of the
# mode's kind, or empty. Sniffs the first bytes only.
function(_pgo_kind_problem path mode out)
  set(${out} "" PARENT_SCOPE)
  file(READ "${path}" head LIMIT 8 HEX)
  file(READ "${path}" text LIMIT 64)
  set(instr OFF)
  if(head STREQUAL "ff6c70726f666981")  # "\xfflprofi\x81": indexed instrumentation profile
    set(instr ON)
  endif()
  if(mode STREQUAL "SAMPLE" AND instr)
    set(${out} "is an instrumentation profile (llvm-profdata merge of .profraw), not a sample profile: use MODE INSTRUMENTED" PARENT_SCOPE)
  elseif(mode STREQUAL "INSTRUMENTED" AND NOT instr)
    set(${out} "is not an indexed instrumentation profile (`llvm-profdata merge -o x.profdata *.profraw` writes one); a sample profile wants MODE SAMPLE" PARENT_SCOPE)
  elseif(mode STREQUAL "BOLT" AND NOT text MATCHES "^(no_lbr|boltedcollection|[0-9] )")
    set(${out} "is not a BOLT .fdata profile (`pgoctl convert --to fdata` writes one)" PARENT_SCOPE)
  endif()
endfunction()

# _pgo_resolve(<target> <mode> <profile arg> <required> <max age days> <out path> <out sha>):
# lock or path -> verified, cached profile; empty outputs when there is none.
function(_pgo_resolve target mode spec required max_age out_path out_sha)
  set(${out_path} "" PARENT_SCOPE)
  set(${out_sha} "" PARENT_SCOPE)
  set(who "pgo_target(${target} MODE ${mode})")
  get_filename_component(spec "${spec}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${spec}" OR IS_DIRECTORY "${spec}")
    _pgo_problem("${required}" "${who}: profile `${spec}` does not exist (or is a directory).")
    return()
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${spec}")

  set(created "")
  set(version "")
  set(want_sha "")
  set(lock_note "")
  if(spec MATCHES "\\.pgolock$")
    _pgo_read_lock("${spec}" L)
    if(L_ERROR)
      _pgo_problem("${required}" "${who}: bad lock file: ${L_ERROR}")
      return()
    endif()
    set(version "${L_VERSION}")
    set(want_sha "${L_SHA256}")
    set(created "${L_CREATED}")
    set(source "${L_SOURCE}")
    if(source MATCHES "^file://(.*)$")
      set(source "${CMAKE_MATCH_1}")
    elseif(source MATCHES "^([a-zA-Z][a-zA-Z0-9+.-]*)://")
      _pgo_problem("${required}" "${who}: ${spec}: source `${source}`: fetching from `${CMAKE_MATCH_1}://` is not supported yet (a local path or file:// only; the profile store comes later).")
      return()
    endif()
    set(lock_note " (source of lock ${spec})")
    get_filename_component(lockdir "${spec}" DIRECTORY)
    get_filename_component(file "${source}" ABSOLUTE BASE_DIR "${lockdir}")
    if(created AND NOT created MATCHES "^[0-9]")
      message(WARNING "${who}: ${spec}: `created = ${created}` is not YYYY-MM-DDTHH:MM:SSZ; the profile's age is unknown")
    endif()
  else()
    set(file "${spec}")
  endif()

  if(NOT EXISTS "${file}" OR IS_DIRECTORY "${file}")
    _pgo_problem("${required}" "${who}: profile `${file}` does not exist${lock_note}.")
    return()
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
  _pgo_sha256("${file}" sha)
  if(sha STREQUAL "")
    _pgo_problem("${required}" "${who}: profile `${file}` cannot be read.")
    return()
  endif()
  if(want_sha AND NOT sha STREQUAL want_sha)
    _pgo_problem("${required}"
      "${who}: sha256 mismatch for profile `${file}`:\n  lock ${spec} pins sha256 ${want_sha}\n  the file has      sha256 ${sha}\nRefresh the lock (cmake -P ${_PGO_MODULE_DIR}/pgo_lock.cmake) or fetch the pinned profile.")
    return()
  endif()
  _pgo_kind_problem("${file}" "${mode}" why)
  if(why)
    _pgo_problem("${required}" "${who}: profile `${file}` ${why}.")
    return()
  endif()

  # Stale? The lock's `created`, else the file's modification time.
  if(NOT created)
    file(TIMESTAMP "${file}" created "%Y-%m-%dT%H:%M:%SZ" UTC)
  endif()
  _pgo_epoch("${created}" then)
  set(age_note "")
  if(then)
    string(TIMESTAMP now "%s" UTC)
    math(EXPR age_days "(${now} - ${then}) / 86400")
    set(age_note ", ${age_days} days old")
    if(max_age GREATER 0 AND age_days GREATER max_age)
      message(WARNING "${who}: stale profile: `${file}` was created ${created}, ${age_days} days ago "
                      "(MAX_AGE_DAYS ${max_age}). Pin a fresh profile.")
    endif()
  endif()

  # Cache it under its hash: the flags name the hash.
  get_filename_component(name "${file}" NAME)
  set(cached "${CMAKE_BINARY_DIR}/pgo-profiles/${sha}/${name}")
  if(EXISTS "${cached}")
    _pgo_sha256("${cached}" cached_sha)
  else()
    set(cached_sha "")
  endif()
  if(NOT cached_sha STREQUAL sha)
    file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/pgo-profiles/${sha}")
    file(COPY_FILE "${file}" "${cached}")
  endif()
  if(version)
    set(version " version ${version}")
  endif()
  string(SUBSTRING "${sha}" 0 12 short)
  message(STATUS "${who}: ${name}${version} sha256 ${short}${age_note}")
  set(${out_path} "${cached}" PARENT_SCOPE)
  set(${out_sha} "${sha}" PARENT_SCOPE)
endfunction()

# _pgo_non_clang(<out>): "<lang> compiler <id> <version>" for each enabled C/C++
# compiler that is not clang, or empty.
function(_pgo_non_clang out)
  set(bad "")
  get_property(langs GLOBAL PROPERTY ENABLED_LANGUAGES)
  foreach(lang C CXX)
    if(lang IN_LIST langs AND NOT CMAKE_${lang}_COMPILER_ID MATCHES "^(Clang|AppleClang)$")
      list(APPEND bad "${lang} compiler ${CMAKE_${lang}_COMPILER_ID} ${CMAKE_${lang}_COMPILER_VERSION}")
    endif()
  endforeach()
  string(REPLACE ";" ", " bad "${bad}")
  set(${out} "${bad}" PARENT_SCOPE)
endfunction()

# _pgo_find_llvm_tool(<var> <name>): an LLVM tool beside the compiler first
# (clang++-22 -> /usr/lib/llvm-22/bin), then the versioned LLVM folders, then
# PATH. Never a `-NN` suffixed name: Debian's llvm-bolt-22 wrapper runs BOLT
# in another mode.
function(_pgo_find_llvm_tool var name)
  if(${var})
    return()
  endif()
  set(hints "")
  foreach(lang CXX C)
    if(CMAKE_${lang}_COMPILER)
      get_filename_component(real "${CMAKE_${lang}_COMPILER}" REALPATH)
      get_filename_component(dir "${real}" DIRECTORY)
      list(APPEND hints "${dir}")
      if(CMAKE_${lang}_COMPILER_VERSION MATCHES "^([0-9]+)")
        list(APPEND hints "/usr/lib/llvm-${CMAKE_MATCH_1}/bin")
      endif()
    endif()
  endforeach()
  list(APPEND hints /usr/lib/llvm-22/bin)
  find_program(${var} NAMES ${name} HINTS ${hints} NO_DEFAULT_PATH)
  find_program(${var} NAMES ${name})
endfunction()

# _pgo_group_option_pairs(<list> <out>): `-mllvm;X` and `-Xclang;X` become one
# `SHELL:-mllvm X` item each. CMake de-duplicates a target's options, so a
# second bare `-mllvm` would be dropped and clang would see `X` alone.
function(_pgo_group_option_pairs list out)
  set(result "")
  set(pending "")
  foreach(item IN LISTS list)
    if(pending)
      list(APPEND result "SHELL:${pending} ${item}")
      set(pending "")
    elseif(item STREQUAL "-mllvm" OR item STREQUAL "-Xclang")
      set(pending "${item}")
    else()
      list(APPEND result "${item}")
    endif()
  endforeach()
  if(pending)
    list(APPEND result "${pending}")
  endif()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# _pgo_sample_hot_count(<target> <cached profile> <out>): the count at
# PGO_SAMPLE_HOT_CUTOFF from `pgoctl summary`, cached beside the profile (its
# folder is named by the profile's sha256); empty when off or unavailable.
function(_pgo_sample_hot_count target profile out)
  set(${out} "" PARENT_SCOPE)
  set(who "pgo_target(${target} MODE SAMPLE)")
  if("${PGO_SAMPLE_HOT_CUTOFF}" STREQUAL "")
    return()
  endif()
  if(PGO_SAMPLE_FLAGS MATCHES "profile-summary-(hot-count|cutoff-hot)")
    message(STATUS "${who}: PGO_SAMPLE_FLAGS sets the hot count; PGO_SAMPLE_HOT_CUTOFF not applied")
    return()
  endif()
  set(pgoctl "${PGO_PGOCTL}")
  if(NOT pgoctl AND PGOCTL_EXECUTABLE AND EXISTS "${PGOCTL_EXECUTABLE}")
    set(pgoctl "${PGOCTL_EXECUTABLE}")
  endif()
  if(NOT pgoctl)
    find_program(_PGO_PGOCTL_ON_PATH pgoctl)
    if(_PGO_PGOCTL_ON_PATH)
      set(pgoctl "${_PGO_PGOCTL_ON_PATH}")
    endif()
  endif()
  if(NOT pgoctl)
    message(STATUS "${who}: pgoctl not found (find_package(pgoctl), or set PGO_PGOCTL): "
                   "clang's own hot count (99%) instead of PGO_SAMPLE_HOT_CUTOFF ${PGO_SAMPLE_HOT_CUTOFF}%")
    return()
  endif()
  get_filename_component(dir "${profile}" DIRECTORY)
  string(MAKE_C_IDENTIFIER "${PGO_SAMPLE_HOT_CUTOFF}" key)
  set(memo "${dir}/hot-count-${key}.txt")
  set(hot "")
  if(EXISTS "${memo}")
    file(READ "${memo}" hot)
    string(STRIP "${hot}" hot)
  endif()
  if(NOT hot MATCHES "^[1-9][0-9]*$") # not yet asked, or a damaged memo
    execute_process(COMMAND "${pgoctl}" summary --hot-count-at "${PGO_SAMPLE_HOT_CUTOFF}" "${profile}"
                    OUTPUT_VARIABLE hot ERROR_VARIABLE err RESULT_VARIABLE rc
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0 OR NOT hot MATCHES "^[1-9][0-9]*$")
      message(WARNING "${who}: `${pgoctl} summary --hot-count-at ${PGO_SAMPLE_HOT_CUTOFF}` failed "
                      "(${rc}): ${err}\nThe build uses clang's own hot count (99%).")
      return()
    endif()
    file(WRITE "${memo}" "${hot}\n")
  endif()
  message(STATUS "${who}: hot count ${hot} (the profile's ${PGO_SAMPLE_HOT_CUTOFF}% line)")
  set(${out} "${hot}" PARENT_SCOPE)
endfunction()

# _pgo_lto_condition(<target> <out>): a generator expression that is 1 when
# <target> links with LTO: its INTERPROCEDURAL_OPTIMIZATION property (or the
# configuration's), or `-flto` in the flags CMake puts on its link line
# (CMAKE_<LANG>_FLAGS[_<CONFIG>], the linker flags, the target's and the
# directory's compile and link options) as they are at this call.
function(_pgo_lto_condition target out)
  set(ipo "$<BOOL:$<TARGET_PROPERTY:INTERPROCEDURAL_OPTIMIZATION>>")
  set(ipo_cfg "$<BOOL:$<TARGET_PROPERTY:INTERPROCEDURAL_OPTIMIZATION_$<UPPER_CASE:$<CONFIG>>>>")
  set(always "")
  foreach(v CMAKE_CXX_FLAGS CMAKE_C_FLAGS CMAKE_EXE_LINKER_FLAGS CMAKE_SHARED_LINKER_FLAGS)
    string(APPEND always " ${${v}}")
  endforeach()
  foreach(prop COMPILE_OPTIONS LINK_OPTIONS)
    get_target_property(v ${target} ${prop})
    if(v)
      string(APPEND always " ${v}")
    endif()
    get_directory_property(v ${prop})
    string(APPEND always " ${v}")
  endforeach()
  set(lto_re "(^|[ ;])-flto(=(thin|full|auto|jobserver|[0-9]+))?($|[ ;])")
  set(flags_lto 0)
  if(always MATCHES "${lto_re}")
    set(flags_lto 1)
  endif()
  # Per-configuration flags: the configurations whose flags ask for LTO.
  set(cfgs ${CMAKE_CONFIGURATION_TYPES} ${CMAKE_BUILD_TYPE})
  set(lto_cfgs "")
  foreach(cfg IN LISTS cfgs)
    string(TOUPPER "${cfg}" CFG)
    set(f "${CMAKE_CXX_FLAGS_${CFG}} ${CMAKE_C_FLAGS_${CFG}} ${CMAKE_EXE_LINKER_FLAGS_${CFG}} ${CMAKE_SHARED_LINKER_FLAGS_${CFG}}")
    if(f MATCHES "${lto_re}")
      list(APPEND lto_cfgs "${cfg}")
    endif()
  endforeach()
  set(cfg_lto 0)
  if(lto_cfgs)
    string(REPLACE ";" "," lto_cfgs "${lto_cfgs}")
    set(cfg_lto "$<CONFIG:${lto_cfgs}>")
  endif()
  set(${out} "$<OR:${ipo},${ipo_cfg},${flags_lto},${cfg_lto}>" PARENT_SCOPE)
endfunction()

# _pgo_sample_lto_link(<target> <cached profile> <compile options>): with
# LTO the optimizer runs again at the link (ThinLTO's backends, or the whole
# program), where it inlines across files with the profile's hot counts. The
# clang driver hands `-fprofile-sample-use=` given at the link to the LTO
# plugin (and ignores it without LTO), but not `-mllvm` options: those go as
# `-Wl,-plugin-opt=<option>` (lld and LLVMgold both take it), and only when the
# target links with LTO, since GNU ld refuses -plugin-opt without the plugin.
# A static or object library passes them to what links it.
function(_pgo_sample_lto_link target profile flags)
  get_target_property(type ${target} TYPE)
  if(type MATCHES "^(EXECUTABLE|SHARED_LIBRARY|MODULE_LIBRARY)$")
    set(scope PRIVATE)
  else()
    set(scope INTERFACE)
  endif()
  set(opts "") # the -mllvm options among the compile options (_pgo_group_option_pairs' groups)
  foreach(item IN LISTS flags)
    if(item MATCHES "^(SHELL:-mllvm |-mllvm=)(.*)$")
      list(APPEND opts "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  _pgo_lto_condition(${target} lto)
  target_link_options(${target} ${scope} "-fprofile-sample-use=${profile}")
  foreach(opt IN LISTS opts) # one item each: a list inside $<...> would be split
    target_link_options(${target} ${scope} "$<${lto}:LINKER:-plugin-opt=${opt}>")
  endforeach()
endfunction()

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
      # The first line (file(READ ... LIMIT 6) in text mode gave CMake 3.25
      # seven characters, "no_lbr\n" whatever followed, so a no_lbr .fdata
      # got the LBR flags until session 9).
      file(STRINGS "${profile}" head LIMIT_COUNT 1)
      if(head MATCHES "^no_lbr( |$)")
        set(flags "${PGO_DEFAULT_BOLT_FLAGS_NO_LBR}")
        message(STATUS "pgo_target(${target} MODE BOLT): the .fdata has no branch records (no_lbr: IP samples only): BOLT can only reorder functions; on examples/kvsvc that measured -3% to 0%, and +1% to +3% with an LBR .fdata (bench/example-pgo.md). Without LBR, `pgoctl convert --to fdata --infer-edges` writes the edges pgoctl infers from IP samples instead")
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
