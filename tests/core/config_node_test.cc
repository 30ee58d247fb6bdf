#include "core/config_node.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace wharf {
namespace {

struct Fixture {
  explicit Fixture(const std::string& yaml, std::map<std::string, std::string> vars = {})
      : root(YAML::Load(yaml)), errors("c.yaml"), vars_(std::move(vars)) {
    env = [this](const std::string& k) -> std::optional<std::string> {
      auto it = vars_.find(k);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
  }
  ConfigNode node() { return ConfigNode(root, "", &errors, &env, 1); }
  YAML::Node root;
  ConfigErrors errors;
  EnvLookup env;
  std::map<std::string, std::string> vars_;
};

TEST(ConfigNode, InterpolatesEnvironmentVariablesWithDefaultsAndLiteralDollar) {
  Fixture f("a: \"${X}-${Y:-dflt}-$$5\"", {{"X", "one"}});
  EXPECT_EQ(f.node()["a"].str(), "one-dflt-$5");
  EXPECT_TRUE(f.errors.empty());
}

TEST(ConfigNode, ReportsUnsetVariableWithFileLineAndKey) {
  Fixture f("server:\n  token: ${MISSING_TOKEN}\n");
  EXPECT_FALSE(f.node()["server"]["token"].str());
  ASSERT_EQ(f.errors.messages().size(), 1u);
  EXPECT_EQ(f.errors.messages()[0],
            "c.yaml:2: server.token: environment variable MISSING_TOKEN is not set");
}

TEST(ConfigNode, CollectsEveryErrorNotJustTheFirst) {
  Fixture f("a: 5x\nb: nope\nc: [1]\nd: 7\n");
  auto n = f.node();
  n["a"].duration();
  n["b"].bool_or(false);
  n["c"].str();
  n["d"].int_or(0, 0, 5);
  n.allow_only_keys({"a", "b", "c"});
  EXPECT_EQ(f.errors.messages().size(), 5u);
}

TEST(ConfigNode, ParsesDurations) {
  EXPECT_EQ(parse_duration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_duration("30s"), std::chrono::seconds(30));
  EXPECT_EQ(parse_duration("5m"), std::chrono::minutes(5));
  EXPECT_EQ(parse_duration("1h"), std::chrono::hours(1));
  EXPECT_EQ(parse_duration("7d"), std::chrono::hours(168));
  EXPECT_EQ(parse_duration("0"), std::chrono::milliseconds(0));
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
}

TEST(ConfigNode, StringListAcceptsOneStringOrAList) {
  Fixture f("one: a\nmany: [a, b]\nempty: []\n");
  EXPECT_EQ(f.node()["one"].str_list(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(f.node()["many"].str_list(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(f.node()["empty"].str_list().empty());
  EXPECT_FALSE(f.errors.empty());
}

TEST(ConfigNode, AbsentKeysUseDefaultsWithoutErrors) {
  Fixture f("a: {}\n");
  auto n = f.node()["a"]["b"]["c"];
  EXPECT_FALSE(n.present());
  EXPECT_EQ(n.str_or("x"), "x");
  EXPECT_EQ(n.duration_or(std::chrono::seconds(3)), std::chrono::seconds(3));
  EXPECT_TRUE(f.errors.empty());
}

TEST(ConfigNode, UnknownKeyIsReportedAtItsOwnLine) {
  Fixture f("server:\n  listen: x\n  lisen: y\n");
  f.node()["server"].allow_only_keys({"listen"});
  ASSERT_EQ(f.errors.messages().size(), 1u);
  EXPECT_EQ(f.errors.messages()[0], "c.yaml:3: server.lisen: unknown key");
}

}  // namespace
}  // namespace wharf

namespace wharf {
namespace {

TEST(QuoteBareInterpolations, QuotesOnlyBareScalarsWithInterpolation) {
  EXPECT_EQ(quote_bare_interpolations(
                "c: { type: api_key, in: body, name: api_key, value: ${APOLLO_API_KEY} }"),
            "c: { type: api_key, in: body, name: api_key, value: \"${APOLLO_API_KEY}\" }");
  EXPECT_EQ(quote_bare_interpolations("u: [http://${HOST}:80/x, b]"),
            "u: [\"http://${HOST}:80/x\", b]");
  EXPECT_EQ(quote_bare_interpolations("v: { a: pre${X:-d}post }"), "v: { a: \"pre${X:-d}post\" }");
  // Already quoted, commented, or not an interpolation: unchanged.
  for (const char* same :
       {"a: \"${X}\"", "a: '${X}'", "a: 1 # ${X} in a comment", "a: $5", "a: {b: c}"}) {
    EXPECT_EQ(quote_bare_interpolations(same), same);
  }
  EXPECT_EQ(quote_bare_interpolations("a: 1\nb: { c: ${Y} }\n"), "a: 1\nb: { c: \"${Y}\" }\n");
}

TEST(LoadYamlConfig, AcceptsTheSpecsFlowMapWithABareInterpolation) {
  auto path = std::filesystem::temp_directory_path() /
              ("wharf-yaml-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "providers:\n  apollo:\n"
                         "    credentials: { type: api_key, in: body, name: api_key, value: "
                         "${APOLLO_API_KEY} }\n    timeout: 10s\n";
  YAML::Node root = load_yaml_config(path.string());
  ConfigErrors errors(path.string());
  EnvLookup env = [](const std::string& k) -> std::optional<std::string> {
    if (k == "APOLLO_API_KEY") return "k-123";
    return std::nullopt;
  };
  ConfigNode top(root, "", &errors, &env, 1);
  EXPECT_EQ(top["providers"]["apollo"]["credentials"]["value"].str_or(""), "k-123");
  EXPECT_EQ(top["providers"]["apollo"]["timeout"].line(), 4);  // lines are unchanged
  std::ofstream(path) << "a: [unclosed\n";
  EXPECT_THROW(load_yaml_config(path.string()), YAML::ParserException);
  std::filesystem::remove(path);
  EXPECT_THROW(load_yaml_config(path.string()), YAML::BadFile);
}

}  // namespace
}  // namespace wharf
