// One outbound request as a libcurl easy handle: its options (TLS verification, protocols,
// timeouts, limits), the callbacks that collect its headers and body, and the classification of
// how it ended. Internal to HttpClient, which adds it to its multi handle. Not thread-safe: used
// only on the owning client's executor.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <memory>

#include "outbound/http_types.h"

namespace wharf::outbound {

// How a client's connections are opened and closed, so that its event loop owns each socket
// (set on every easy handle as CURLOPT_OPENSOCKETFUNCTION / CURLOPT_CLOSESOCKETFUNCTION).
struct SocketHooks {
  curl_opensocket_callback open = nullptr;
  curl_closesocket_callback close = nullptr;
  void* data = nullptr;
};

class Transfer {
 public:
  // A configured easy handle for `request`, started now (for HttpResponse::duration). Error kOther
  // for a request that must not be sent: empty URL, a method or header name that is not a token,
  // a header value with CR, LF or NUL (header injection).
  static boost::system::result<std::unique_ptr<Transfer>, ClientError> create(
      HttpRequest&& request, RequestOptions&& options, const ClientOptions& client,
      const SocketHooks& hooks);

  // Cleans up the easy handle, which must no longer be in a multi handle.
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  CURL* easy() const { return easy_; }

  // The outcome once libcurl reports the transfer done with `code`: the response for CURLE_OK,
  // else the classified error. Call once.
  HttpResult finish(CURLcode code);

 private:
  Transfer(HttpRequest&& request, RequestOptions&& options);
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self);
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self);
  std::string describe(CURLcode code) const;
  // Whether the body goes to on_body_chunk (see RequestOptions::stream_success_only).
  bool streams_body();

  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  HttpRequest request_;  // owns the body curl sends from (CURLOPT_POSTFIELDS does not copy)
  RequestOptions options_;
  HttpResponse response_;
  std::size_t body_bytes_ = 0;
  bool too_large_ = false;
  bool consumer_threw_ = false;
  int stream_status_ = 0;  // the status streams_body() decided on; 0 before the first chunk
  std::chrono::steady_clock::time_point started_;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace wharf::outbound
