// libcurl's multi interface driven by Asio, with no thread and no polling of its own. Every
// connection socket libcurl opens is opened here and owned by an Asio descriptor (libcurl's
// open/close-socket callbacks), watched with async_wait as libcurl's socket callback asks;
// libcurl's timeout is a steady_timer. When either fires, curl_multi_socket_action runs and each
// finished transfer is reported. The multi handle keeps the pool of idle keep-alive connections.
//
// Not thread-safe: every call must be made, and every callback runs, on the executor given at
// construction (HttpClient passes its strand).
#pragma once

#include <curl/curl.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <unordered_map>

#include "outbound/http_types.h"
#include "outbound/transfer.h"

namespace wharf::outbound {

class CurlMulti : public std::enable_shared_from_this<CurlMulti> {
 public:
  // Called on the executor, outside libcurl, when a transfer ends with `code`; the handle has
  // already been removed from the multi handle and belongs to the caller again.
  using DoneHandler = std::function<void(CURL* easy, CURLcode code)>;

  // Throws std::runtime_error when libcurl cannot be initialised (start-up only).
  static std::shared_ptr<CurlMulti> create(boost::asio::any_io_executor executor,
                                           const ClientOptions& options, DoneHandler on_done);
  // Closes every connection still open (the multi handle must hold no transfer by then).
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // To be set on every easy handle added here, so that this loop owns its sockets.
  SocketHooks socket_hooks();

  // Starts `easy`, configured with socket_hooks(). Returns CURLM_OK, or libcurl's refusal (then
  // on_done is never called for it). Error CURLM_BAD_HANDLE after shutdown().
  CURLMcode add(CURL* easy);
  // Stops `easy` (its connection is closed unless the transfer had finished); on_done will not
  // be called for it. The caller cleans up the handle afterwards.
  void remove(CURL* easy);
  // Closes the pooled connections and the multi handle; later add() calls fail. Call once every
  // transfer has been removed or has ended. Idempotent.
  void shutdown();

 private:
  struct Socket;
  CurlMulti(boost::asio::any_io_executor executor, DoneHandler on_done);

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  static curl_socket_t on_open_socket(void* self, curlsocktype purpose, curl_sockaddr* address);
  static int on_close_socket(void* self, curl_socket_t fd);

  void watch(const std::shared_ptr<Socket>& socket, int direction);
  void on_ready(const std::shared_ptr<Socket>& socket, int direction,
                const boost::system::error_code& ec);
  void drive(curl_socket_t fd, int events);
  void release_all_sockets();

  boost::asio::any_io_executor executor_;
  DoneHandler on_done_;
  CURLM* multi_ = nullptr;
  boost::asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;  // bumped by every on_timer call
  std::unordered_map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
  bool stopped_ = false;  // shutdown() ran: no new waits, no more callbacks into libcurl
};

}  // namespace wharf::outbound
