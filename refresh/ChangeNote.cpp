// refresh/ChangeNote.cpp: the change description (see ChangeNote.h).
#include "refresh/ChangeNote.h"

#include "core/Error.h"
#include "verify/Verify.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <ctime>
#include <map>

namespace pgoctl::refresh {

using llvm::sampleprof::SampleProfileMap;

namespace {

/// Text from a profile or the store, shown literally: one line (control
/// characters as \xNN), at most MaxBytes, Markdown and HTML inert.
std::string md(llvm::StringRef S, size_t MaxBytes = 200) {
  return verify::markdownLiteral(escapeForTerminal(S, MaxBytes));
}

/// A function as reports show it: demangled, shortened, in code style.
std::string functionCell(llvm::StringRef Name) {
  return "<code>" + md(verify::briefName(llvm::demangle(Name), 90)) + "</code>";
}

std::string utc(int64_t T) {
  if (T <= 0)
    return "?";
  std::time_t TT = std::time_t(T);
  std::tm Tm{};
  gmtime_r(&TT, &Tm);
  char Buf[32];
  std::strftime(Buf, sizeof Buf, "%Y-%m-%d %H:%M UTC", &Tm);
  return Buf;
}

std::string pct(double Share) { return llvm::formatv("{0:f2}%", Share * 100).str(); }

std::string signedPct(double D) {
  return llvm::formatv("{0}{1:f2} pp", D >= 0 ? "+" : "-", std::fabs(D) * 100).str();
}

/// Top-level functions' total samples by name, and their sum.
std::map<std::string, uint64_t> totals(const SampleProfileMap *P, uint64_t &Sum) {
  std::map<std::string, uint64_t> M;
  Sum = 0;
  if (!P)
    return M;
  for (const auto &F : *P) {
    llvm::sampleprof::FunctionId Id = F.second.getFunction();
    std::string Name = Id.isStringRef() ? Id.stringRef().str()
                                        : llvm::formatv("md5:{0:x16}", Id.getHashCode()).str();
    M[Name] += F.second.getTotalSamples();
    Sum += F.second.getTotalSamples();
  }
  return M;
}

} // namespace

ShareChanges shareChanges(const SampleProfileMap *New, const SampleProfileMap *Previous,
                          size_t Top) {
  uint64_t SumNew = 0, SumOld = 0;
  std::map<std::string, uint64_t> N = totals(New, SumNew), O = totals(Previous, SumOld);
  std::vector<ShareChange> All;
  auto Share = [](uint64_t C, uint64_t Sum) { return Sum ? double(C) / double(Sum) : 0.0; };
  for (const auto &[Name, C] : N) {
    auto It = O.find(Name);
    All.push_back({Name, Share(It == O.end() ? 0 : It->second, SumOld), Share(C, SumNew)});
  }
  for (const auto &[Name, C] : O)
    if (!N.count(Name))
      All.push_back({Name, Share(C, SumOld), 0});
  ShareChanges R;
  for (const ShareChange &C : All)
    (C.After > C.Before ? R.Gained : C.After < C.Before ? R.Lost : R.Gained).push_back(C);
  llvm::erase_if(R.Gained, [](const ShareChange &C) { return C.After == C.Before; });
  auto ByDelta = [](const ShareChange &A, const ShareChange &B) {
    double DA = std::fabs(A.After - A.Before), DB = std::fabs(B.After - B.Before);
    return DA != DB ? DA > DB : A.Name < B.Name;
  };
  std::sort(R.Gained.begin(), R.Gained.end(), ByDelta);
  std::sort(R.Lost.begin(), R.Lost.end(), ByDelta);
  if (R.Gained.size() > Top)
    R.Gained.resize(Top);
  if (R.Lost.size() > Top)
    R.Lost.resize(Top);
  return R;
}

std::string renderChangeNote(const ChangeNoteInput &In) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  bool Passed = llvm::all_of(In.Gate, [](const GateFigure &F) { return F.Pass; });
  OS << "## pgoctl refresh: " << md(In.Service) << ", version <code>"
     << md(llvm::StringRef(In.Version).take_front(12)) << "</code>\n\n";
  OS << "- version: <code>" << md(In.Version) << "</code>\n";
  OS << "- previous: "
     << (In.Previous.empty() ? std::string("none (the first version)")
                             : "<code>" + md(In.Previous) + "</code>")
     << "\n";
  if (!In.Channel.empty())
    OS << "- channel: " << md(In.Channel) << "\n";
  if (!In.LockPath.empty())
    OS << "- lock file: " << md(In.LockPath) << "\n";
  OS << "- samples: " << In.Samples << ", window " << utc(In.WindowStart) << " to "
     << utc(In.WindowEnd) << "\n";
  if (!In.Period.empty())
    OS << "- period: " << md(In.Period) << "\n";
  OS << "- hosts: " << In.Hosts.size() << ", builds: " << In.Builds.size() << "\n\n";

  OS << "### Quality gate: " << (Passed ? "passed" : "**refused**") << "\n\n";
  OS << "| figure | value | threshold | result |\n|---|---:|---:|---|\n";
  for (const GateFigure &F : In.Gate)
    OS << "| " << md(F.Name) << " | "
       << (F.Skipped ? std::string("-") : llvm::formatv("{0}", llvm::format("%.4g", F.Value)).str())
       << " | " << llvm::formatv("{0}", llvm::format("%g", F.Threshold)) << " | "
       << md(F.Line, 400) << " |\n";

  OS << "\n### Hosts\n\n| host | windows | samples | weight |\n|---|---:|---:|---:|\n";
  for (const ChangeNoteInput::Host &H : In.Hosts)
    OS << "| " << md(H.Name) << " | " << H.Windows << " | " << H.Samples << " | "
       << llvm::formatv("{0:f4}", H.Weight) << " |\n";

  OS << "\n### Builds\n\n| build-id | binary from | windows | samples | merged |\n"
        "|---|---|---:|---:|---|\n";
  for (const ChangeNoteInput::Build &B : In.Builds)
    OS << "| <code>" << md(B.BuildId) << "</code> | "
       << (B.FoundFrom.empty() ? std::string("not found") : md(B.FoundFrom)) << " | "
       << B.Windows << " | " << B.Samples << " | "
       << (B.Used ? "yes" : "**no**: binary not found, left out") << " |\n";

  ShareChanges C = shareChanges(In.New, In.PreviousProfile, 10);
  auto Table = [&](llvm::StringRef Title, const std::vector<ShareChange> &Rows) {
    OS << "\n### " << Title << "\n\n";
    if (Rows.empty()) {
      OS << "none\n";
      return;
    }
    OS << "| function | share before | share after | change |\n|---|---:|---:|---:|\n";
    for (const ShareChange &R : Rows)
      OS << "| " << functionCell(R.Name) << " | " << pct(R.Before) << " | " << pct(R.After)
         << " | " << signedPct(R.After - R.Before) << " |\n";
  };
  Table("Top functions gained (share of samples)", C.Gained);
  Table("Top functions lost (share of samples)", C.Lost);
  return S;
}

} // namespace pgoctl::refresh
