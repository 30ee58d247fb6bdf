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

}  // namespace wharf::store
