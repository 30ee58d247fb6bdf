// The outreach application's admin endpoints (docs/admin-api.md, "Outreach"), mounted under
// /api/v1/outreach behind the admin token (dispatch::AdminRoutes):
//   POST /users, /applications, /contacts, /mailboxes, /outreach    create (201 and the record)
//   GET  /users/{id}, /applications/{id}, /contacts/{id}, /mailboxes/{id}, /outreach/{id}
//   POST /outreach/{id}/send   send a draft through SendGrid (settings.email_provider), tagged
//                              with its id; refused for an opted-out or suppressed contact, a
//                              user without credits, an outreach already sent
//   POST /drafts               an email draft from Anthropic (the seed's prompt) for an
//                              application and a contact; `"stream": true` relays it as it comes
//   POST /contacts/search      Apollo people search by domain and titles (nothing stored)
//   POST /applications/{id}/enrich   Apollo → NeverBounce → the valid addresses stored as
//                              verified contacts (api_flows.cc)
//   POST /users/{id}/subscription    a Stripe customer (once) and a subscription to a price
//   GET  /outbox[?status=dead]       the newest 100 outbox messages (api_outbox.cc)
//   POST /outbox/{id}/retry          a dead message due again, its schedule started over
//   GET  /outbox[?status=dead]       the newest 100 outbox messages (api_outbox.cc)
//   POST /outbox/{id}/retry          a dead message due again, its schedule started over
// Reads and writes run in the store's writer transaction (Store::transact): one short job each,
// group-committed with ingest, so a write is durable before its answer and a read sees every
// earlier write. Provider calls go through the providers' pipelines on the request's coroutine.
// Thread-safe: handle() runs concurrently on the I/O threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "core/clock.h"
#include "http/types.h"
#include "outbound/provider_client.h"
#include "outreach/context.h"
#include "store/store.h"

namespace wharf::outreach {

class OutreachApi {
 public:
  // Every reference must outlive the API.
  OutreachApi(const Context& context, store::Store& store, outbound::ProviderSet& providers,
              const Clock& clock)
      : context_(context), store_(store), providers_(providers), clock_(clock) {}

  // `path` after /api/v1/outreach ("/users/usr_1"), `query` the query string.
  boost::asio::awaitable<http::Response> handle(http::Request& req, std::string_view path,
                                                std::string_view query);

 private:
  boost::asio::awaitable<http::Response> create(std::string_view collection, std::string_view body);
  boost::asio::awaitable<http::Response> read(std::string_view collection, std::string_view id);
  boost::asio::awaitable<http::Response> send(std::string_view id);
  boost::asio::awaitable<http::Response> draft(http::Request& req);
  // api_flows.cc
  boost::asio::awaitable<http::Response> search(std::string_view body);
  boost::asio::awaitable<http::Response> enrich(std::string_view application_id,
                                                std::string_view body);
  boost::asio::awaitable<http::Response> subscribe(std::string_view user_id, std::string_view body);
  // api_outbox.cc
  boost::asio::awaitable<http::Response> list_outbox(std::string_view query);
  boost::asio::awaitable<http::Response> retry_outbox(std::string_view id);

  const Context& context_;
  store::Store& store_;
  outbound::ProviderSet& providers_;
  const Clock& clock_;
};

}  // namespace wharf::outreach
