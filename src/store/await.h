// Awaits a Store call that completes through a callback (claim, complete, replay, ...): the
// calling coroutine resumes on its own executor with the result. Header-only.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <type_traits>

#include "core/error.h"
#include "core/home_executor.h"
#include "store/store.h"

namespace wharf::store {

// `start(done)` makes the call, passing it `done`, a copyable std::function-compatible callback
// taking Result<T>. `start` is an rvalue reference: pass a named lambda with std::move (GCC 12
// destroys temporaries in a co_await expression twice; see http/offload.h).
template <class T, class Start>
boost::asio::awaitable<Result<T>> await_result(Start&& start) {
  static_assert(!std::is_lvalue_reference_v<Start>, "pass the call with std::move");
  namespace asio = boost::asio;
  return asio::async_initiate<const asio::use_awaitable_t<>, void(Result<T>)>(
      [](auto handler, std::decay_t<Start> st) {
        // Store callbacks are std::function (copyable); the completion is move-only.
        auto done =
            std::make_shared<decltype(to_home(std::move(handler)))>(to_home(std::move(handler)));
        st([done](Result<T> r) { (*done)(std::move(r)); });
      },
      asio::use_awaitable, std::forward<Start>(start));
}

// Runs `work(txn)` (returning Result<T>) through Store::transact and resumes the calling coroutine
// on its executor with its value once committed; its error, or the commit's, otherwise. `work`
// runs on the writer thread: it must not block, and must not touch what the coroutine does
// meanwhile (the coroutine is suspended until the commit, so its locals are safe to capture).
template <class T, class Work>
boost::asio::awaitable<Result<T>> transact(Store& store, Work&& work) {
  static_assert(!std::is_lvalue_reference_v<Work>, "pass the work with std::move");
  auto slot = std::make_shared<Result<T>>(make_error(Errc::kInternal, "not run"));
  auto start = [&store, slot, work = std::forward<Work>(work)](auto done) mutable {
    store.transact(
        [slot, work = std::move(work)](Transaction& txn) mutable -> Result<void> {
          *slot = work(txn);
          if (!*slot) return slot->error();
          return {};
        },
        [slot, done = std::move(done)](Result<void> committed) mutable {
          if (!committed) *slot = committed.error();  // the work's, the commit's, or closed
          done(std::move(*slot));
        });
  };
  Result<T> r = co_await await_result<T>(std::move(start));
  co_return r;
}

}  // namespace wharf::store
