#include "outbound/curl_multi.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <mutex>
#include <stdexcept>

namespace wharf::outbound {
namespace asio = boost::asio;

namespace {

std::once_flag curl_initialised;

void init_curl_once() {
  // curl_global_init is not thread-safe and must run once per process, before any other call.
  std::call_once(curl_initialised, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("cannot initialise libcurl");
    }
  });
}

}  // namespace

// A socket libcurl asked to have watched. `owned` sockets were opened by on_open_socket and are
// closed only by on_close_socket; others (e.g. the threaded resolver's wake-up pipe) are only
// watched, and released, never closed, when libcurl stops asking.
struct CurlMulti::Socket {
  Socket(const asio::any_io_executor& ex, curl_socket_t fd, bool owned)
      : descriptor(ex), fd(fd), owned(owned) {}
  asio::posix::stream_descriptor descriptor;
  curl_socket_t fd;
  bool owned;
  bool gone = false;  // closed or released: a wait still pending must not touch libcurl for it
  int wanted = 0;     // CURL_POLL_IN and/or CURL_POLL_OUT, as libcurl last asked
  bool read_pending = false;
  bool write_pending = false;
};

std::shared_ptr<CurlMulti> CurlMulti::create(asio::any_io_executor executor,
                                             const ClientOptions& options, DoneHandler on_done) {
  init_curl_once();
  std::shared_ptr<CurlMulti> m(new CurlMulti(std::move(executor), std::move(on_done)));
  m->multi_ = curl_multi_init();
  if (!m->multi_) throw std::runtime_error("cannot create a libcurl multi handle");
  curl_multi_setopt(m->multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
  curl_multi_setopt(m->multi_, CURLMOPT_SOCKETDATA, m.get());
  curl_multi_setopt(m->multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
  curl_multi_setopt(m->multi_, CURLMOPT_TIMERDATA, m.get());
  curl_multi_setopt(m->multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_host_connections);
  curl_multi_setopt(m->multi_, CURLMOPT_MAXCONNECTS, options.max_idle_connections);
  return m;
}

CurlMulti::CurlMulti(asio::any_io_executor executor, DoneHandler on_done)
    : executor_(std::move(executor)), on_done_(std::move(on_done)), timer_(executor_) {}

CurlMulti::~CurlMulti() { shutdown(); }

SocketHooks CurlMulti::socket_hooks() {
  return SocketHooks{&CurlMulti::on_open_socket, &CurlMulti::on_close_socket, this};
}

CURLMcode CurlMulti::add(CURL* easy) {
  if (stopped_) return CURLM_BAD_HANDLE;
  // libcurl answers through on_timer (a 0 ms timeout) and starts the transfer from there.
  return curl_multi_add_handle(multi_, easy);
}

void CurlMulti::remove(CURL* easy) {
  if (multi_) curl_multi_remove_handle(multi_, easy);
}

void CurlMulti::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  // Closes the idle pooled connections through on_close_socket.
  curl_multi_cleanup(multi_);
  multi_ = nullptr;
  timer_.cancel();
  release_all_sockets();
}

void CurlMulti::release_all_sockets() {
  for (auto& [fd, socket] : sockets_) {
    socket->gone = true;
    boost::system::error_code ec;
    if (socket->owned) {
      socket->descriptor.close(ec);
    } else {
      socket->descriptor.release();
    }
  }
  sockets_.clear();
}

int CurlMulti::on_socket(CURL*, curl_socket_t fd, int what, void* self_ptr, void*) {
  auto* self = static_cast<CurlMulti*>(self_ptr);
  auto it = self->sockets_.find(fd);
  if (what == CURL_POLL_REMOVE) {
    if (it == self->sockets_.end()) return 0;
    auto socket = it->second;
    socket->wanted = 0;
    boost::system::error_code ec;
    if (socket->owned) {
      // An idle pooled connection stays open but unwatched: a pending wait would keep the
      // io_context busy and report readiness nobody asked for.
      socket->descriptor.cancel(ec);
    } else {
      socket->gone = true;
      socket->descriptor.release();
      self->sockets_.erase(it);
    }
    return 0;
  }
  if (self->stopped_) return 0;
  if (it == self->sockets_.end()) {
    auto socket = std::make_shared<Socket>(self->executor_, fd, false);
    boost::system::error_code ec;
    socket->descriptor.assign(fd, ec);
    if (ec) return -1;
    it = self->sockets_.emplace(fd, std::move(socket)).first;
  }
  auto socket = it->second;
  int wanted = what & (CURL_POLL_IN | CURL_POLL_OUT);
  if ((socket->read_pending && !(wanted & CURL_POLL_IN)) ||
      (socket->write_pending && !(wanted & CURL_POLL_OUT))) {
    // Stops the wait no longer wanted; on_ready re-arms whichever is still wanted.
    boost::system::error_code ec;
    socket->descriptor.cancel(ec);
  }
  socket->wanted = wanted;
  if (wanted & CURL_POLL_IN) self->watch(socket, CURL_POLL_IN);
  if (wanted & CURL_POLL_OUT) self->watch(socket, CURL_POLL_OUT);
  return 0;
}

int CurlMulti::on_timer(CURLM*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<CurlMulti*>(self_ptr);
  // Each call replaces the previous timeout: an older wake-up that still fires is ignored.
  std::uint64_t generation = ++self->timer_generation_;
  if (timeout_ms < 0 || self->stopped_) {
    self->timer_.cancel();
    return 0;
  }
  // libcurl must not be re-entered from here, so even a 0 ms timeout is a later handler. It is a
  // plain post rather than a timer: libcurl asks for 0 ms for every new transfer, and re-arming
  // the reactor's timerfd each time cost a quarter of the dispatcher thread under load.
  auto fire = [self = self->shared_from_this(), generation](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || self->stopped_) return;
    if (generation != self->timer_generation_) return;
    self->drive(CURL_SOCKET_TIMEOUT, 0);
  };
  if (timeout_ms == 0) {
    self->timer_.cancel();
    asio::post(self->executor_, [fire = std::move(fire)] { fire(boost::system::error_code()); });
    return 0;
  }
  self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  self->timer_.async_wait(std::move(fire));
  return 0;
}

