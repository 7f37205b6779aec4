// collect/Pprof.h: pprof profiles (profile.proto, gzipped or not) into the
// pgoctl model.
//
// Detection is by content (isPprof, called from Importer's one format
// sniff): the gzip magic, or the start of a protobuf message whose top-level
// fields are those of perftools.profiles.Profile with their wire types, and
// binary (a NUL byte, or three such fields). A gzip stream is
// inflated as a stream, bounded by the memory limit (a bomb is a resource
// error); the protobuf body is scanned against the schema before it is parsed
// (a wrong wire type is damage with the byte offset; the scan's message and
// element counts must fit the memory limit); every id and string index is
// checked (an out-of-range one is damage naming the file and the field).
//
// Sample value: --sample-type TYPE picks the sample_type whose type is TYPE;
// by default the first of type "samples" and unit "count", else the first of
// type "cpu" and unit "nanoseconds" (divided by the period when the period is
// in nanoseconds, so counts are samples). Negative values (diff profiles) are
// damage. Metadata: a period_type of cpu/nanoseconds is CPU time sampled every
// `period` ns, which perf calls cpu-clock: the event is named so (convert
// scales counts by the event's period as it does for perf's); otherwise the
// event is the period type's name, else the sample type's.
//
// Addresses. A location with a mapping and an address is a native frame of
// that mapping's binary (identified by the mapping's build-id, else its file
// name). Two conventions exist, told apart per mapping:
//   - runtime addresses inside [memory_start, memory_limit), file_offset being
//     the file offset mapped at memory_start (pprof's definition: Go, Parca,
//     perf_to_profile): file offset = address - memory_start + file_offset;
//   - ELF virtual addresses, memory_start being where the mapping was loaded
//     (the OpenTelemetry eBPF profiler, Grafana Alloy): used as they are.
// A mapping whose every address lies in its range uses the first; one with
// none in its range (or without a range) the second; a mix is damage. File
// offsets become ELF virtual addresses through the binary's PT_LOAD headers
// when the ELF is found (binary/Locate.h's rule, as Importer does); without it
// they stay file offsets (AddressSpace::FileOffset). ELF virtual addresses of
// a binary that is not found stay ELF addresses without segments, unless the
// same binary has file-offset mappings too: then they are dropped with a
// warning (one binary has one address space). Several mappings of one binary
// (one per PT_LOAD) are one binary of the profile. Mappings named
// "[kernel.kallsyms]..." are the kernel: its addresses are kernel addresses.
//
// Stacks: Sample.location_id is leaf first, as pgoctl's stacks. Caller frames
// are return addresses, kept as they are, as Importer keeps perf's call
// chains: their consumers subtract 1 to find the call (ProfDataIp, verify),
// which also lands in the call instruction for producers that already point
// into it. A location's inline lines do not add frames (one address, one
// frame); is_folded changes nothing for addresses (the binary's symbols say
// which function the code is).
//
// Frames with a name but no address (interpreted code, host-symbolized
// profilers) become function-level counts of their mapping's binary (a binary
// without identity when there is no mapping): self samples for the innermost
// function of the leaf, total samples (once per sample) for every function of
// the stack. For a folded location the name is the one the profile gives.
#pragma once

#include "collect/Importer.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace pgoctl {

/// True when Head (the first bytes of an input) is gzip data or starts like
/// a pprof Profile message (after perf.data's magic was looked for).
bool isPprof(llvm::StringRef Head);

/// Imports a pprof profile from an opened input (gzipped or not).
llvm::Expected<Profile> importPprof(InputFile &In, const ImportOptions &Opts,
                                    ImportSummary &Summary, Stats &PassStats);

/// The same from bytes in memory; Name is used in messages (fuzzing, tests).
llvm::Expected<Profile> importPprofBytes(llvm::StringRef Bytes, llvm::StringRef Name,
                                         const ImportOptions &Opts, ImportSummary &Summary);

} // namespace pgoctl
