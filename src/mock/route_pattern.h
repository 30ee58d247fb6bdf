// Which requests a fault rule, a rate limit or a journal query applies to: "POST /v3/mail/send"
// (method and exact path), "/v1/subscriptions/*" (any method; a glob, core/glob.h: '*' matches any
// run of characters,
// '/' included), "POST /v1/" (a trailing '/' is a path prefix), "*" (everything). Immutable;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wharf::mock {

class RoutePattern {
 public:
  // nullopt when `text` is empty, or its path does not start with '/' or '*'.
  static std::optional<RoutePattern> parse(std::string_view text);

  // True when `method` (any case) and `path` (without query) are covered.
  bool matches(std::string_view method, std::string_view path) const;
  // The pattern as given.
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string method_;  // upper case; empty: any method
  std::string path_;
};

}  // namespace wharf::mock
