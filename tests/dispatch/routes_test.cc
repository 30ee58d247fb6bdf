#include "dispatch/routes.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace wharf::dispatch {
namespace {

// Loads the `routes:` section of a YAML document against the destinations `app` and `crm`.
struct Loaded {
  explicit Loaded(const std::string& yaml, std::set<std::string> destinations = {"app", "crm"})
      : root(YAML::Load(yaml)), errors("c.yaml"), env(process_env()) {
    ConfigNode top(root, "", &errors, &env, 1);
    table = RouteTable::load(top["routes"], destinations);
  }
  YAML::Node root;
  ConfigErrors errors;
  EnvLookup env;
  std::optional<RouteTable> table;
};

// "handler:NAME" / "forward:NAME" for each target, in order, for readable expectations.
std::vector<std::string> names(const RouteTable& table, std::string_view source,
                               std::string_view type) {
  std::vector<std::string> out;
  for (const RoutedTarget& r : table.resolve(source, type)) {
    bool handler = r.target->kind == Target::Kind::kHandler;
    out.push_back((handler ? "handler:" : "forward:") + r.target->name);
  }
  return out;
}

using Names = std::vector<std::string>;

constexpr const char* kSpecExample = R"(
destinations:
  app: { url: "http://127.0.0.1:9000/hooks", secret: "whsec_x", timeout: 10s }
routes:
  - match: { source: stripe, types: ["customer.subscription.*", "invoice.*"] }
    to: [ { handler: outreach.billing }, { forward: app } ]
  - match: { source: "*" }
    to: [ { forward: app } ]
)";

TEST(RouteTable, SpecExampleLoadsAndResolves) {
  Loaded l(kSpecExample, {"app"});
  ASSERT_TRUE(l.table) << (l.errors.empty() ? "" : l.errors.messages()[0]);
  EXPECT_EQ(names(*l.table, "stripe", "invoice.paid"),
            (Names{"handler:outreach.billing", "forward:app"}));
  EXPECT_EQ(names(*l.table, "stripe", "customer.subscription.deleted"),
            (Names{"handler:outreach.billing", "forward:app"}));
  EXPECT_EQ(names(*l.table, "stripe", "charge.succeeded"), (Names{"forward:app"}));
  auto charge = l.table->resolve("stripe", "charge.succeeded");
  ASSERT_EQ(charge.size(), 1u);
  EXPECT_EQ(charge[0].route->line, 7);  // the second route
  EXPECT_EQ(names(*l.table, "sendgrid", "delivered"), (Names{"forward:app"}));
  EXPECT_EQ(names(*l.table, "sendgrid", ""), (Names{"forward:app"}));
}

TEST(RouteTable, FirstMatchingRouteWinsInFileOrder) {
  Loaded l(R"(
routes:
  - match: { source: stripe, types: invoice.paid }
    to: [ { handler: first } ]
  - match: { source: stripe }
    to: [ { handler: second } ]
  - match: { source: "*" }
    to: [ { handler: third } ]
)");
  ASSERT_TRUE(l.table);
  EXPECT_EQ(names(*l.table, "stripe", "invoice.paid"), (Names{"handler:first"}));
  EXPECT_EQ(names(*l.table, "stripe", "invoice.created"), (Names{"handler:second"}));
  EXPECT_EQ(names(*l.table, "github", "push"), (Names{"handler:third"}));
}

TEST(RouteTable, ContinueFansOutToLaterMatchingRoutes) {
  Loaded l(R"(
routes:
  - match: { source: stripe }
    to: [ { handler: audit } ]
    continue: true
  - match: { source: github }
    to: [ { handler: not_reached } ]
  - match: { source: "str*", types: ["invoice.*"] }
    to: [ { handler: billing }, { forward: crm } ]
  - match: { source: "*" }
    to: [ { forward: app } ]
)");
  ASSERT_TRUE(l.table);
  EXPECT_EQ(names(*l.table, "stripe", "invoice.paid"),
            (Names{"handler:audit", "handler:billing", "forward:crm"}));
  // No `continue` on the third route, so the catch-all is not reached for invoices.
  EXPECT_EQ(names(*l.table, "stripe", "charge.refunded"), (Names{"handler:audit", "forward:app"}));
}

TEST(RouteTable, TargetReachedTwiceIsDeliveredOnceAndAttributedToTheFirstRoute) {
  Loaded l(R"(
routes:
  - match: { types: ["invoice.*"] }
    to: [ { forward: app }, { handler: billing }, { forward: app } ]
    continue: true
    retry_schedule: [1s, 2s]
  - to: [ { handler: billing }, { forward: crm }, { forward: app } ]
)");
  ASSERT_TRUE(l.table);
  auto resolved = l.table->resolve("stripe", "invoice.paid");
  EXPECT_EQ(names(*l.table, "stripe", "invoice.paid"),
            (Names{"forward:app", "handler:billing", "forward:crm"}));
  ASSERT_EQ(resolved.size(), 3u);
  EXPECT_EQ(resolved[0].route, &l.table->routes()[0]);
  EXPECT_EQ(resolved[1].route, &l.table->routes()[0]);
  EXPECT_EQ(resolved[2].route, &l.table->routes()[1]);
  // A handler and a destination may share a name; they are different targets.
  Loaded same(R"(
routes:
  - to: [ { handler: app }, { forward: app } ]
)");
  ASSERT_TRUE(same.table);
  EXPECT_EQ(names(*same.table, "x", "y"), (Names{"handler:app", "forward:app"}));
}

