// The outreach application over a real SQLite store: events are submitted as the inbox does
// (deduplicated at ingest), routed to the application's handlers and run by the store in its
// writer transaction, exactly as the dispatcher runs them. Records are seeded and read beside the
// store with plain SQLite, as any client would.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/io_context.hpp>
#include <future>
#include <string>
#include <vector>

#include "dispatch/handler.h"
#include "observe/metrics.h"
#include "outbound/provider_client.h"
#include "outreach/application.h"
#include "store/store.h"
#include "support/sqlite_rows.h"
#include "support/test_dir.h"
#include "support/yaml_config.h"

namespace wharf::outreach::testing {

inline constexpr std::int64_t kT0 = 1'700'000'000'000;  // Unix ms
inline constexpr std::int64_t kSecond = 1000;

class OutreachTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_.add_handlers(handlers_);
    wharf::testing::YamlConfig config(settings_yaml());
    app_.configure(config.node());
    ASSERT_TRUE(config.errors.empty()) << config.errors.messages()[0];
    store::StoreOptions options;
    options.app_schemas = {app_.schema()};
    options.router = [](std::string_view source, std::string_view) {
      return std::vector<std::string>{"handler:outreach." + std::string(source)};
    };
    auto s = store::open_store(dir_.sqlite_url(), options);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    app_.start(dispatch::AppServices{*store_, metrics_, providers_, ioc_.get_executor(),
                                     SystemClock::instance()});
  }
  void TearDown() override { store_.reset(); }

  virtual std::string settings_yaml() const {
    return R"(stripe_prices: { price_pro_monthly: pro, price_teams_monthly: teams }
alerts: { provider: slack, channel: "#deliverability" }
email: { provider: sendgrid, from: hello@roleferry.com }
)";
  }

  // Submits one event as the inbox would; the stored id, and whether it was a duplicate.
  std::pair<std::string, bool> submit(std::string source, std::string provider_id, std::string type,
                                      std::string payload, std::int64_t received_at = kT0) {
    std::promise<store::IngestResult> p;
    auto f = p.get_future();
    store_->submit({store::NewEvent{std::move(source), std::move(provider_id), std::move(type),
                                    std::move(payload), "application/json", received_at, ""}},
                   [&p](store::IngestResult r) { p.set_value(std::move(r)); });
    auto r = f.get();
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) return {"", false};
    return {(*r)[0].id, (*r)[0].duplicate};
  }

  // Runs `outreach.<source>` over its due deliveries; failures are not retried.
  store::HandlerRunResult run(const std::string& source) {
    auto* handler = handlers_.find("outreach." + source);
    EXPECT_NE(handler, nullptr);
    std::promise<Result<store::HandlerRunResult>> p;
    auto f = p.get_future();
    store::HandlerRun h;
    h.target = "handler:outreach." + source;
    h.now_ms = kT0 + 365LL * 24 * 3600 * 1000;
    h.handle = [handler](const store::StoredEvent& e, store::Transaction& txn) {
      return handler->handle(e, txn);
    };
    h.retry_at = [](const store::StoredEvent&, int) { return std::optional<std::int64_t>(); };
    store_->run_handler(std::move(h), [&p](auto r) { p.set_value(std::move(r)); });
    auto r = f.get();
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : store::HandlerRunResult{};
  }

  // Submits and runs: the event's handler outcome ("done" or "dead").
  std::string deliver(std::string source, std::string provider_id, std::string type,
                      std::string payload, std::int64_t received_at = kT0) {
    auto [id, duplicate] = submit(source, provider_id, type, std::move(payload), received_at);
    run(source);
    auto d = store_->get_event(id);
    EXPECT_TRUE(d && *d);
    return d && *d ? (*d)->summary.status : "";
  }

  // Dispatches a stored event again, as `wharf events replay ID` does, and runs its handler.
  void replay(const std::string& id, const std::string& source) {
    store::ReplayFilter f;
    f.event_id = id;
    f.now_ms = kT0;
    auto selection = store_->select_for_replay(f);
    ASSERT_TRUE(selection);
    std::promise<Result<store::ReplayResult>> p;
    auto fut = p.get_future();
    store_->replay(std::move(*selection), [&p](auto r) { p.set_value(std::move(r)); });
    ASSERT_TRUE(fut.get());
    run(source);
  }

  // Runs SQL beside the store (seeding); fails the test on error.
  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "w.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string why = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << why;
  }

  // The first column of every row, as text ("NULL" for null).
  std::vector<std::string> column(const std::string& sql) {
    std::string why;
    auto rows = wharf::testing::sqlite_column(dir_.path() / "w.db", sql, "NULL", &why);
    if (!rows) ADD_FAILURE() << why;
    return rows.value_or(std::vector<std::string>{});
  }
  std::string value(const std::string& sql) {
    auto c = column(sql);
    return c.empty() ? "(no row)" : c[0];
  }

  std::uint64_t counter(const std::string& name, const observe::Labels& labels) {
    return metrics_.counter(name, "", labels).value();
  }

  // A user (cus_1) with one application at Acme (applied), a contact there, a known mailbox,
  // and outreach o1, o2, o3 to that contact from that mailbox, sent 1, 2 and 3 s after kT0.
  void seed() {
    exec(R"sql(
INSERT INTO outreach_users(id, email, stripe_customer_id, created_at, updated_at)
  VALUES ('u1', 'seeker@example.com', 'cus_1', 0, 0);
INSERT INTO outreach_applications(id, user_id, job_title, company, created_at, updated_at)
  VALUES ('a1', 'u1', 'Staff Engineer', 'Acme', 0, 0);
INSERT INTO outreach_contacts(id, first_name, last_name, title, email, domain, created_at, updated_at)
  VALUES ('c1', 'Ada', 'Lovelace', 'VP Engineering', 'ada@acme.com', 'acme.com', 0, 0);
INSERT INTO outreach_mailboxes(id, address, updated_at) VALUES ('m1', 'me@rf-send-01.com', 0);
INSERT INTO outreach(id, application_id, contact_id, from_mailbox, message_id, subject, status,
                     sent_at, created_at, updated_at)
  VALUES ('o1', 'a1', 'c1', 'me@rf-send-01.com', 'o1.msg@rf-send-01.com', 'Hello', 'sent', 1700000001000, 0, 0),
         ('o2', 'a1', 'c1', 'me@rf-send-01.com', 'o2.msg@rf-send-01.com', 'Hello', 'sent', 1700000002000, 0, 0),
         ('o3', 'a1', 'c1', 'me@rf-send-01.com', 'o3.msg@rf-send-01.com', 'Hello', 'sent', 1700000003000, 0, 0);
)sql");
  }

  wharf::testing::TestDir dir_{"wharf-outreach"};
  OutreachApplication app_;
  dispatch::HandlerRegistry handlers_;
  observe::Registry metrics_;
  outbound::ProviderSet providers_;
  boost::asio::io_context ioc_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace wharf::outreach::testing
