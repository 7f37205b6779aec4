// collect/PerfScriptText.cpp: a line parser for `perf script` output.
#include "collect/PerfScriptText.h"
#include "core/Error.h"
#include "core/Support.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace pgoctl::perf {

namespace {

/// A token or line of the input for an error message: escaped for a terminal,
/// cut at 80 bytes, and then with its length (a bad 100 MB line gave a 100 MB
/// message).
std::string shown(llvm::StringRef S) {
  constexpr size_t kMax = 80;
  std::string Out = escapeForTerminal(S, kMax);
  if (S.size() > kMax)
    Out += llvm::formatv(" ({0} bytes in all)", S.size()).str();
  return Out;
}

bool parseHex(llvm::StringRef S, uint64_t &V) {
  S.consume_front("0x");
  return !S.empty() && !S.getAsInteger(16, V);
}

class TextReader {
public:
  TextReader(llvm::StringRef Path, PerfVisitor &V, PerfHeader &H, ReadStats &S)
      : Path(Path), V(V), H(H), S(S) {}

  /// Whether sample lines carry a pid, from the first sample line: without
  /// one, every process is taken to share one address space (as llvm-profgen
  /// assumes), so mmaps of any pid apply to every sample.
  static bool lineHasPid(llvm::StringRef T) {
    llvm::SmallVector<llvm::StringRef, 4> Tok;
    T.split(Tok, ' ', -1, false);
    // pid[/tid] is decimal and followed by the ip; a lone ip is followed by
    // branch entries or nothing.
    return Tok.size() >= 2 && !Tok[0].starts_with("0x") && !Tok[1].starts_with("0x") &&
           !Tok[1].contains('/');
  }

  /// One line of the input, without its newline. Lines before the first
  /// sample line wait (up to MaxPending bytes) until it says whether samples
  /// carry a pid, which decides how those side-band lines apply.
  llvm::Error feed(llvm::StringRef Line) {
    ++LineNo;
    S.Bytes += Line.size() + 1;
    if (!Decided) {
      llvm::StringRef T = Line.trim();
      if (T.empty() || T.starts_with("#") || Line.contains("PERF_RECORD_")) {
        PendingBytes += Line.size() + 1;
        if (PendingBytes > MaxPending)
          return makeKindError(ErrorKind::Resource,
                               "{0}: more than {1} bytes before the first sample line",
                               Path, MaxPending);
        Pending.push_back(Line.str());
        return llvm::Error::success();
      }
      if (llvm::Error E = decide(lineHasPid(T)))
        return E;
    }
    return handle(Line, LineNo);
  }

  llvm::Error finish() {
    if (!Decided)
      if (llvm::Error E = decide(false))
        return E;
    if (!HeaderSent)
      V.onHeader(H);
    if (!SawMmap && S.Samples > 0)
      return makeError("{0}: no PERF_RECORD_MMAP lines: run perf script with "
                       "--show-mmap-events so addresses can be mapped to binaries",
                       Path);
    return llvm::Error::success();
  }

  uint64_t MaxPending = 0;

private:
  llvm::Error decide(bool Pid) {
    Decided = true;
    HasPid = Pid;
    EventAttr A;
    A.Name = "perf-script";
    A.SampleType = kSampleIp | kSampleTid;
    H.Attrs.push_back(A);
    uint64_t No = LineNo - Pending.size();
    for (const std::string &L : Pending)
      if (llvm::Error E = handle(L, No++))
        return E;
    Pending.clear();
    Pending.shrink_to_fit();
    return llvm::Error::success();
  }