TEST(RouteTable, NoMatchingRouteResolvesToNothing) {
  Loaded l(R"(
routes:
  - match: { source: stripe, types: ["customer.subscription.*"] }
    to: [ { forward: app } ]
)");
  ASSERT_TRUE(l.table);
  EXPECT_TRUE(l.table->resolve("stripe", "invoice.paid").empty());
  EXPECT_TRUE(l.table->resolve("github", "customer.subscription.created").empty());
  EXPECT_TRUE(l.table->resolve("stripe", "customer.created").empty());

  Loaded none("server: {}\n");
  ASSERT_TRUE(none.table);
  EXPECT_TRUE(none.table->routes().empty());
  EXPECT_TRUE(none.table->resolve("stripe", "invoice.paid").empty());
}

TEST(RouteTable, ReadsDefaultsAndOptionalSettings) {
  Loaded l(R"(
routes:
  - match: { types: "invoice.*" }
    to: [ { handler: outreach.billing-v2_x } ]
    continue: true
    retry_schedule: [500ms, 30s, 2h]
  - to: [ { forward: app } ]
)");
  ASSERT_TRUE(l.table) << l.errors.messages()[0];
  const Route& first = l.table->routes()[0];
  EXPECT_EQ(first.source_glob, "*");
  EXPECT_EQ(first.type_globs, std::vector<std::string>{"invoice.*"});
  EXPECT_TRUE(first.continue_matching);
  ASSERT_TRUE(first.retry_schedule);
  EXPECT_EQ(*first.retry_schedule,
            (std::vector<std::chrono::milliseconds>{
                std::chrono::milliseconds(500), std::chrono::seconds(30), std::chrono::hours(2)}));
  EXPECT_EQ(first.line, 3);
  const Route& second = l.table->routes()[1];
  EXPECT_EQ(second.source_glob, "*");
  EXPECT_TRUE(second.type_globs.empty());
  EXPECT_FALSE(second.continue_matching);
  EXPECT_FALSE(second.retry_schedule);
  EXPECT_EQ(second.line, 7);
}

// Each case: a routes section, and the one error it must produce (a prefix of the message).
struct BadConfig {
  const char* yaml;
  const char* error;
};

TEST(RouteTable, ReportsEachConfigErrorWithFileLineAndKey) {
  const BadConfig cases[] = {
      {"routes:\n  - match: { source: stripe }\n", "c.yaml:2: routes[0].to: is required"},
      {"routes:\n  - match: { source: stripe }\n    to: []\n",
       "c.yaml:3: routes[0].to: must name at least one target"},
      {"routes:\n  - to: { forward: app }\n", "c.yaml:2: routes[0].to: expected a list"},
      {"routes:\n  - to:\n    - { forward: app }\n    - { handler: h, forward: app }\n",
       "c.yaml:4: routes[0].to[1]: has both `handler` and `forward`"},
      {"routes:\n  - to:\n    - {}\n", "c.yaml:3: routes[0].to[0]: expected { handler"},
      {"routes:\n  - to: [ { forward: nowhere } ]\n",
       "c.yaml:2: routes[0].to[0].forward: unknown destination 'nowhere' (configured: app, crm)"},
      {"routes:\n  - to: [ { handler: Billing } ]\n",
       "c.yaml:2: routes[0].to[0].handler: invalid handler name 'Billing'"},
      {"routes:\n  - to: [ { handler: \"\" } ]\n",
       "c.yaml:2: routes[0].to[0].handler: invalid handler name ''"},
      {"routes:\n  - to: [ { handler: h } ]\n    retry_schedule:\n      - 5s\n      - 5 minutes\n",
       "c.yaml:5: routes[0].retry_schedule[1]: invalid duration '5 minutes'"},
      {"routes:\n  - to: [ { handler: h } ]\n    retry_schedule: [5s, 0]\n",
       "c.yaml:3: routes[0].retry_schedule[1]: a retry delay must be greater than 0"},
      {"routes:\n  - to: [ { handler: h } ]\n    retry_schedule: [31d]\n",
       "c.yaml:3: routes[0].retry_schedule[0]:"},
      {"routes:\n  - to: [ { handler: h } ]\n    retry_schedule: []\n",
       "c.yaml:3: routes[0].retry_schedule: must list at least one delay"},
      {"routes:\n  - to: [ { handler: h } ]\n    retry_schedule: 5s\n",
       "c.yaml:3: routes[0].retry_schedule: expected a list of durations"},
      {"routes:\n  - to: [ { handler: h } ]\n    contine: true\n",
       "c.yaml:3: routes[0].contine: unknown key"},
      {"routes:\n  - match: { source: a, type: b }\n    to: [ { handler: h } ]\n",
       "c.yaml:2: routes[0].match.type: unknown key"},
      {"routes:\n  - to: [ { handler: h, queue: q } ]\n",
       "c.yaml:2: routes[0].to[0].queue: unknown key"},
      {"routes:\n  - to: [ { handler: h } ]\n    continue: maybe\n",
       "c.yaml:3: routes[0].continue: expected true or false"},
      {"routes:\n  - match: { types: [] }\n    to: [ { handler: h } ]\n",
       "c.yaml:2: routes[0].match.types: must not be an empty list"},
      {"routes:\n  - match: { source: \"\" }\n    to: [ { handler: h } ]\n",
       "c.yaml:2: routes[0].match.source: must not be empty"},
      {"routes:\n  - match: stripe\n    to: [ { handler: h } ]\n",
       "c.yaml:2: routes[0].match: expected a map"},
      {"routes:\n  - stripe\n", "c.yaml:2: routes[0]: expected a map with `match:` and `to:`"},
      {"routes:\n  stripe: { to: [ { handler: h } ] }\n", "c.yaml:2: routes: expected a list"},
  };
  for (const BadConfig& c : cases) {
    SCOPED_TRACE(c.yaml);
    Loaded l(c.yaml);
    EXPECT_FALSE(l.table);
    ASSERT_EQ(l.errors.messages().size(), 1u) << l.errors.messages()[0];
    EXPECT_EQ(l.errors.messages()[0].rfind(c.error, 0), 0u) << l.errors.messages()[0];
  }
}

