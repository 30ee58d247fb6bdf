#include "outbound/transfer.h"

#include <cstdint>
#include <limits>
#include <string_view>

namespace wharf::outbound {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

bool is_token(std::string_view s) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  if (s.empty()) return false;
  for (char c : s) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && kSymbols.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool is_field_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == s.npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

TransportError classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return TransportError::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return TransportError::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return TransportError::kTooLarge;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
      return TransportError::kProtocol;
    default:
      return TransportError::kOther;
  }
}

void replace_all(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedacted.size())) {
    text.replace(at, secret.size(), kRedacted);
  }
}

ClientError invalid(std::string message) {
  return ClientError{TransportError::kOther, std::move(message)};
}

}  // namespace

Transfer::Transfer(HttpRequest&& request, RequestOptions&& options)
    : request_(std::move(request)),
      options_(std::move(options)),
      started_(std::chrono::steady_clock::now()) {}

Transfer::~Transfer() {
  if (easy_) curl_easy_cleanup(easy_);
  curl_slist_free_all(header_list_);
}

boost::system::result<std::unique_ptr<Transfer>, ClientError> Transfer::create(
    HttpRequest&& request, RequestOptions&& options, const ClientOptions& client,
    const SocketHooks& hooks) {
  if (request.method.empty()) request.method = "GET";
  if (!is_token(request.method)) return invalid("invalid request method");
  if (request.url.empty()) return invalid("empty request URL");
  for (const auto& [name, value] : request.headers) {
    // A CR or LF would let a value start a header (or a request) of its own.
    if (!is_token(name) || !is_field_value(value)) {
      return invalid("invalid request header" + (is_token(name) ? " " + name : std::string()));
    }
  }
  std::unique_ptr<Transfer> t(new Transfer(std::move(request), std::move(options)));
  t->easy_ = curl_easy_init();
  if (!t->easy_) return invalid("cannot create a libcurl handle");

  const HttpRequest& req = t->request_;
  for (const auto& [name, value] : req.headers) {
    // "Name;" is curl's spelling of a header with an empty value ("Name:" would remove it).
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    t->header_list_ = curl_slist_append(t->header_list_, line.c_str());
  }
  // No 100-continue round trip before a body, and no made-up form content type for one.
  t->header_list_ = curl_slist_append(t->header_list_, "Expect:");
  if (!req.body.empty() && !find_header(req.headers, "Content-Type")) {
    t->header_list_ = curl_slist_append(t->header_list_, "Content-Type:");
  }
  if (!t->header_list_) return invalid("cannot build the request headers");

  CURL* h = t->easy_;
  const RequestOptions& opt = t->options_;
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.method == "GET" && req.body.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    if (!req.body.empty() || req.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    }
    if (req.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->header_list_);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "wharf/" WHARF_VERSION);

  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, opt.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!client.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, client.ca_file.c_str());
  // An empty string turns proxies off even when http_proxy etc. are set in the environment.
  curl_easy_setopt(h, CURLOPT_PROXY, client.proxy.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opt.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(opt.total_timeout.count()));
  // Refuses an announced Content-Length over the limit before any body arrives; on_body enforces
  // the limit for chunked or unannounced bodies.
  if (opt.max_response_bytes <= static_cast<std::size_t>(std::numeric_limits<curl_off_t>::max())) {
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(opt.max_response_bytes));
  }

  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->error_);
  curl_easy_setopt(h, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, hooks.open);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, hooks.data);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, hooks.close);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, hooks.data);
  return t;
}

std::size_t Transfer::on_header(char* data, std::size_t size, std::size_t n, void* self) {
  auto* t = static_cast<Transfer*>(self);
  std::size_t total = size * n;
  std::string_view line(data, total);
  auto& headers = t->response_.headers;
  if (line.starts_with("HTTP/")) {
    headers.clear();  // a new response begins: the one before was a 1xx or a followed redirect
    return total;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // Obsolete line folding continues the previous header's value.
    if (!headers.empty() && !trim(line).empty()) {
      headers.back().second += ' ';
      headers.back().second += trim(line);
    }
    return total;
  }
  line = trim(line);
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return total;  // the blank line that ends the headers
  headers.emplace_back(std::string(trim(line.substr(0, colon))),
                       std::string(trim(line.substr(colon + 1))));
  return total;
}

std::size_t Transfer::on_body(char* data, std::size_t size, std::size_t n, void* self) {
  auto* t = static_cast<Transfer*>(self);
  std::size_t total = size * n;
  t->body_bytes_ += total;
  // Returning fewer bytes than given aborts the transfer (CURLE_WRITE_ERROR).
  if (t->body_bytes_ > t->options_.max_response_bytes) {
    t->too_large_ = true;
    return 0;
  }
  if (!t->options_.on_body_chunk || !t->streams_body()) {
    t->response_.body.append(data, total);
    return total;
  }
  try {
    t->options_.on_body_chunk(std::string_view(data, total));
  } catch (...) {
    // An exception must not unwind through libcurl's C frames.
    t->consumer_threw_ = true;
    return 0;
  }
  return total;
}

bool Transfer::streams_body() {
  if (!options_.stream_success_only) return true;
  if (stream_status_ == 0) {
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    stream_status_ = static_cast<int>(status);
  }
  return stream_status_ >= 200 && stream_status_ < 300;
}

HttpResult Transfer::finish(CURLcode code) {
  response_.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    response_.status = static_cast<int>(status);
    return std::move(response_);
  }
  if (too_large_) {
    return ClientError{TransportError::kTooLarge,
                       describe(code) + ": body exceeds max_response_bytes (" +
                           std::to_string(options_.max_response_bytes) + ")"};
  }
  if (consumer_threw_)
    return ClientError{TransportError::kOther, describe(code) + ": on_body_chunk threw"};
  return ClientError{classify(code), describe(code)};
}

std::string Transfer::describe(CURLcode code) const {
  std::string message =
      request_.method + " " + url_origin(request_.url) + ": " + curl_easy_strerror(code);
  if (error_[0] == '\0' || too_large_ || consumer_threw_) return message;
  // curl's detail ("Failed to connect to host port 1 after 0 ms", "SSL certificate problem: ...")
  // is not known to quote a path, query or header value; redact them anyway in case it does.
  std::string detail(error_);
  std::string_view url = request_.url;
  auto scheme_end = url.find("://");
  std::string_view after_scheme = url.substr(scheme_end == url.npos ? 0 : scheme_end + 3);
  std::string_view authority = after_scheme.substr(0, after_scheme.find_first_of("/?#"));
  replace_all(detail, url);
  if (auto tail = after_scheme.substr(authority.size()); tail.size() > 1) {
    replace_all(detail, tail);  // path, query and fragment
  }
  if (auto at = authority.rfind('@'); at != authority.npos)
    replace_all(detail, authority.substr(0, at));
  for (const auto& [name, value] : request_.headers) {
    if (value.size() >= 4) replace_all(detail, value);
  }
  return message + " (" + detail + ")";
}

}  // namespace wharf::outbound
