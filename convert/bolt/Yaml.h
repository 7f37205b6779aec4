// convert/bolt/Yaml.h: BOLT's YAML profile (stale matching across builds).
// STUB until refresh-yaml lands: both functions return an error.
#pragma once

#include "convert/Convert.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>
#include <vector>

namespace pgoctl::convert {

struct BoltYamlOptions {
  std::string LlvmBolt;
  FdataOptions Fdata;
  unsigned TimeoutSeconds = 900;
};

/// BOLT's YAML profile of B's binary from P.
llvm::Expected<std::string> writeBoltYaml(const Profile &P, const BinaryMatch &B,
                                          const BoltYamlOptions &Opts, ConvertSummary &Sum);

struct BoltYamlMergeSummary {
  uint64_t Functions = 0, Summed = 0, Superseded = 0, OnlyOlder = 0;
};
/// Merges YAML profiles of builds of one program, oldest first.
llvm::Expected<std::string> mergeBoltYaml(llvm::ArrayRef<std::string> Profiles,
                                          llvm::ArrayRef<std::string> Names = {},
                                          BoltYamlMergeSummary *Sum = nullptr);

} // namespace pgoctl::convert
