// core/Input.cpp: InputFile (see Input.h).
#include "core/Input.h"
#include "core/Error.h"
#include "core/Support.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pgoctl {

uint64_t defaultMaxMemory() {
  long Pages = sysconf(_SC_PHYS_PAGES), PageSize = sysconf(_SC_PAGESIZE);
  uint64_t Phys = Pages > 0 && PageSize > 0 ? uint64_t(Pages) * uint64_t(PageSize) : 0;
  return std::clamp<uint64_t>(Phys / 2, uint64_t(256) << 20, uint64_t(4) << 30);
}

llvm::Expected<InputFile> InputFile::open(llvm::StringRef Path, size_t HeadBytes) {
  InputFile In;
  In.Path = Path.str();
  if (Path == "-") {
    In.FD = 0;
  } else {
    In.FD = ::open(In.Path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (In.FD < 0)
      return makeError("{0}: {1}", Path, strerror(errno));
    In.Own = true;
  }
  struct stat St;
  if (::fstat(In.FD, &St) != 0)
    return makeError("{0}: cannot stat: {1}", Path, strerror(errno));
  if (S_ISDIR(St.st_mode))
    return makeError("{0}: is a directory, not a profile or recording", Path);
  In.Regular = S_ISREG(St.st_mode);
  In.Size = In.Regular ? uint64_t(St.st_size) : 0;
  In.Head.resize(HeadBytes);
  size_t Got = 0;
  while (Got < HeadBytes) {
    ssize_t N = In.Regular ? ::pread(In.FD, In.Head.data() + Got, HeadBytes - Got, off_t(Got))
                           : ::read(In.FD, In.Head.data() + Got, HeadBytes - Got);
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0)
      return makeError("{0}: read failed: {1}", Path, strerror(errno));
    if (N == 0)
      break;
    Got += size_t(N);
  }
  In.Head.resize(Got);
  return std::move(In);
}

InputFile::InputFile(InputFile &&O) noexcept
    : Path(std::move(O.Path)), FD(O.FD), Own(O.Own), Regular(O.Regular), Size(O.Size),
      Head(std::move(O.Head)), HeadPos(O.HeadPos), Offset(O.Offset) {
  O.FD = -1;
  O.Own = false;
}

InputFile::~InputFile() {
  if (Own && FD >= 0)
    ::close(FD);
}

llvm::Expected<size_t> InputFile::read(char *Dst, size_t N) {
  if (!Regular && HeadPos < Head.size()) {
    size_t K = std::min(N, Head.size() - HeadPos);
    memcpy(Dst, Head.data() + HeadPos, K);
    HeadPos += K;
    return K;
  }
  for (;;) {
    ssize_t R = Regular ? ::pread(FD, Dst, N, off_t(Offset)) : ::read(FD, Dst, N);
    if (R < 0 && errno == EINTR)
      continue;
    if (R < 0)
      return makeError("{0}: offset {1}: read failed: {2}", Path, Offset, strerror(errno));
    Offset += uint64_t(R);
    return size_t(R);
  }
}

llvm::Error InputFile::rewind() {
  if (!Regular)
    return makeError("{0}: cannot read a pipe or FIFO twice", Path);
  Offset = 0;
  return llvm::Error::success();
}

llvm::Expected<std::string> InputFile::readAll(uint64_t Limit) {
  std::string Out;
  if (Regular) {
    if (Size > Limit)
      return makeKindError(ErrorKind::Resource,
                           "{0}: {1} bytes, more than the memory limit of {2} bytes",
                           Path, Size, Limit);
    Out.reserve(size_t(Size));
  }
  char Buf[1 << 16];
  for (;;) {
    llvm::Expected<size_t> N = read(Buf, sizeof(Buf));
    if (!N)
      return N.takeError();
    if (*N == 0)
      return Out;
    if (Out.size() + *N > Limit)
      return makeKindError(ErrorKind::Resource,
                           "{0}: more than the memory limit of {1} bytes", Path, Limit);
    Out.append(Buf, *N);
  }
}

} // namespace pgoctl
