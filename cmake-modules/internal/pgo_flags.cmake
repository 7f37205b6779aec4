# internal/pgo_flags.cmake: compiler and link flags of ProfileGuided.cmake
# (internal, not an API): which compilers can use a profile, where LLVM tools
# are, -mllvm option groups, the hot count of MODE SAMPLE from `pgoctl
# summary`, and the link side of sample PGO under LTO. Every path these
# helpers put on a command line is one the module made (the cached profile).
include_guard(GLOBAL)

# _pgo_non_clang(<target> <out>): "<lang> compiler <id> <version>" for each
# language among C and CXX that <target> compiles (_pgo_languages) whose
# compiler is not clang, or empty. The compiler is the one of the folder that
# defines the target: a vendored project() can enable languages (and pick
# compilers) the calling folder does not see.
function(_pgo_non_clang target out)
  set(bad "")
  get_property(enabled GLOBAL PROPERTY ENABLED_LANGUAGES)
  _pgo_languages(${target} langs)
  get_target_property(dir ${target} SOURCE_DIR)
  foreach(lang IN LISTS langs)
    if(NOT lang IN_LIST enabled)
      continue()
    endif()
    get_directory_property(id DIRECTORY "${dir}" DEFINITION CMAKE_${lang}_COMPILER_ID)
    get_directory_property(version DIRECTORY "${dir}" DEFINITION CMAKE_${lang}_COMPILER_VERSION)
    if(NOT id MATCHES "^(Clang|AppleClang)$")
      if(id STREQUAL "")
        set(id "(unknown)")
      endif()
      list(APPEND bad "${lang} compiler ${id} ${version}")
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
  _pgo_find_pgoctl(pgoctl) # internal/pgo_lockfile.cmake
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
