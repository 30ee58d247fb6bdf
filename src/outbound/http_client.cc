#include "outbound/http_client.h"

#include <array>
#include <boost/asio/strand.hpp>
#include <unordered_map>

#include "observe/metrics.h"
#include "outbound/curl_multi.h"
#include "outbound/transfer.h"

namespace wharf::outbound {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kKinds = static_cast<std::size_t>(TransportError::kOther) + 1;

}  // namespace

// Lives on the client's strand. Shared with every operation posted there, so that it outlives
// the HttpClient until close() has run.
struct HttpClient::Impl {
  struct InFlight {
    std::unique_ptr<Transfer> transfer;
    Completion done;
  };

  Impl(asio::any_io_executor executor, ClientOptions opts)
      : strand(asio::make_strand(std::move(executor))), options(std::move(opts)) {
    multi = CurlMulti::create(strand, options,
                              [this](CURL* easy, CURLcode code) { on_done(easy, code); });
    if (options.metrics) {
      const std::string help = "Outbound HTTP requests by result (ok or the transport error)";
      outcomes[0] =
          &options.metrics->counter("wharf_outbound_requests_total", help, {{"result", "ok"}});
      for (std::size_t i = 0; i < kKinds; ++i) {
        auto kind = std::string(to_string(static_cast<TransportError>(i)));
        outcomes[i + 1] =
            &options.metrics->counter("wharf_outbound_requests_total", help, {{"result", kind}});
      }
    }
  }

  // Runs only when no operation on the strand refers to the client any more, or when its
  // io_context is destroyed with work still queued: pending completions are then dropped, not
  // posted to executors that may be gone.
  ~Impl() {
    for (auto& [easy, flight] : in_flight) multi->remove(easy);
    in_flight.clear();
    multi->shutdown();
  }

  void start(HttpRequest&& request, RequestOptions&& opts, Completion&& done) {
    if (closed) {
      complete(std::move(done), ClientError{TransportError::kCancelled, "the client is closed"});
      return;
    }
    auto transfer =
        Transfer::create(std::move(request), std::move(opts), options, multi->socket_hooks());
    if (!transfer) {
      complete(std::move(done), std::move(transfer).error());
      return;
    }
    CURL* easy = (*transfer)->easy();
    if (CURLMcode code = multi->add(easy); code != CURLM_OK) {
      complete(std::move(done),
               ClientError{TransportError::kOther,
                           std::string("cannot start the request: ") + curl_multi_strerror(code)});
      return;
    }
    in_flight.emplace(easy, InFlight{std::move(*transfer), std::move(done)});
  }

  void on_done(CURL* easy, CURLcode code) {
    auto it = in_flight.find(easy);
    if (it == in_flight.end()) return;
    InFlight flight = std::move(it->second);
    in_flight.erase(it);
    HttpResult result = flight.transfer->finish(code);
    flight.transfer.reset();
    complete(std::move(flight.done), std::move(result));
  }

  void close() {
    if (closed) return;
    closed = true;
    auto aborted = std::move(in_flight);
    in_flight.clear();
    for (auto& [easy, flight] : aborted) {
      multi->remove(easy);
      flight.transfer.reset();
      complete(std::move(flight.done),
               ClientError{TransportError::kCancelled, "the client was closed"});
    }
    multi->shutdown();
  }

  void complete(Completion&& done, HttpResult&& result) {
    std::size_t slot = result ? 0 : 1 + static_cast<std::size_t>(result.error().kind);
    if (outcomes[slot]) outcomes[slot]->inc();
    std::move(done)(std::move(result));  // posts to the caller's executor: never runs inline
  }

  asio::strand<asio::any_io_executor> strand;
  ClientOptions options;
  std::shared_ptr<CurlMulti> multi;
  std::unordered_map<CURL*, InFlight> in_flight;
  bool closed = false;
  std::array<observe::Counter*, kKinds + 1> outcomes{};  // ok, then by TransportError
};

HttpClient::HttpClient(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HttpClient::~HttpClient() { close(); }

asio::any_io_executor HttpClient::get_executor() const { return impl_->strand; }

void HttpClient::start(HttpRequest&& request, RequestOptions&& options, Completion&& done) {
  asio::post(impl_->strand, [self = impl_, request = std::move(request),
                             options = std::move(options), done = std::move(done)]() mutable {
    self->start(std::move(request), std::move(options), std::move(done));
  });
}

void HttpClient::close() {
  asio::post(impl_->strand, [self = impl_] { self->close(); });
}

}  // namespace wharf::outbound
