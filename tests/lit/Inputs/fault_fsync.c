/* tests/lit/Inputs/fault_fsync.c: an LD_PRELOAD shim that makes fsync(2)
 * fail or stall, for the durability tests (harden-durability.test).
 *   PGOCTL_FAULT=eio   every fsync fails with EIO
 *   PGOCTL_FAULT=hang  fsync creates the file $PGOCTL_FAULT_MARK, then sleeps
 *                      (so the test can signal the process mid-write)
 * Anything else: the real fsync. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fsync(int fd) {
  const char *Mode = getenv("PGOCTL_FAULT");
  if (Mode && strcmp(Mode, "eio") == 0) {
    errno = EIO;
    return -1;
  }
  if (Mode && strcmp(Mode, "hang") == 0) {
    const char *Mark = getenv("PGOCTL_FAULT_MARK");
    if (Mark)
      close(open(Mark, O_WRONLY | O_CREAT, 0644));
    for (int I = 0; I < 600; ++I)
      sleep(1);
  }
  int (*Real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  return Real(fd);
}