TEST(RouteTable, ReportsEveryErrorNotJustTheFirst) {
  Loaded l(R"(
routes:
  - match: { source: stripe }
  - to: [ { forward: nowhere }, { handler: a, forward: app } ]
    retry_schedule: [0]
  - to: [ { handler: h } ]
    colour: blue
)",
           {});
  EXPECT_FALSE(l.table);
  ASSERT_EQ(l.errors.messages().size(), 5u);
  EXPECT_EQ(l.errors.messages()[0],
            "c.yaml:3: routes[0].to: is required: a list of { handler: "
            "NAME } or { forward: DESTINATION }");
  EXPECT_EQ(l.errors.messages()[1],
            "c.yaml:4: routes[1].to[0].forward: unknown destination 'nowhere' (no destinations "
            "are configured)");
  EXPECT_EQ(l.errors.messages()[2].rfind("c.yaml:4: routes[1].to[1]: has both", 0), 0u);
  EXPECT_EQ(l.errors.messages()[3].rfind("c.yaml:5: routes[1].retry_schedule[0]", 0), 0u);
  EXPECT_EQ(l.errors.messages()[4], "c.yaml:7: routes[2].colour: unknown key");
}

TEST(RouteTable, InterpolatesEnvironmentInGlobsAndNames) {
  ::setenv("WHARF_ROUTES_TEST_DEST", "crm", 1);
  Loaded l(R"(
routes:
  - match: { source: "${WHARF_ROUTES_TEST_SOURCE:-stripe}" }
    to: [ { forward: "${WHARF_ROUTES_TEST_DEST}" } ]
)");
  ::unsetenv("WHARF_ROUTES_TEST_DEST");
  ASSERT_TRUE(l.table);
  EXPECT_EQ(names(*l.table, "stripe", "x"), (Names{"forward:crm"}));
}

TEST(Route, MatchesSourceAndAnyTypeGlob) {
  Route r;
  r.source_glob = "str?pe";
  r.type_globs = {"invoice.*", "charge.refunded"};
  EXPECT_TRUE(r.matches("stripe", "invoice.payment.failed"));
  EXPECT_TRUE(r.matches("stripe", "charge.refunded"));
  EXPECT_FALSE(r.matches("stripe", "charge.succeeded"));
  EXPECT_FALSE(r.matches("stripe2", "invoice.paid"));
  RouteTable built({r});
  EXPECT_TRUE(built.resolve("stripe", "invoice.paid").empty());  // a route without targets
}

TEST(ValidHandlerName, AcceptsLowercaseDottedNames) {
  EXPECT_TRUE(valid_handler_name("outreach.billing"));
  EXPECT_TRUE(valid_handler_name("a-b_c.9"));
  EXPECT_FALSE(valid_handler_name(""));
  EXPECT_FALSE(valid_handler_name("Outreach"));
  EXPECT_FALSE(valid_handler_name("a b"));
  EXPECT_FALSE(valid_handler_name("a/b"));
  EXPECT_FALSE(valid_handler_name(std::string(129, 'a')));
}

}  // namespace
}  // namespace wharf::dispatch
