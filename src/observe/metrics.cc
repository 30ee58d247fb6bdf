#include "observe/metrics.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace wharf::observe {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) sum_micros_.fetch_add(static_cast<std::uint64_t>(v * 1e6), std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

double Histogram::sum() const { return static_cast<double>(sum_micros_.load()) / 1e6; }

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    for (char c : labels[i].second) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '"')
        out += "\\\"";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

Registry::Family& Registry::family(const std::string& name, Kind kind, const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.kind = kind;
    it->second.help = help;
  } else if (it->second.kind != kind) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, Kind::kCounter, help).counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, Kind::kGauge, help).gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const Labels& labels, std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, Kind::kHistogram, help).histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

namespace {

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Inserts `le` into an already rendered label set.
std::string with_le(const std::string& rendered, const std::string& le) {
  std::string le_label = "le=\"" + le + "\"";
  if (rendered.empty()) return "{" + le_label + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + le_label + "}";
}

}  // namespace

std::string Registry::expose() const {
  std::lock_guard lock(mu_);
  std::string out;
  out.reserve(8192);
  for (const auto& [name, fam] : families_) {
    const char* type = fam.kind == Kind::kCounter ? "counter"
                       : fam.kind == Kind::kGauge ? "gauge"
                                                  : "histogram";
    out += "# HELP " + name + " " + fam.help + "\n";
    out += "# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, c] : fam.counters) {
      out += name + labels + " " + std::to_string(c->value()) + "\n";
    }
    for (const auto& [labels, g] : fam.gauges) {
      out += name + labels + " " + std::to_string(g->value()) + "\n";
    }
    for (const auto& [labels, h] : fam.histograms) {
      auto cum = h->cumulative();
      for (std::size_t i = 0; i < h->bounds().size(); ++i) {
        out += name + "_bucket" + with_le(labels, format_double(h->bounds()[i])) + " " +
               std::to_string(cum[i]) + "\n";
      }
      out += name + "_bucket" + with_le(labels, "+Inf") + " " + std::to_string(cum.back()) + "\n";
      out += name + "_sum" + labels + " " + format_double(h->sum()) + "\n";
      // _count is the +Inf bucket read above, so the two always agree in one scrape.
      out += name + "_count" + labels + " " + std::to_string(cum.back()) + "\n";
    }
  }
  return out;
}

}  // namespace wharf::observe
