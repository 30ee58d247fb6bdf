// Completing an asynchronous operation that finishes on another thread (the SQLite writer, the
// blocking pool, an HTTP client's strand) on the caller's own executor.
//
// to_home(handler) keeps the handler's associated executor ("home") busy (outstanding work
// tracked) until the result is delivered, so that an io_context run by the caller cannot run out
// of work and return while the operation is pending. The tracked executor travels with the posted
// completion and is released on the home executor, after the handler ran: the finishing thread
// never touches home's execution context after the post. (Releasing it there instead races with
// the caller, who may have destroyed its io_context by then once the handler resumed it; with
// a new io_context at the same address, the late release took away that one's work, and its
// run() returned while a request was in flight.)
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <utility>

namespace wharf {

// A move-only callable: called once with the operation's results, it posts `handler(results...)`
// to home, the handler's associated executor (or `fallback` when it has none).
template <class Handler, class Executor>
auto to_home(Handler handler, const Executor& fallback) {
  namespace asio = boost::asio;
  auto home = asio::prefer(asio::get_associated_executor(handler, fallback),
                           asio::execution::outstanding_work.tracked);
  return [h = std::move(handler), home = std::move(home)](auto&&... results) mutable {
    auto untracked = asio::prefer(home, asio::execution::outstanding_work.untracked);
    asio::post(untracked, [h = std::move(h), home = std::move(home),
                           ... r = std::forward<decltype(results)>(results)]() mutable {
      std::move(h)(std::move(r)...);
      // `home` (tracked) is released here, on its own executor, with this function.
    });
  };
}

// to_home(handler) for a handler that has an associated executor (a coroutine's).
template <class Handler>
auto to_home(Handler handler) {
  auto fallback = boost::asio::get_associated_executor(handler);
  return to_home(std::move(handler), fallback);
}

}  // namespace wharf
