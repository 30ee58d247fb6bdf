#include "core/config_node.h"

#include <gtest/gtest.h>

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
