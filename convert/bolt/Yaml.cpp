// convert/bolt/Yaml.cpp: STUB until refresh-yaml lands.
#include "convert/bolt/Yaml.h"

#include "core/Support.h"

namespace pgoctl::convert {
llvm::Expected<std::string> writeBoltYaml(const Profile &, const BinaryMatch &,
                                          const BoltYamlOptions &, ConvertSummary &) {
  return makeError("BOLT YAML profiles are not built yet (refresh-yaml)");
}
llvm::Expected<std::string> mergeBoltYaml(llvm::ArrayRef<std::string>,
                                          llvm::ArrayRef<std::string>, BoltYamlMergeSummary *) {
  return makeError("BOLT YAML profiles are not built yet (refresh-yaml)");
}
} // namespace pgoctl::convert