  llvm::Error handle(llvm::StringRef Line, uint64_t No) {
    Line = Line.rtrim("\r");
    if (Line.trim().empty() || Line.starts_with("#"))
      return llvm::Error::success();
    if (Line.starts_with("\t"))
      return makeError("{0}:{1}: call chains in perf script text are not supported "
                       "(perf prints their frames map-relative); run perf script "
                       "with -G, or import the perf.data itself",
                       Path, No);
    if (!HeaderSent) {
      // The first sample decides whether there is a branch stack.
      HeaderSent = true;
      V.onHeader(H);
    }
    return parseLine(Line, No);
  }

private:
  llvm::Error parseLine(llvm::StringRef Line, uint64_t LineNo) {
    S.Seq = ++S.Records;
    size_t Rec = Line.find("PERF_RECORD_");
    if (Rec != llvm::StringRef::npos)
      return parseSideband(Line.substr(Rec), LineNo);

    llvm::SmallVector<llvm::StringRef, 40> Tok;
    Line.split(Tok, ' ', -1, false);
    size_t I = 0;
    uint32_t Pid = 0, Tid = 0;
    // Leading non-branch tokens: [pid[/tid]] ip
    size_t Lead = 0;
    while (Lead < Tok.size() && !Tok[Lead].contains("/0x") && !Tok[Lead].starts_with("0x"))
      ++Lead;
    if (Lead == 2 || (Lead == 1 && Tok[0].contains('/'))) {
      auto [P, T] = Tok[0].split('/');
      if (P.getAsInteger(10, Pid) || (!T.empty() && T.getAsInteger(10, Tid)))
        return makeError("{0}:{1}: bad pid/tid '{2}'", Path, LineNo, shown(Tok[0]));
      if (T.empty())
        Tid = Pid;
      I = 1;
    } else if (Lead > 2) {
      return makeError("{0}:{1}: unrecognized sample line (expected the fields "
                       "[pid[/tid]] ip [brstack])",
                       Path, LineNo);
    }
    Sample Smp;
    Smp.Attr = &H.Attrs[0];
    Smp.Pid = Pid;
    Smp.Tid = Tid;
    Smp.Misc = kMiscUser;
    if (I < Lead) {
      if (!parseHex(Tok[I], Smp.Ip))
        return makeError("{0}:{1}: bad ip '{2}'", Path, LineNo, shown(Tok[I]));
      ++I;
    }
    Branches.clear();
    for (; I < Tok.size(); ++I) {
      llvm::SmallVector<llvm::StringRef, 8> F;
      Tok[I].split(F, '/');
      BranchEntry B{0, 0, 0};
      if (F.size() < 2 || !parseHex(F[0], B.From) || !parseHex(F[1], B.To))
        return makeError("{0}:{1}: bad branch entry '{2}'", Path, LineNo,
                         shown(Tok[I]));
      if (F.size() > 2) {
        if (F[2] == "M")
          B.Flags |= 1;
        else if (F[2] == "P")
          B.Flags |= 2;
      }
      if (F.size() > 3 && F[3] == "X")
        B.Flags |= 4;
      if (F.size() > 4 && F[4] == "A")
        B.Flags |= 8;
      unsigned Cycles = 0;
      if (F.size() > 5 && !F[5].getAsInteger(10, Cycles))
        B.Flags |= uint64_t(Cycles & 0xffff) << 4;
      Branches.push_back(B);
    }
    if (!Branches.empty()) {
      H.Attrs[0].SampleType |= kSampleBranchStack;
      Smp.BranchesRaw = reinterpret_cast<const char *>(Branches.data());
      Smp.NumBranches = Branches.size();
    }
    if (Smp.Ip >= 0xffff800000000000ULL)
      Smp.Misc = kMiscKernel;
    ++S.Samples;
    V.onSample(Smp);
    return llvm::Error::success();
  }

  llvm::Error parseSideband(llvm::StringRef L, uint64_t LineNo) {
    auto Bad = [&](const char *What) {
      return makeError("{0}:{1}: cannot parse {2}: '{3}'", Path, LineNo, What,
                       shown(L));
    };
    if (L.starts_with("PERF_RECORD_MMAP")) {
      // PERF_RECORD_MMAP2 pid/tid: [0xSTART(0xLEN) @ PGOFF ...]: prot path
      MmapEvent E;
      E.IsMmap2 = L.starts_with("PERF_RECORD_MMAP2");
      llvm::StringRef R = L.drop_front(E.IsMmap2 ? 17 : 16).ltrim();
      auto [PidTid, Rest] = R.split(':');
      auto [P, T] = PidTid.split('/');
      int64_t PidS = 0, TidS = 0;
      if (P.getAsInteger(10, PidS) || T.getAsInteger(10, TidS))
        return Bad("mmap pid/tid");
      E.Pid = uint32_t(PidS);
      E.Tid = uint32_t(TidS);
      if (!HasPid && PidS >= 0)
        E.Pid = E.Tid = 0;
      Rest = Rest.ltrim();
      if (!Rest.consume_front("["))
        return Bad("mmap");
      size_t Paren = Rest.find('('), Close = Rest.find(')'), At = Rest.find(" @ "),
             End = Rest.find("]: ");
      if (Paren == llvm::StringRef::npos || Close == llvm::StringRef::npos ||
          At == llvm::StringRef::npos || End == llvm::StringRef::npos)
        return Bad("mmap");
      if (!parseHex(Rest.take_front(Paren), E.Start) ||
          !parseHex(Rest.slice(Paren + 1, Close), E.Len))
        return Bad("mmap range");
      llvm::StringRef Off = Rest.slice(At + 3, End);
      llvm::StringRef PgoffStr = Off.take_until([](char C) { return C == ' '; });
      if (!parseHex(PgoffStr, E.Pgoff) && PgoffStr != "0")
        return Bad("mmap offset");
      llvm::StringRef Extra = Off.drop_front(PgoffStr.size()).trim();
      if (Extra.starts_with("<") && Extra.ends_with(">")) {
        // build-id form: <hex>
        llvm::StringRef Hex = Extra.drop_front().drop_back();
        std::string Raw;
        for (size_t K = 0; K + 1 < Hex.size(); K += 2) {
          unsigned Byte;
          if (Hex.substr(K, 2).getAsInteger(16, Byte))
            return Bad("mmap build-id");
          Raw.push_back(char(Byte));
        }
        E.BuildId = Raw;
      }
      llvm::StringRef Tail = Rest.drop_front(End + 3);
      auto [Prot, File] = Tail.split(' ');
      E.Executable = Prot.contains('x');
      Filename = File.str();
      E.Filename = Filename;
      SawMmap = true;
      V.onMmap(E);
      return llvm::Error::success();
    }
    if (!HasPid && (L.starts_with("PERF_RECORD_COMM") || L.starts_with("PERF_RECORD_FORK")))
      return llvm::Error::success(); // one shared address space: nothing to track
    if (L.starts_with("PERF_RECORD_COMM")) {
      // PERF_RECORD_COMM exec: name:pid/tid
      CommEvent E;
      llvm::StringRef R = L.drop_front(16);
      E.Exec = R.consume_front(" exec");
      R = R.drop_while([](char C) { return C == ':' || C == ' '; });
      size_t Colon = R.rfind(':');
      if (Colon == llvm::StringRef::npos)
        return Bad("comm");
      auto [P, T] = R.drop_front(Colon + 1).split('/');
      if (P.trim().getAsInteger(10, E.Pid) || T.trim().getAsInteger(10, E.Tid))
        return Bad("comm pid/tid");
      Filename = R.take_front(Colon).str();
      E.Comm = Filename;
      V.onComm(E);
      return llvm::Error::success();
    }
    if (L.starts_with("PERF_RECORD_FORK") || L.starts_with("PERF_RECORD_EXIT")) {
      // PERF_RECORD_FORK(child:ctid):(parent:ptid)
      ForkExitEvent E;
      E.IsFork = L.starts_with("PERF_RECORD_FORK");
      llvm::StringRef R = L.drop_front(16);
      unsigned A, B, C, D;
      if (sscanf(R.str().c_str(), "(%u:%u):(%u:%u)", &A, &B, &C, &D) != 4)
        return Bad("fork/exit");
      E.Pid = A;
      E.Tid = B;
      E.Ppid = C;
      E.Ptid = D;
      V.onForkExit(E);
      return llvm::Error::success();
    }
    return llvm::Error::success(); // other side-band lines: not needed
  }

