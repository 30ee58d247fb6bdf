// The production Transport: forwards over the outbound HTTP client (outbound/http_client.h), on
// the dispatcher's executor. One per destination, with its own pool of kept-alive connections,
// as many as the destination's max_in_flight. Thread-safe as HttpClient is.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "dispatch/transport.h"
#include "outbound/http_types.h"

namespace wharf::dispatch {

std::unique_ptr<Transport> make_http_transport(boost::asio::any_io_executor executor,
                                               const Destination& destination);

}  // namespace wharf::dispatch
