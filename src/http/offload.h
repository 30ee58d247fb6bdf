// Runs blocking work (a database read) on a separate pool so the I/O threads never block, and
// resumes the calling coroutine on its own executor with the result. The work returns a
// Result<T>; an exception it throws becomes Errc::kUnavailable (an uncaught exception on the pool
// would terminate the process, and the waiting coroutine must always resume).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <string>
#include <type_traits>

#include "core/error.h"
#include "core/home_executor.h"

namespace wharf::http {

// GCC 12 destroys temporaries inside a co_await expression twice (seen under ASan as a double
// free of a lambda's captured string). So `f` is taken by rvalue reference: callers pass a named
// lambda with std::move, and no temporary with a destructor is created in their co_await.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> offload(const boost::asio::any_io_executor& pool,
                                                         F&& f) {
  static_assert(!std::is_lvalue_reference_v<F>, "pass the work with std::move");
  using R = std::invoke_result_t<F&>;
  namespace asio = boost::asio;
  return asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
      [pool](auto handler, std::decay_t<F> fn) {
        asio::post(pool, [done = to_home(std::move(handler)), fn = std::move(fn)]() mutable {
          R r = [&]() -> R {
            try {
              return fn();
            } catch (const std::exception& e) {
              return make_error(Errc::kUnavailable, std::string("storage failure: ") + e.what());
            }
          }();
          done(std::move(r));
        });
      },
      asio::use_awaitable, std::forward<F>(f));
}

}  // namespace wharf::http
