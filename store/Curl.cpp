// store/Curl.cpp: dlopen of libcurl (see Curl.h).
#include "store/Curl.h"

#include "core/Error.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace pgoctl::store {

namespace {

struct Loaded {
  CurlApi Api{};
  std::string Error; ///< empty when Api is complete
};

template <typename Fn> bool bind(void *Lib, const char *Name, Fn &Slot, std::string &Missing) {
  Slot = reinterpret_cast<Fn>(dlsym(Lib, Name));
  if (!Slot)
    Missing = Name;
  return Slot != nullptr;
}

Loaded open() {
  Loaded L;
  // RTLD_LOCAL: nothing of libcurl's dependencies joins the global scope.
  void *Lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!Lib) {
    const char *Why = dlerror();
    L.Error = std::string("cannot load libcurl.so.4 (apt-get install libcurl4): ") +
              (Why ? Why : "unknown dlopen error");
    return L;
  }
  std::string Missing;
  CurlApi &A = L.Api;
  bool Ok = bind(Lib, "curl_global_init", A.global_init, Missing) &&
            bind(Lib, "curl_easy_init", A.easy_init, Missing) &&
            bind(Lib, "curl_easy_cleanup", A.easy_cleanup, Missing) &&
            bind(Lib, "curl_easy_reset", A.easy_reset, Missing) &&
            bind(Lib, "curl_easy_setopt", A.easy_setopt, Missing) &&
            bind(Lib, "curl_easy_perform", A.easy_perform, Missing) &&
            bind(Lib, "curl_easy_getinfo", A.easy_getinfo, Missing) &&
            bind(Lib, "curl_easy_strerror", A.easy_strerror, Missing) &&
            bind(Lib, "curl_slist_append", A.slist_append, Missing) &&
            bind(Lib, "curl_slist_free_all", A.slist_free_all, Missing);
  if (!Ok) {
    L.Error = "libcurl.so.4 lacks " + Missing;
    return L; // the library stays open: dlclose of libcurl is not safe to rely on
  }
  if (CURLcode RC = A.global_init(CURL_GLOBAL_DEFAULT); RC != CURLE_OK)
    L.Error = "libcurl's global initialization failed (code " + std::to_string(int(RC)) + ")";
  return L;
}

} // namespace

llvm::Expected<const CurlApi *> loadCurl() {
  static std::once_flag Once;
  static Loaded L;
  std::call_once(Once, [] { L = open(); });
  if (!L.Error.empty())
    return makeKindError(ErrorKind::Resource, "{0}", L.Error);
  return &L.Api;
}

} // namespace pgoctl::store
