// cli/CmdLs.cpp: `pgoctl ls --store URL [--service S] [--since 7d] [--json]`:
// what a store holds, by service: raw windows (service, start, host,
// build-id, size), versions (from their .json: created, samples, forms) and
// channels (the version each names), and without --service the binaries
// pushed with `push --binary` (build-id, file name, size). --since keeps raw
// windows that started and versions created that long ago or later. Text from the store reaches
// the terminal escaped; --json prints one JSON document.
#include "cli/Command.h"
#include "cli/StoreOptions.h"
#include "core/Error.h"
#include "store/Layout.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ctime>

namespace pgoctl::cli {
namespace {

class LsCommand : public Command {
public:
  void addOptions(CLI::App &App) override {
    addStoreOptions(App, SA);
    App.add_option("--service", Service, "only this service");
    App.add_option("--since", Since, "only windows and versions this recent (7d, 12h)");
    App.add_flag("--json", Json, "print JSON");
  }

  llvm::Expected<int> run(CommandContext &Ctx) override {
    if (!Service.empty())
      if (llvm::Error E = store::checkKeyPart(Service, "--service"))
        return std::move(E);
    llvm::Expected<int64_t> CutoffOr = sinceCutoff(Since);
    if (!CutoffOr)
      return CutoffOr.takeError();
    int64_t Cutoff = *CutoffOr;
    llvm::Expected<std::unique_ptr<store::Store>> S = openStoreArgs(SA);
    if (!S)
      return S.takeError();
    store::Store &St = **S;
    nlohmann::json Raw = nlohmann::json::array(), Versions = nlohmann::json::array(),
                   Channels = nlohmann::json::array(), Binaries = nlohmann::json::array();
    std::string Sub = Service.empty() ? "" : Service + "/";
    if (llvm::Error E = St.list("raw/" + Sub, [&](const store::ObjectInfo &O) -> llvm::Error {
          std::optional<store::RawWindow> W = store::parseRawKey(O.Key);
          if (!W || W->Start < Cutoff)
            return llvm::Error::success();
          Raw.push_back({{"service", W->Service}, {"start", W->Start},
                         {"start_utc", store::utcTime(W->Start)}, {"host", W->Host},
                         {"build_id", W->BuildId}, {"size", O.Size}, {"key", O.Key}});
          return llvm::Error::success();
        }))
      return std::move(E);
    if (llvm::Error E = St.list("profiles/" + Sub, [&](const store::ObjectInfo &O) -> llvm::Error {
          llvm::StringRef K = O.Key;
          if (!K.ends_with(".json") || (O.MTime && O.MTime < Cutoff))
            return llvm::Error::success();
          llvm::Expected<std::string> Text = store::getObject(St, O.Key, 1 << 20);
          if (!Text)
            return Text.takeError();
          llvm::Expected<store::VersionInfo> V = store::parseVersionInfo(*Text, St.objectUrl(O.Key));
          if (!V)
            return V.takeError();
          Versions.push_back({{"service", V->Service}, {"version", V->Version},
                              {"created", V->Created}, {"samples", V->Samples},
                              {"forms", V->Forms}, {"parent", V->Parent}, {"key", O.Key}});
          return llvm::Error::success();
        }))
      return std::move(E);
    if (llvm::Error E = St.list("channels/" + Sub, [&](const store::ObjectInfo &O) -> llvm::Error {
          llvm::Expected<std::string> Text = store::getObject(St, O.Key, 1 << 20);
          if (!Text)
            return Text.takeError();
          llvm::Expected<store::ChannelInfo> C = store::parseChannelInfo(*Text, St.objectUrl(O.Key));
          if (!C)
            return C.takeError();
          llvm::StringRef Rest = llvm::StringRef(O.Key).drop_front(9); // "channels/"
          auto [Svc, Name] = Rest.split('/');
          Channels.push_back({{"service", Svc.str()}, {"channel", Name.str()},
                              {"version", C->Version}, {"moved", C->Moved}, {"key", O.Key}});
          return llvm::Error::success();
        }))
      return std::move(E);
    // Binaries belong to no service: listed when every service is.
    if (Service.empty())
      if (llvm::Error E = St.list("binaries/", [&](const store::ObjectInfo &O) -> llvm::Error {
            if (std::optional<store::BinaryObject> B = store::parseBinaryKey(O.Key))
              Binaries.push_back({{"build_id", B->BuildId}, {"name", B->Name},
                                  {"size", O.Size}, {"key", O.Key}});
            return llvm::Error::success();
          }))
        return std::move(E);

    llvm::raw_ostream &OS = llvm::outs();
    if (Json) {
      nlohmann::json J = {{"store", St.url()}, {"raw", Raw}, {"versions", Versions},
                          {"channels", Channels}, {"binaries", Binaries}};
      OS << J.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return 0;
    }
    auto str = [](const nlohmann::json &V) {
      return escapeForTerminal(V.is_string() ? V.get<std::string>() : V.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 256);
    };
    for (const auto &C : Channels)
      OS << "channel " << str(C["service"]) << "/" << str(C["channel"]) << " -> "
         << str(C["version"]) << "  moved " << str(C["moved"]) << "\n";
    for (const auto &V : Versions)
      OS << "version " << str(V["service"]) << " " << str(V["version"]) << "  created "
         << str(V["created"]) << "  samples " << str(V["samples"]) << "\n";
    for (const auto &R : Raw)
      OS << "raw     " << str(R["service"]) << " " << str(R["start_utc"]) << "  host "
         << str(R["host"]) << "  build-id " << str(R["build_id"]) << "  " << str(R["size"])
         << " bytes\n";
    for (const auto &B : Binaries)
      OS << "binary  " << str(B["build_id"]) << " " << str(B["name"]) << "  " << str(B["size"])
         << " bytes\n";
    return 0;
  }

private:
  StoreArgs SA;
  std::string Service, Since;
  bool Json = false;
};

} // namespace

std::unique_ptr<Command> makeLsCommand() { return std::make_unique<LsCommand>(); }

} // namespace pgoctl::cli
