#include "resilience/retry_after.h"

#include <algorithm>
#include <array>
#include <limits>
#include <span>

#include "core/encoding.h"

namespace wharf::resilience {
namespace {

using std::chrono::milliseconds;

constexpr std::array<std::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Reads a value against a fixed grammar. A failed step makes the cursor fail for good, so a
// parser is a straight sequence of steps checked once at the end.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  void literal(std::string_view expected) {
    if (ok_ && rest_.starts_with(expected)) {
      rest_.remove_prefix(expected.size());
    } else {
      ok_ = false;
    }
  }
  bool next_is(char c) const { return ok_ && !rest_.empty() && rest_.front() == c; }

  // Exactly `count` ASCII digits (never a sign or whitespace).
  int digits(int count) {
    int value = 0;
    for (int i = 0; i < count; ++i) {
      if (!ok_ || rest_.empty() || rest_.front() < '0' || rest_.front() > '9') {
        ok_ = false;
        return 0;
      }
      value = value * 10 + (rest_.front() - '0');
      rest_.remove_prefix(1);
    }
    return value;
  }

  // One of `names`, case-sensitively (HTTP-date is case-sensitive); its 0-based index.
  int name(std::span<const std::string_view> names) {
    for (std::size_t i = 0; ok_ && i < names.size(); ++i) {
      if (rest_.starts_with(names[i])) {
        rest_.remove_prefix(names[i].size());
        return static_cast<int>(i);
      }
    }
    ok_ = false;
    return 0;
  }

  bool finished() const { return ok_ && rest_.empty(); }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

struct DateTime {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

void read_time_of_day(Cursor& c, DateTime& t) {
  t.hour = c.digits(2);
  c.literal(":");
  t.minute = c.digits(2);
  c.literal(":");
  t.second = c.digits(2);
}

// The two day-month-year forms: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" (short day names,
// ' ' between the date's parts, a 4-digit year) and RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT"
// (long day names, '-', 2 digits whose century the caller resolves).
template <class DayNames>
std::optional<DateTime> parse_day_month_year(std::string_view s, const DayNames& day_names,
                                             std::string_view separator, int year_digits) {
  Cursor c(s);
  DateTime t;
  c.name(day_names);
  c.literal(", ");
  t.day = c.digits(2);
  c.literal(separator);
  t.month = c.name(kMonthNames) + 1;
  c.literal(separator);
  t.year = c.digits(year_digits);
  c.literal(" ");
  read_time_of_day(c, t);
  c.literal(" GMT");
  if (!c.finished()) return std::nullopt;
  return t;
}

std::optional<DateTime> parse_imf_fixdate(std::string_view s) {
  return parse_day_month_year(s, kDayNames, " ", 4);
}

std::optional<DateTime> parse_rfc850_date(std::string_view s) {
  return parse_day_month_year(s, kLongDayNames, "-", 2);
}

// "Sun Nov  6 08:49:37 1994" (the day is 2DIGIT or SP DIGIT)
std::optional<DateTime> parse_asctime_date(std::string_view s) {
  Cursor c(s);
  DateTime t;
  c.name(kDayNames);
  c.literal(" ");
  t.month = c.name(kMonthNames) + 1;
  c.literal(" ");
  if (c.next_is(' ')) {
    c.literal(" ");
    t.day = c.digits(1);
  } else {
    t.day = c.digits(2);
  }
  c.literal(" ");
  read_time_of_day(c, t);
  c.literal(" ");
  t.year = c.digits(4);
  if (!c.finished()) return std::nullopt;
  return t;
}

int year_of(std::int64_t unix_ms) {
  using namespace std::chrono;
  auto day = floor<days>(sys_time<milliseconds>(milliseconds(unix_ms)));
  return static_cast<int>(year_month_day(day).year());
}

// RFC 9110 §5.6.7: a two-digit year that would be more than 50 years in the future means the most
// recent past year with those last two digits.
int expand_two_digit_year(int yy, std::int64_t now_ms) {
  int now_year = year_of(now_ms);
  int year = now_year - now_year % 100 + yy;
  if (year > now_year + 50) year -= 100;
  return year;
}

// Seconds since the Unix epoch, or nullopt when the date or time of day does not exist.
std::optional<std::int64_t> to_unix_seconds(const DateTime& t) {
  using namespace std::chrono;
  if (t.hour > 23 || t.minute > 59 || t.second > 60) return std::nullopt;
  year_month_day date{year(t.year), month(static_cast<unsigned>(t.month)),
                      day(static_cast<unsigned>(t.day))};
  if (!date.ok()) return std::nullopt;
  std::int64_t days_since_epoch = sys_days(date).time_since_epoch().count();
  return days_since_epoch * 86'400 + t.hour * 3'600 + t.minute * 60 + t.second;
}

std::optional<std::int64_t> parse_delta_seconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::int64_t n = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    int digit = ch - '0';
    if (n > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
  }
  return n;
}

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value, std::int64_t now_ms) {
  value = encoding::trim_ows(value);
  if (auto seconds = parse_delta_seconds(value)) {
    constexpr std::int64_t kMaxSeconds = kMaxRetryAfter.count() / 1000;
    return milliseconds(std::min(*seconds, kMaxSeconds) * 1000);
  }

  std::optional<DateTime> date = parse_imf_fixdate(value);
  if (!date) date = parse_asctime_date(value);
  if (!date) {
    date = parse_rfc850_date(value);
    if (date) date->year = expand_two_digit_year(date->year, now_ms);
  }
  if (!date) return std::nullopt;
  std::optional<std::int64_t> seconds = to_unix_seconds(*date);
  if (!seconds) return std::nullopt;

  // Compared before subtracting so that no `now_ms` can overflow the difference.
  std::int64_t at_ms = *seconds * 1000;
  if (at_ms <= now_ms) return milliseconds(0);
  if (at_ms - kMaxRetryAfter.count() >= now_ms) return kMaxRetryAfter;
  return milliseconds(at_ms - now_ms);
}

}  // namespace wharf::resilience
