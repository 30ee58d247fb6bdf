#include "cli/gateway_locator.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "gateway/config.h"

namespace wharf::cli {
namespace {

constexpr std::string_view kDefaultListen = "127.0.0.1:8080";  // as gateway/config.cc
constexpr std::string_view kTokenEnv = "WHARF_ADMIN_TOKEN";

Error fail(std::string why) { return make_error(Errc::kInvalidArgument, std::move(why)); }

}  // namespace

std::string gateway_base_url(std::string_view listen) {
  std::string host;
  unsigned short port = 0;
  if (!gateway::parse_listen(listen, &host, &port)) return {};
  if (host.empty() || host == "0.0.0.0" || host == "*") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port);
}

Result<AdminEndpoint> locate_admin_api(const AdminFlags& flags, const EnvLookup& env) {
  AdminEndpoint ep{flags.url, flags.token};
  while (ep.base_url.ends_with('/')) ep.base_url.pop_back();
  if (ep.token.empty()) {
    if (auto v = env(std::string(kTokenEnv)); v && !v->empty()) ep.token = *v;
  }
  if (!ep.base_url.empty() && !ep.token.empty()) return ep;

  const std::string& path = flags.config_path;
  const std::string no_token = "no admin token: pass --token, set " + std::string(kTokenEnv) +
                               " or server.admin_token in " + path;
  std::error_code ec;
  if (!ep.base_url.empty() && !std::filesystem::exists(path, ec)) return fail(no_token);
  YAML::Node doc;
  try {
    doc = load_yaml_config(path);
  } catch (const YAML::Exception& e) {
    return fail("cannot load config " + path + ": " + e.what() + " (or pass --url)");
  }
  ConfigErrors errors(path);
  ConfigNode server = ConfigNode(doc, "", &errors, &env)["server"];
  if (ep.base_url.empty()) {
    std::string listen = server["listen"].str_or(std::string(kDefaultListen));
    if (!errors.empty()) return fail(errors.messages().front());
    ep.base_url = gateway_base_url(listen);
    if (ep.base_url.empty()) {
      return fail(path + ": server.listen '" + listen + "' is not host:port (or pass --url)");
    }
  }
  if (ep.token.empty()) {
    ConfigNode token = server["admin_token"];
    if (!token.present()) return fail(no_token);
    std::vector<std::string> tokens = token.str_list();
    if (!errors.empty()) return fail(errors.messages().front() + " (or pass --token)");
    if (tokens.empty() || tokens.front().empty()) return fail(no_token);
    ep.token = tokens.front();
  }
  return ep;
}

}  // namespace wharf::cli
