// Mounts in the admin API (AdminApi::mount, dispatch::AdminRoutes): an application's endpoints
// under /api/v1/<name>, behind the same token, over a real SQLite store.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/field.hpp>

#include "admin/admin_api.h"
#include "dispatch/application.h"
#include "http/response.h"
#include "observe/metrics.h"
#include "support/test_dir.h"

namespace wharf::admin {
namespace {

namespace asio = boost::asio;

class AdminMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_store(dir_.sqlite_url(), {});
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    api_.emplace(std::vector<std::string>{"t0ken"}, *store_, pool_.get_executor(), metrics_);
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    pool_.join();
  }

  http::Response call(http::Verb verb, std::string target, std::string token = "t0ken") {
    http::Request req{verb, target, 11};
    if (!token.empty()) req.set(boost::beast::http::field::authorization, "Bearer " + token);
    std::string_view t = target;
    std::string_view path = t.substr(0, t.find('?'));
    std::string_view query = path.size() < t.size() ? t.substr(path.size() + 1) : "";
    path.remove_prefix(std::string_view("/api/v1").size());
    asio::io_context ioc;
    auto f = asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<http::Response> {
          http::Response r = co_await api_->handle(req, path, query);
          co_return r;
        },
        asio::use_future);
    ioc.run();
    return f.get();
  }

  // Routes that echo what they were given.
  static dispatch::AdminRoutes echo() {
    return [](http::Request& req, std::string_view path,
              std::string_view query) -> asio::awaitable<http::Response> {
      co_return http::json_response(http::Status::ok, {{"method", std::string(req.method_string())},
                                                       {"path", std::string(path)},
                                                       {"query", std::string(query)}});
    };
  }

  wharf::testing::TestDir dir_{"wharf-admin-mount"};
  std::unique_ptr<store::Store> store_;
  asio::thread_pool pool_{1};
  observe::Registry metrics_;
  std::optional<AdminApi> api_;
};

TEST_F(AdminMountTest, PassesThePathAfterItsNameAndTheQuery) {
  ASSERT_TRUE(api_->mount("crm", echo()));
  auto r = call(http::Verb::post, "/api/v1/crm/users/u_1?x=1&y=2");
  EXPECT_EQ(r.result(), http::Status::ok);
  EXPECT_EQ(r.body(), R"({"method":"POST","path":"/users/u_1","query":"x=1&y=2"})");
  r = call(http::Verb::get, "/api/v1/crm");
  EXPECT_EQ(r.body(), R"({"method":"GET","path":"","query":""})");
}

TEST_F(AdminMountTest, NeedsTheAdminToken) {
  ASSERT_TRUE(api_->mount("crm", echo()));
  EXPECT_EQ(call(http::Verb::get, "/api/v1/crm/users", "").result(), http::Status::unauthorized);
  EXPECT_EQ(call(http::Verb::get, "/api/v1/crm/users", "wrong").result(),
            http::Status::unauthorized);
  EXPECT_EQ(metrics_.counter("wharf_admin_unauthorized_total", "").value(), 2u);
}

TEST_F(AdminMountTest, OnlyExactFirstSegmentsReachAMount) {
  ASSERT_TRUE(api_->mount("crm", echo()));
  EXPECT_EQ(call(http::Verb::get, "/api/v1/crmx/users").result(), http::Status::not_found);
  EXPECT_EQ(call(http::Verb::get, "/api/v1/other").result(), http::Status::not_found);
  // The API's own endpoints are unaffected.
  EXPECT_EQ(call(http::Verb::get, "/api/v1/events").result(), http::Status::ok);
}

TEST_F(AdminMountTest, RefusesTheApisOwnNamesDuplicatesBadNamesAndNoRoutes) {
  for (const char* own :
       {"events", "dlq", "destinations", "integrations", "providers", "connections", "vault"}) {
    auto m = api_->mount(own, echo());
    ASSERT_FALSE(m) << own;
    EXPECT_EQ(m.error().code, Errc::kInvalidArgument);
  }
  EXPECT_TRUE(api_->mount("crm", echo()));
  EXPECT_FALSE(api_->mount("crm", echo()));
  EXPECT_FALSE(api_->mount("Crm", echo()));
  EXPECT_FALSE(api_->mount("a/b", echo()));
  EXPECT_FALSE(api_->mount("", echo()));
  EXPECT_FALSE(api_->mount("empty", {}));
}

}  // namespace
}  // namespace wharf::admin
