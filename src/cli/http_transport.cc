#include "cli/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "outbound/http_types.h"

namespace wharf::cli {
namespace {

bool is_loopback_url(std::string_view url) {
  for (std::string_view host : {"://127.", "://localhost", "://[::1]"}) {
    if (url.find(host) != std::string_view::npos) return true;
  }
  return false;
}

std::string trim_trailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportParams params) : params_(params) {
    // Not thread-safe, but the CLI calls it once, before any other thread exists.
    static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)init;
  }

  Result<HttpReply> send(HttpMethod method, const std::string& url, const HeaderList& headers,
                         const std::string& body) override {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return make_error(Errc::kInternal, "cannot initialise libcurl");
    curl_slist* list = nullptr;
    for (const auto& [name, value] : headers) {
      list = curl_slist_append(list, (name + ": " + value).c_str());
    }
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for large bodies
    // libcurl would otherwise label every POST body as a form.
    if (!outbound::find_header(headers, "Content-Type"))
      list = curl_slist_append(list, "Content-Type:");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list_guard(list,
                                                                           curl_slist_free_all);
    HttpReply reply;
    char error[CURL_ERROR_SIZE] = {0};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    if (method == HttpMethod::kPost) {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(params_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(params_.request_timeout.count()));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &CurlTransport::on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
    if (is_loopback_url(url)) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
      std::string why = error[0] != '\0' ? error : curl_easy_strerror(rc);
      return make_error(Errc::kUnavailable, std::string(method_name(method)) + " " + url +
                                                " failed: " + trim_trailing(why));
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
  }

 private:
  static std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
  }

  CurlTransportParams params_;
};

}  // namespace

const char* method_name(HttpMethod method) { return method == HttpMethod::kPost ? "POST" : "GET"; }

std::unique_ptr<HttpTransport> make_curl_transport(CurlTransportParams params) {
  return std::make_unique<CurlTransport>(params);
}

}  // namespace wharf::cli
