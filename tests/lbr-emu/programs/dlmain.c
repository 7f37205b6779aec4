/* Loads the shared library named on the command line with dlopen() and runs
 * its plugin_work() function (the hot spot is in the library). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: dlmain libplugin.so [n]\n");
    return 2;
  }
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  unsigned (*work)(unsigned) = (unsigned (*)(unsigned))dlsym(h, "plugin_work");
  if (!work)
    return 1;
  unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 300000;
  printf("%u\n", work(n));
  dlclose(h);
  return 0;
}
