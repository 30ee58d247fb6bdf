// Separate compilation of Boost.Asio and Boost.Beast: their implementation is built here once.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
