#include "mock/provider.h"

#include <boost/json/parse.hpp>

namespace wharf::mock {

std::string IdSource::next(std::string_view prefix, std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id(prefix);
  for (std::size_t i = 0; i < length; ++i) id += kAlphabet[pick(rng_)];
  return id;
}

std::string_view bearer_token(const http::Request& req) {
  auto it = req.find(boost::beast::http::field::authorization);
  if (it == req.end()) return {};
  std::string_view value = it->value();
  constexpr std::string_view kBearer = "Bearer ";
  if (value.size() <= kBearer.size()) return {};
  for (std::size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) !=
        std::tolower(static_cast<unsigned char>(kBearer[i]))) {
      return {};
    }
  }
  return value.substr(kBearer.size());
}

std::optional<boost::json::object> json_body(const http::Request& req) {
  boost::system::error_code ec;
  auto value = boost::json::parse(req.body(), ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

std::optional<http::QueryParams> form_body(const http::Request& req) {
  return http::parse_query(req.body());
}

const std::string* find_param(const http::QueryParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::optional<std::string_view> segment_between(std::string_view path, std::string_view prefix,
                                                std::string_view suffix) {
  if (!path.starts_with(prefix) || !path.ends_with(suffix) ||
      path.size() <= prefix.size() + suffix.size()) {
    return std::nullopt;
  }
  std::string_view segment =
      path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  if (segment.find('/') != std::string_view::npos) return std::nullopt;
  return segment;
}

}  // namespace wharf::mock
