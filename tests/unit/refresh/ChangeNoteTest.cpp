// Tests of refresh/ChangeNote.h: the change description with hostile names
// (pipes, backticks, HTML, Markdown links and emphasis, newlines, terminal
// escapes) rendered by GitHub's renderer, cmark-gfm with tables (the oracle):
// every table keeps its columns, no tag but the note's own appears, and each
// name reads back as the text it is (demangled and shortened for functions).
// The gained/lost shares are checked on a hand-computed case.
#include "refresh/ChangeNote.h"

#include "core/Error.h"
#include "verify/Verify.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <set>

using namespace pgoctl::refresh;
using llvm::sampleprof::FunctionId;
using llvm::sampleprof::SampleContext;
using llvm::sampleprof::SampleProfileMap;

namespace {

/// Adds a function with Samples samples on one line (Name must outlive P).
void addFunction(SampleProfileMap &P, const std::string &Name, uint64_t Samples) {
  auto &F = P.create(SampleContext(FunctionId(Name)));
  F.addBodySamples(1, 0, Samples);
  F.addTotalSamples(Samples);
}

/// cmark-gfm's HTML of Markdown (tables on, raw HTML kept as GitHub keeps
/// <code>).
std::string renderHtml(const std::string &Md) {
  llvm::ErrorOr<std::string> Cmark = llvm::sys::findProgramByName("cmark-gfm");
  EXPECT_TRUE(bool(Cmark)) << "cmark-gfm (scripts/setup-deps.sh installs it)";
  if (!Cmark)
    return "";
  llvm::SmallString<128> In, Out;
  llvm::sys::fs::createTemporaryFile("pgoctl-note", "md", In);
  llvm::sys::fs::createTemporaryFile("pgoctl-note", "html", Out);
  {
    std::error_code EC;
    llvm::raw_fd_ostream OS(In, EC);
    OS << Md;
  }
  std::optional<llvm::StringRef> Redirects[] = {std::nullopt, llvm::StringRef(Out), std::nullopt};
  llvm::StringRef Args[] = {*Cmark, "--unsafe", "-e", "table", In};
  EXPECT_EQ(llvm::sys::ExecuteAndWait(*Cmark, Args, std::nullopt, Redirects), 0);
  auto B = llvm::MemoryBuffer::getFile(Out);
  std::string Html = B ? (*B)->getBuffer().str() : "";
  llvm::sys::fs::remove(In);
  llvm::sys::fs::remove(Out);
  return Html;
}

/// Text of HTML as a reader sees it: the entities cmark writes decoded.
std::string unescapeHtml(llvm::StringRef S) {
  std::string R;
  while (!S.empty()) {
    bool Done = false;
    for (auto [E, C] : {std::pair{"&lt;", '<'}, std::pair{"&gt;", '>'}, std::pair{"&amp;", '&'},
                        std::pair{"&quot;", '"'}})
      if (S.consume_front(E)) {
        R += C;
        Done = true;
        break;
      }
    if (!Done) {
      R += S.front();
      S = S.drop_front();
    }
  }
  return R;
}

/// The cells of each table row: <td>/<th> contents, tags kept.
std::vector<std::vector<std::string>> tableRows(llvm::StringRef Html) {
  std::vector<std::vector<std::string>> Rows;
  llvm::SmallVector<llvm::StringRef, 0> Trs;
  Html.split(Trs, "<tr>");
  for (size_t I = 1; I < Trs.size(); ++I) {
    llvm::StringRef Row = Trs[I].split("</tr>").first;
    std::vector<std::string> Cells;
    for (;;) {
      size_t A = Row.find("<td"), B = Row.find("<th");
      size_t At = std::min(A, B);
      if (At == llvm::StringRef::npos)
        break;
      Row = Row.drop_front(At);
      Row = Row.drop_front(Row.find('>') + 1);
      size_t End = Row.find("</t");
      Cells.push_back(Row.take_front(End).str());
      Row = Row.drop_front(End);
    }
    Rows.push_back(std::move(Cells));
  }
  return Rows;
}

TEST(ChangeNote, HostileNamesStayText) {
  // Names as a hostile or broken profile, store or host could give them.
  std::vector<std::string> Names = {
      "pipe|and`tick`",
      "nl\nnext\x1b[2Jesc",
      "link[x](http://e.invalid) **b** _i_ #h !",
      "tag<script>alert(1)</script>",
      "_ZN2ns4workEv", // ns::work()
      "html&amp;<b>bold</b>",
  };
  SampleProfileMap New, Old;
  for (size_t I = 0; I < Names.size(); ++I)
    addFunction(New, Names[I], 1000 * (I + 1));
  std::string Gone = "gone|`x`";
  addFunction(Old, Names[0], 500);
  addFunction(Old, Gone, 9000);

  ChangeNoteInput In;
  In.Service = "svc|<i>x</i>`";
  In.Version = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  In.Previous = "fedc|ba";
  In.Channel = "stable\n| fake | row |";
  In.LockPath = "svc.pgolock";
  In.Samples = 12345;
  In.WindowStart = 1764547200; // 2025-12-01 00:00 UTC
  In.WindowEnd = 1765152000;   // 2025-12-08 00:00 UTC
  In.Period = "21d at a 21d half-life (<b>x</b>|`y`)";
  In.Hosts = {{"host|1<img src=x>", 100, 2, 0.5}, {"h2\n|a|b|c|", 200, 3, 0.5}};
  In.Builds = {{"ab|cd", "[store](javascript:alert(1))", 300, 5, true},
               {"ef`gh", "", 10, 1, false}};
  GateFigure G;
  G.Name = "samples";
  G.Value = 12345;
  G.Threshold = 10000;
  G.Line = "ok: a | b <b>c</b>";
  In.Gate = {G};
  In.New = &New;
  In.PreviousProfile = &Old;

  std::string Md = renderChangeNote(In);
  std::string Html = renderHtml(Md);
  ASSERT_FALSE(Html.empty());
  EXPECT_NE(Md.find("\n- period: 21d at a 21d half-life ("), std::string::npos) << Md;

  // Only the note's own tags.
  std::set<std::string> Allowed = {"h2",    "h3",    "ul", "li", "p",  "code",  "table",
                                   "thead", "tbody", "tr", "th", "td", "strong"};
  llvm::Regex Tag("<[/]?([A-Za-z0-9]+)");
  llvm::StringRef Rest = Html;
  llvm::SmallVector<llvm::StringRef, 2> M;
  while (Tag.match(Rest, &M)) {
    EXPECT_TRUE(Allowed.count(M[1].lower())) << "tag <" << M[1].str() << "> in\n" << Html;
    Rest = Rest.drop_front(Rest.find(M[0]) + M[0].size());
  }
  // Every row of a table has its header's columns: a name cannot add one.
  // The tables: gate (1 row), hosts (2), builds (2), gained, lost. Gained:
  // the new functions but pipe|and`tick` (500/9500 before, 1000/21000
  // after: lost), so 5; lost: that one and gone|`x`.
  llvm::SmallVector<llvm::StringRef, 0> Tables;
  llvm::StringRef(Html).split(Tables, "<table>");
  std::vector<size_t> Columns, RowCount;
  for (size_t I = 1; I < Tables.size(); ++I) {
    std::vector<std::vector<std::string>> Rows = tableRows(Tables[I].split("</table>").first);
    ASSERT_FALSE(Rows.empty());
    for (const auto &R : Rows)
      EXPECT_EQ(R.size(), Rows[0].size()) << Tables[I].str();
    Columns.push_back(Rows[0].size());
    RowCount.push_back(Rows.size() - 1);
  }
  EXPECT_EQ(Columns, (std::vector<size_t>{4, 4, 5, 4, 4}));
  EXPECT_EQ(RowCount, (std::vector<size_t>{1, 2, 2, 5, 2}));

  // Each name reads back as itself (functions: demangled, shortened).
  std::string Text = unescapeHtml(Html);
  for (const std::string &N : Names) {
    std::string Shown =
        pgoctl::escapeForTerminal(pgoctl::verify::briefName(llvm::demangle(N), 90), 200);
    EXPECT_NE(Text.find("<code>" + Shown + "</code>"), std::string::npos)
        << "`" << Shown << "` not in\n" << Text;
  }
  EXPECT_NE(Text.find("<code>ns::work</code>"), std::string::npos);
  EXPECT_NE(Text.find("<code>gone|`x`</code>"), std::string::npos);
  EXPECT_NE(Text.find("host|1<img src=x>"), std::string::npos);
  EXPECT_NE(Text.find("h2\\x0a|a|b|c|"), std::string::npos);
  EXPECT_NE(Text.find("svc|<i>x</i>`"), std::string::npos);
  EXPECT_NE(Text.find("stable\\x0a| fake | row |"), std::string::npos);
  EXPECT_NE(Text.find("[store](javascript:alert(1))"), std::string::npos);
  EXPECT_NE(Text.find("ok: a | b <b>c</b>"), std::string::npos);
  EXPECT_EQ(Text.find('\x1b'), std::string::npos);
  EXPECT_NE(Text.find("2025-12-01 00:00 UTC"), std::string::npos);
}

TEST(ChangeNote, SharesGainedAndLost) {
  // Before: a 600, b 400 (shares 0.6, 0.4). After: a 300, b 300, c 400
  // (0.3, 0.3, 0.4). Gained: c +0.4. Lost: a -0.3, then b -0.1.
  std::string A = "a", B = "b", C = "c";
  SampleProfileMap Old, New;
  addFunction(Old, A, 600);
  addFunction(Old, B, 400);
  addFunction(New, A, 300);
  addFunction(New, B, 300);
  addFunction(New, C, 400);
  ShareChanges S = shareChanges(&New, &Old, 10);
  ASSERT_EQ(S.Gained.size(), 1u);
  EXPECT_EQ(S.Gained[0].Name, "c");
  EXPECT_DOUBLE_EQ(S.Gained[0].After, 0.4);
  ASSERT_EQ(S.Lost.size(), 2u);
  EXPECT_EQ(S.Lost[0].Name, "a");
  EXPECT_DOUBLE_EQ(S.Lost[0].Before, 0.6);
  EXPECT_DOUBLE_EQ(S.Lost[0].After, 0.3);
  EXPECT_EQ(S.Lost[1].Name, "b");
  // Top 1 keeps the largest change only; no previous profile: all gained.
  EXPECT_EQ(shareChanges(&New, &Old, 1).Lost.size(), 1u);
  EXPECT_EQ(shareChanges(&New, nullptr, 10).Gained.size(), 3u);
  EXPECT_TRUE(shareChanges(&New, nullptr, 10).Lost.empty());
}

} // namespace
