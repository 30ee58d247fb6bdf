// The production Transport: forwards over the outbound HTTP client (outbound/http_client.h), on
// the dispatcher's executor, with connections kept alive per destination. Thread-safe as
// HttpClient is.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "dispatch/transport.h"
#include "outbound/http_types.h"

namespace wharf::dispatch {

std::unique_ptr<Transport> make_http_transport(boost::asio::any_io_executor executor,
                                               outbound::ClientOptions options = {});

}  // namespace wharf::dispatch