  llvm::StringRef Path;
  PerfVisitor &V;
  PerfHeader &H;
  ReadStats &S;
  std::vector<BranchEntry> Branches;
  std::string Filename;
  bool SawMmap = false;
  bool HasPid = false;
  bool Decided = false, HeaderSent = false;
  uint64_t LineNo = 0;
  std::vector<std::string> Pending;
  uint64_t PendingBytes = 0;
};

} // namespace

bool looksLikePerfScript(llvm::StringRef Bytes) {
  if (isPerfData(Bytes))
    return false;
  llvm::StringRef Head = Bytes.take_front(4096);
  for (char C : Head)
    if (C == '\0')
      return false;
  return true;
}

llvm::Error readPerfScriptText(InputFile &In, PerfVisitor &Visitor, PerfHeader &Header,
                               ReadStats &Stats) {
  Header = PerfHeader();
  Stats = ReadStats();
  TextReader R(In.path(), Visitor, Header, Stats);
  R.MaxPending = defaultMaxMemory();
  if (In.isRegular()) {
    auto MBOr = llvm::MemoryBuffer::getOpenFile(In.fd(), In.path(), In.size(),
                                                /*RequiresNullTerminator=*/false);
    if (!MBOr)
      return makeError("{0}: {1}", In.path(), MBOr.getError().message());
    llvm::StringRef Text = (*MBOr)->getBuffer();
    Header.FileSize = Text.size();
    while (!Text.empty()) {
      auto [Line, Rest] = Text.split('\n');
      Text = Rest;
      if (llvm::Error E = R.feed(Line))
        return E;
    }
    return R.finish();
  }
  // A pipe or FIFO: streamed a line at a time through a buffer; only a
  // line longer than the memory limit is an error.
  const uint64_t MaxLine = defaultMaxMemory();
  std::string Buf;
  size_t Start = 0;
  const size_t ChunkBytes = 1 << 20;
  auto Chunk = std::make_unique_for_overwrite<char[]>(ChunkBytes); // not zero-filled
  for (;;) {
    llvm::Expected<size_t> N = In.read(Chunk.get(), ChunkBytes);
    if (!N)
      return N.takeError();
    Header.FileSize += *N;
    if (*N == 0)
      break;
    Buf.erase(0, Start);
    Start = 0;
    Buf.append(Chunk.get(), *N);
    for (size_t NL; (NL = Buf.find('\n', Start)) != std::string::npos; Start = NL + 1)
      if (llvm::Error E = R.feed(llvm::StringRef(Buf).slice(Start, NL)))
        return E;
    if (Buf.size() - Start > MaxLine)
      return makeKindError(ErrorKind::Resource,
                           "{0}: a line of more than {1} bytes (the memory limit)",
                           In.path(), MaxLine);
  }
  if (Start < Buf.size())
    if (llvm::Error E = R.feed(llvm::StringRef(Buf).drop_front(Start)))
      return E;
  return R.finish();
}

llvm::Error readPerfScriptText(llvm::StringRef Path, PerfVisitor &Visitor,
                               PerfHeader &Header, ReadStats &Stats) {
  llvm::Expected<InputFile> In = InputFile::open(Path, /*HeadBytes=*/0);
  if (!In)
    return In.takeError();
  return readPerfScriptText(*In, Visitor, Header, Stats);
}

} // namespace pgoctl::perf
