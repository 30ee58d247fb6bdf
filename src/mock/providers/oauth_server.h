// The simulated OAuth 2.0 authorization server (RFC 6749 with PKCE, RFC 7636; revocation, RFC
// 7009; introspection, RFC 7662), for demos and tests of connections without a real provider:
//   GET  /oauth/authorize    approves at once (no login page): 302 to redirect_uri with a code
//                            and the state; PKCE S256 is required. With `mock_deny=1`, redirects
//                            with error=access_denied instead.
//   POST /oauth/token        authorization_code (code single-use, 60 s; same redirect_uri; the
//                            verifier must match) and refresh_token (rotation: each refresh
//                            token works once). Clients authenticate with client_secret_basic
//                            or client_secret_post; any id with a non-empty secret is accepted.
//                            Access tokens live `mock_expires_in` seconds (an authorize
//                            parameter; default 3600).
//   POST /oauth/revoke       always 200; the token (and, for a refresh token, its grant's access
//                            tokens) stops working
//   POST /oauth/introspect   {"active": bool, "client_id", "scope", "exp", "token_type"}
//   GET  /oauth/userinfo     with a live bearer access token: {"sub","email","name"}; else 401
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_oauth_server_provider(IdSource& ids);

}  // namespace wharf::mock
