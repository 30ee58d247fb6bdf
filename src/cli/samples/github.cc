#include "cli/samples/sample_builders.h"

namespace wharf::cli::samples {
namespace json = boost::json;
namespace {

json::object github_user(std::string_view login, std::int64_t id) {
  std::string l(login);
  return {{"login", l},
          {"id", id},
          {"node_id", "U_kgDO" + std::to_string(id)},
          {"avatar_url", "https://avatars.githubusercontent.com/u/" + std::to_string(id) + "?v=4"},
          {"html_url", "https://github.com/" + l},
          {"type", "User"},
          {"site_admin", false}};
}

json::object github_repository(std::int64_t now) {
  json::object owner = github_user("roleferry", 148213377);
  owner["type"] = "Organization";
  return {{"id", 712345678},
          {"node_id", "R_kgDOKnWzTg"},
          {"name", "roleferry-api"},
          {"full_name", "roleferry/roleferry-api"},
          {"private", true},
          {"owner", std::move(owner)},
          {"html_url", "https://github.com/roleferry/roleferry-api"},
          {"description", "RoleFerry backend"},
          {"fork", false},
          {"url", "https://api.github.com/repos/roleferry/roleferry-api"},
          {"created_at", "2023-10-02T17:04:11Z"},
          {"updated_at", iso8601(now - 3600)},
          {"pushed_at", iso8601(now)},
          {"default_branch", "main"},
          {"visibility", "private"}};
}

json::object github_commit(SampleContext& ctx, std::string_view sha) {
  json::object who{
      {"name", kSenderName}, {"email", "alex@roleferry.com"}, {"username", "rivera-alex"}};
  return {{"id", sha},
          {"tree_id", ctx.hex(40)},
          {"distinct", true},
          {"message", "Stop outreach sequences when a reply arrives"},
          {"timestamp", iso8601(ctx.now_s() - 30)},
          {"url", "https://github.com/roleferry/roleferry-api/commit/" + std::string(sha)},
          {"author", who},
          {"committer", who},
          {"added", json::array{}},
          {"removed", json::array{}},
          {"modified", json::array{"app/services/outreach_service.py"}}};
}

}  // namespace

Result<Sample> github_sample(std::string_view type, SampleContext& ctx) {
  std::string_view event = type.substr(0, type.find('.'));
  json::object sender = github_user("rivera-alex", 10293847);
  json::object p;
  if (type == "push") {
    std::string before = ctx.hex(40), after = ctx.hex(40);
    json::object commit = github_commit(ctx, after);
    p = {{"ref", "refs/heads/main"},
         {"before", before},
         {"after", after},
         {"repository", github_repository(ctx.now_s())},
         {"pusher", json::object{{"name", "rivera-alex"}, {"email", "alex@roleferry.com"}}},
         {"sender", sender},
         {"created", false},
         {"deleted", false},
         {"forced", false},
         {"base_ref", nullptr},
         {"compare", "https://github.com/roleferry/roleferry-api/compare/" + before.substr(0, 12) +
                         "..." + after.substr(0, 12)},
         {"commits", json::array{commit}},
         {"head_commit", commit}};
  } else if (type == "issues.opened") {
    std::int64_t number = ctx.between(100, 999);
    std::string url = "https://github.com/roleferry/roleferry-api/issues/" + std::to_string(number);
    p = {{"action", "opened"},
         {"issue", json::object{{"id", ctx.between(1900000000, 2100000000)},
                                {"node_id", "I_kwDOKnWzTs" + ctx.alnum(11)},
                                {"number", number},
                                {"title", "SendGrid bounce events are not suppressing contacts"},
                                {"user", sender},
                                {"labels", json::array{}},
                                {"state", "open"},
                                {"locked", false},
                                {"assignees", json::array{}},
                                {"comments", 0},
                                {"created_at", iso8601(ctx.now_s())},
                                {"updated_at", iso8601(ctx.now_s())},
                                {"closed_at", nullptr},
                                {"author_association", "MEMBER"},
                                {"body", "After 3 bounces a contact should be opted out."},
                                {"html_url", url}}},
         {"repository", github_repository(ctx.now_s())},
         {"sender", sender}};
  } else if (type == "pull_request.opened") {
    std::int64_t number = ctx.between(100, 999);
    std::string head = ctx.hex(40), base = ctx.hex(40);
    p = {{"action", "opened"},
         {"number", number},
         {"pull_request",
          json::object{
              {"id", ctx.between(1500000000, 1900000000)},
              {"node_id", "PR_kwDOKnWzTs" + ctx.alnum(11)},
              {"number", number},
              {"state", "open"},
              {"locked", false},
              {"title", "Stop outreach sequences on reply"},
              {"user", sender},
              {"body", "Marks the outreach replied and cancels pending follow-ups."},
              {"created_at", iso8601(ctx.now_s())},
              {"updated_at", iso8601(ctx.now_s())},
              {"closed_at", nullptr},
              {"merged_at", nullptr},
              {"draft", false},
              {"head",
               json::object{
                   {"label", "roleferry:stop-on-reply"}, {"ref", "stop-on-reply"}, {"sha", head}}},
              {"base", json::object{{"label", "roleferry:main"}, {"ref", "main"}, {"sha", base}}},
              {"author_association", "MEMBER"},
              {"merged", false},
              {"commits", 1},
              {"additions", 42},
              {"deletions", 7},
              {"changed_files", 3},
              {"html_url",
               "https://github.com/roleferry/roleferry-api/pull/" + std::to_string(number)}}},
         {"repository", github_repository(ctx.now_s())},
         {"sender", sender}};
  } else {  // ping
    p = {{"zen", "Design for failure."},
         {"hook_id", 471283994},
         {"hook",
          json::object{
              {"type", "Repository"},
              {"id", 471283994},
              {"name", "web"},
              {"active", true},
              {"events", json::array{"issues", "pull_request", "push"}},
              {"config", json::object{{"content_type", "json"},
                                      {"insecure_ssl", "0"},
                                      {"url", "https://hooks.roleferry.com/webhooks/github"}}},
              {"updated_at", iso8601(ctx.now_s())},
              {"created_at", iso8601(ctx.now_s())}}},
         {"repository", github_repository(ctx.now_s())},
         {"sender", sender}};
  }
  std::string delivery = ctx.uuid();
  Sample s = json_sample(p, 0, delivery);
  s.headers = {{"X-GitHub-Event", std::string(event)},
               {"X-GitHub-Delivery", delivery},
               {"X-GitHub-Hook-ID", "471283994"},
               {"X-GitHub-Hook-Installation-Target-Type", "repository"},
               {"X-GitHub-Hook-Installation-Target-ID", "712345678"},
               {"User-Agent", "GitHub-Hookshot/" + ctx.hex(7)}};
  return s;
}

}  // namespace wharf::cli::samples
