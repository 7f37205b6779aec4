// convert/ProfDataIp.cpp: IP samples to FunctionSamples (being written).
#include "convert/ProfDataBuild.h"

namespace pgoctl::convert {

void addIpSamples(const Profile &P, uint32_t BinaryIndex, Symbolizer &S, SampleBuilder &SB,
                  ConvertSummary &Sum) {
  Sum.Warnings.push_back("IP-only profiles are not converted yet");
}

} // namespace pgoctl::convert
