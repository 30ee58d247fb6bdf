// wharf's one error type for request-time code, and the Result<T> every fallible call returns.
// Exceptions are used only at start-up (config load); request paths return Result values, and
// http/response.h is the one place that turns an Error into an HTTP status and JSON body.
#pragma once

#include <boost/system/result.hpp>
#include <source_location>
#include <string>
#include <utility>

namespace wharf {

enum class Errc {
  kInvalidArgument,     // the caller's input is malformed (HTTP 400)
  kUnauthenticated,     // missing or invalid signature / credentials (401)
  kNotFound,            // no such resource (404)
  kMethodNotAllowed,    // (405)
  kTooLarge,            // body over the configured limit (413)
  kFailedPrecondition,  // the resource is not in a state that allows it, e.g. a revoked
                        // connection (409)
  kUnavailable,         // a dependency (storage, upstream) cannot take the request now (503)
  kInternal,            // a bug or an unexpected failure (500)
};

struct Error {
  Errc code;
  std::string message;  // safe to show to a client: never contains a secret
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
using Result = boost::system::result<T, Error>;

// Lets Result<T>::value() throw when it holds an Error (used only in tests and start-up code).
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace wharf