curl_socket_t CurlMulti::on_open_socket(void* self_ptr, curlsocktype purpose,
                                        curl_sockaddr* address) {
  auto* self = static_cast<CurlMulti*>(self_ptr);
  if (purpose != CURLSOCKTYPE_IPCXN || self->stopped_) return CURL_SOCKET_BAD;
  int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  auto socket = std::make_shared<Socket>(self->executor_, fd, true);
  boost::system::error_code ec;
  socket->descriptor.assign(fd, ec);
  if (ec) {
    ::close(fd);
    return CURL_SOCKET_BAD;
  }
  self->sockets_[fd] = std::move(socket);
  return fd;
}

int CurlMulti::on_close_socket(void* self_ptr, curl_socket_t fd) {
  auto* self = static_cast<CurlMulti*>(self_ptr);
  auto it = self->sockets_.find(fd);
  if (it == self->sockets_.end() || !it->second->owned) return ::close(fd);
  it->second->gone = true;
  boost::system::error_code ec;
  it->second->descriptor.close(ec);  // also fails any wait still pending on it
  self->sockets_.erase(it);
  return 0;
}

void CurlMulti::watch(const std::shared_ptr<Socket>& socket, int direction) {
  bool& pending = direction == CURL_POLL_IN ? socket->read_pending : socket->write_pending;
  if (pending || socket->gone) return;
  pending = true;
  auto wait = direction == CURL_POLL_IN ? asio::posix::descriptor_base::wait_read
                                        : asio::posix::descriptor_base::wait_write;
  socket->descriptor.async_wait(
      wait, [self = shared_from_this(), socket, direction](const boost::system::error_code& ec) {
        self->on_ready(socket, direction, ec);
      });
}

void CurlMulti::on_ready(const std::shared_ptr<Socket>& socket, int direction,
                         const boost::system::error_code& ec) {
  (direction == CURL_POLL_IN ? socket->read_pending : socket->write_pending) = false;
  if (socket->gone || stopped_) return;
  if (ec != asio::error::operation_aborted && (socket->wanted & direction)) {
    int events =
        ec ? CURL_CSELECT_ERR : (direction == CURL_POLL_IN ? CURL_CSELECT_IN : CURL_CSELECT_OUT);
    drive(socket->fd, events);
  }
  // libcurl may have closed the socket or changed what it waits for meanwhile.
  if (!socket->gone && !stopped_ && (socket->wanted & direction)) watch(socket, direction);
}

void CurlMulti::drive(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    curl_multi_remove_handle(multi_, easy);  // invalidates msg
    on_done_(easy, code);
    if (stopped_) return;
  }
}

}  // namespace wharf::outbound
