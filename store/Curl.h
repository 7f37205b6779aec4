// store/Curl.h: libcurl, loaded on first use.
//
// libcurl and what it links (OpenSSL, GnuTLS through librtmp, Kerberos,
// LDAP, ...) cost every process start ~15 ms of relocation and library
// constructors, though only the store and fleet commands speak HTTP. So
// pgoctl compiles against curl/curl.h but opens libcurl.so.4 (its ABI since
// 2006) with dlopen the first time an HttpClient sends, as elfutils does
// with libdebuginfod.
#pragma once

#include "llvm/Support/Error.h"

#include <curl/curl.h>

namespace pgoctl::store {

/// The libcurl functions pgoctl calls, with curl.h's own signatures.
struct CurlApi {
  decltype(&curl_global_init) global_init;
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_reset) easy_reset;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
};

/// Opens libcurl once per process and runs curl_global_init; later calls
/// return the same table, or the same error (a Resource error naming the
/// library and the package that installs it).
llvm::Expected<const CurlApi *> loadCurl();

} // namespace pgoctl::store
