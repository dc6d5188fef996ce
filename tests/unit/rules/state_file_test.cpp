// The alert state file: encoding, strict decoding (every truncation refused), the atomic write
// with a failure injected at each step, and restore semantics in the manager (fake clock).
#include "rules/state_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/rule_file.hpp"
#include "core/board.hpp"
#include "core/clock.hpp"
#include "rules/manager.hpp"
#include "rules/rule_file.hpp"

using namespace sonde;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

rules::SavedState sample_state() {
  rules::SavedState st;
  st.last_evaluation_ms = 1'700'000'100'000;
  rules::SavedAlert a;
  a.file = "/r/a.yml";
  a.group = "g";
  a.rule = "High";
  a.expr = "errors > 5";
  a.labels = rules::promql::Labels(std::vector<rules::promql::Label>{
      {"alertname", "High"}, {"instance", "h:1"}, {"quote", "a\"b\\c\n"}});
  a.state = rules::AlertState::firing;
  a.active_at_ms = 1'700'000'000'000;
  a.fired_at_ms = 1'700'000'030'000;
  a.keep_firing_since_ms = 0;
  a.value = 12.5;
  st.alerts.push_back(a);
  a.state = rules::AlertState::pending;
  a.labels.set("instance", "h:2");
  a.value = NAN;
  st.alerts.push_back(a);
  a.state = rules::AlertState::inactive;
  a.labels.set("instance", "h:3");
  a.resolved_at_ms = 1'700'000'090'000;
  a.value = 7;
  st.alerts.push_back(a);
  return st;
}

bool same(const rules::SavedState& x, const rules::SavedState& y) {
  if (x.last_evaluation_ms != y.last_evaluation_ms || x.alerts.size() != y.alerts.size()) {
    return false;
  }
  for (std::size_t i = 0; i < x.alerts.size(); ++i) {
    const auto& a = x.alerts[i];
    const auto& b = y.alerts[i];
    if (a.file != b.file || a.group != b.group || a.rule != b.rule || a.expr != b.expr ||
        !(a.labels == b.labels) || a.state != b.state || a.active_at_ms != b.active_at_ms ||
        a.fired_at_ms != b.fired_at_ms || a.keep_firing_since_ms != b.keep_firing_since_ms ||
        a.resolved_at_ms != b.resolved_at_ms ||
        !(a.value == b.value || (std::isnan(a.value) && std::isnan(b.value)))) {
      return false;
    }
  }
  return true;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path temp_dir() {
  char tmpl[] = "/tmp/sonde-state-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

/// Fails the n-th step (1 = open, 2 = write, 3 = fsync, 4 = close, 5 = rename, 6 = fsync_dir).
class FailingSteps final : public rules::FileSteps {
 public:
  explicit FailingSteps(int fail_at) : fail_at_(fail_at) {}
  int open(const fs::path& p) override { return step(1) ? FileSteps::open(p) : -1; }
  bool write(int fd, std::string_view d) override {
    if (!step(2)) {
      // A short write: half the data reaches the temporary file.
      FileSteps::write(fd, d.substr(0, d.size() / 2));
      return false;
    }
    return FileSteps::write(fd, d);
  }
  bool fsync(int fd) override { return step(3) && FileSteps::fsync(fd); }
  bool close(int fd) override {
    const bool ok = FileSteps::close(fd);
    return step(4) && ok;
  }
  bool rename(const fs::path& a, const fs::path& b) override {
    return step(5) && FileSteps::rename(a, b);
  }
  bool fsync_dir(const fs::path& d) override { return step(6) && FileSteps::fsync_dir(d); }

 private:
  bool step(int n) {
    if (n != fail_at_) return true;
    errno = EIO;
    return false;
  }
  int fail_at_;
};

rules::RuleFileInput rule_file(const std::string& path, const std::string& yaml) {
  rules::RuleFileInput f;
  f.path = path;
  auto read = config::read_rule_text(yaml);
  REQUIRE(rules::check_file(path, read, false).errors.empty());
  f.spec = read.spec;
  return f;
}

constexpr std::int64_t kStart = 1'700'000'000'000;

struct Rig {
  core::FakeClock clock{std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart))};
  core::Board board{clock};
  std::unique_ptr<rules::Manager> manager;
  rules::ManagerSettings settings;
  fs::path dir = temp_dir();

  Rig() {
    settings.rules.evaluation_interval = 10s;
    settings.rules.state_file = dir / "rules-state.json";
    board.declare("src", core::ComponentKind::collector);
  }
  ~Rig() { fs::remove_all(dir); }
  void start(const std::string& rules_yaml) {
    manager = std::make_unique<rules::Manager>(board, clock);
    manager->update(settings, {rule_file("/r/a.yml", rules_yaml)});
  }
  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
        .count();
  }
  void at(std::int64_t ms, double errors) {
    clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + ms)));
    core::SnapshotBuilder b;
    b.add_raw("errors", core::MetricType::gauge, "", "errors", errors);
    board.publish("src", std::make_shared<const core::Snapshot>(b.take()), 0, core::ok());
    manager->step(now());
  }
  std::vector<rules::Alert> alerts() const {
    std::vector<rules::Alert> out;
    manager->visit_groups([&](const rules::Group& g) {
      for (const auto& r : g.rules()) {
        for (const auto& [h, a] : r.active) out.push_back(a);
      }
    });
    return out;
  }
};

const char* kRules = R"(groups:
- name: g
  interval: 10s
  rules:
  - alert: High
    expr: errors > 5
    for: 1m
)";

}  // namespace

TEST_CASE("state files round-trip and refuse every truncation", "[rules][state]") {
  const auto st = sample_state();
  const std::string text = rules::encode_state(st);
  auto back = rules::decode_state(text);
  REQUIRE(back.ok());
  CHECK(same(*back, st));
  for (std::size_t n = 0; n < text.size(); ++n) {
    INFO(n);
    auto cut = rules::decode_state(text.substr(0, n));
    // Either refused or (cut only in trailing whitespace) the whole state: never half of one.
    if (cut.ok()) CHECK(same(*cut, st));
    if (n + 1 < text.size() - 1) CHECK_FALSE(cut.ok());
  }
  CHECK_FALSE(rules::decode_state(R"({"format":"other","version":1})").ok());
  CHECK(rules::decode_state(R"({"format":"sonde-rules-state","version":2})").message() ==
        "unsupported version 2 (expected 1)");
  CHECK_FALSE(
      rules::decode_state(
          R"({"format":"sonde-rules-state","version":1,"last_evaluation_ms":1,"alerts":[{}]})")
          .ok());
}

TEST_CASE("a failed step of the atomic write leaves the old file and no temporary",
          "[rules][state]") {
  const fs::path dir = temp_dir();
  const fs::path path = dir / "rules-state.json";
  rules::FileSteps real;
  REQUIRE(rules::write_atomically(path, "old\n", real).ok());
  for (int step = 1; step <= 5; ++step) {
    INFO(step);
    FailingSteps failing(step);
    auto st = rules::write_atomically(path, "new content\n", failing);
    CHECK_FALSE(st.ok());
    CHECK(slurp(path) == "old\n");
    CHECK_FALSE(fs::exists(path.string() + ".tmp"));
  }
  // The directory fsync fails after the rename: the new file is in place, the error is reported.
  FailingSteps dir_fails(6);
  auto st = rules::write_atomically(path, "new\n", dir_fails);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("fsync of the directory") != std::string::npos);
  CHECK(slurp(path) == "new\n");
  fs::remove_all(dir);
}

TEST_CASE("a firing alert survives a restart with its times", "[rules][state]") {
  Rig rig;
  rig.start(kRules);
  std::int64_t t = 0;
  for (; t <= 120'000; t += 10'000) rig.at(t, 10);
  REQUIRE(rig.alerts().size() == 1);
  REQUIRE(rig.alerts()[0].state == rules::AlertState::firing);
  const auto before = rig.alerts()[0];
  REQUIRE(fs::exists(rig.settings.rules.state_file));

  // "kill -9": the manager is gone without a word; a new one starts 5 minutes later.
  rig.manager.reset();
  rig.clock.set(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + t + 300'000)));
  rig.start(kRules);
  auto after = rig.alerts();
  REQUIRE(after.size() == 1);
  CHECK(after[0].state == rules::AlertState::firing);
  CHECK(after[0].active_at_ms == before.active_at_ms);
  CHECK(after[0].fired_at_ms == before.fired_at_ms);
  CHECK(after[0].labels == before.labels);
}

TEST_CASE("restored alerts: pending shifted by the downtime, outage tolerance, changed rules",
          "[rules][state]") {
  Rig rig;
  rig.start(kRules);
  std::int64_t t = 0;
  for (; rig.alerts().empty(); t += 10'000) rig.at(t, 10);
  rig.at(t, 10);  // pending for one interval more
  REQUIRE(rig.alerts()[0].state == rules::AlertState::pending);
  const auto before = rig.alerts()[0];
  const std::int64_t last = kStart + t;
  rig.manager.reset();

  SECTION("pending: the downtime does not count, and the grace period holds") {
    rig.settings.rules.for_grace_period = 0ms;
    rig.clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(last + 120'000)));
    rig.start(kRules);
    auto a = rig.alerts();
    REQUIRE(a.size() == 1);
    CHECK(a[0].state == rules::AlertState::pending);
    CHECK(a[0].active_at_ms == before.active_at_ms + 120'000);
  }
  SECTION("pending with a grace period: never fires sooner than the grace after the start") {
    rig.settings.rules.for_grace_period = 10min;
    const std::int64_t now = last + 120'000;
    rig.clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(now)));
    rig.start(kRules);
    auto a = rig.alerts();
    REQUIRE(a.size() == 1);
    CHECK(a[0].active_at_ms + 60'000 == now + 600'000);
  }
  SECTION("down for longer than for_outage_tolerance: it starts afresh") {
    rig.settings.rules.for_outage_tolerance = 1h;
    rig.clock.set(
        std::chrono::system_clock::time_point(std::chrono::milliseconds(last + 2 * 3'600'000)));
    rig.start(kRules);
    CHECK(rig.alerts().empty());
  }
  SECTION("a changed expression drops its old alerts") {
    std::string changed = kRules;
    changed.replace(changed.find("errors > 5"), 10, "errors > 6");
    rig.clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(last + 10'000)));
    rig.start(changed);
    CHECK(rig.alerts().empty());
  }
}

TEST_CASE("a restored alert is not resolved while the history warms up", "[rules][state]") {
  const char* rate_rules = R"(groups:
- name: g
  interval: 10s
  rules:
  - alert: Rising
    expr: rate(errors[5m]) > 0
    for: 1m
)";
  Rig rig;
  rig.start(rate_rules);
  std::int64_t t = 0;
  for (; t <= 600'000; t += 10'000) rig.at(t, static_cast<double>(t));
  REQUIRE(rig.alerts().size() == 1);
  REQUIRE(rig.alerts()[0].state == rules::AlertState::firing);
  rig.manager.reset();
  const std::int64_t restart = t + 30'000;
  rig.clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + restart)));
  rig.start(rate_rules);
  // Right after the start the history holds one sample: rate() is empty, yet the alert stays.
  for (std::int64_t u = restart; u < restart + 5 * 60'000; u += 10'000) {
    rig.at(u, static_cast<double>(u));
    REQUIRE(rig.alerts().size() == 1);
    CHECK(rig.alerts()[0].state == rules::AlertState::firing);
  }
}

TEST_CASE("a corrupt state file is moved aside, counted, and sonde starts clean",
          "[rules][state]") {
  Rig rig;
  {
    std::ofstream out(rig.settings.rules.state_file);
    out << "{\"format\": \"sonde-rules-state\", \"version\": 1, \"last_eval";
  }
  rig.start(kRules);
  CHECK(rig.alerts().empty());
  CHECK_FALSE(fs::exists(rig.settings.rules.state_file));
  CHECK(fs::exists(rig.settings.rules.state_file.string() + ".corrupt"));
  rig.at(0, 1);
  bool counted = false;
  for (const auto& s : rig.board.published()) {
    if (s.name != rules::kBoardSource) continue;
    for (const auto& f : s.snapshot->families) {
      for (const auto& smp : f.samples) {
        if (smp.series == "sonde_rule_state_restore_failures_total") counted = smp.value == 1;
      }
    }
  }
  CHECK(counted);
}

namespace {

// Three instances: two firing alerts of one rule, one pending of another, with annotations and
// a keep_firing_for, as the manager writes them.
const char* kMultiRules = R"(groups:
- name: g
  interval: 10s
  rules:
  - alert: High
    expr: errors > 5
    for: 20s
    keep_firing_for: 1m
    labels: {severity: page}
    annotations: {summary: "{{ $labels.instance }} at {{ $value }}"}
  - alert: Any
    expr: errors > 0
    for: 1h
)";

void publish_instances(Rig& rig, std::int64_t ms, double a, double b) {
  rig.clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + ms)));
  core::SnapshotBuilder bld;
  const core::Label la[] = {{"instance", "a:1"}};
  const core::Label lb[] = {{"instance", "b\"2\\"}};
  bld.gauge("errors", "", la, a);
  bld.gauge("errors", "", lb, b);
  rig.board.publish("src", std::make_shared<const core::Snapshot>(bld.take()), 0, core::ok());
  rig.manager->step(rig.now());
}

std::vector<std::string> describe(const std::vector<rules::Alert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) {
    std::string s = std::string(rules::state_name(a.state)) + " " + std::to_string(a.active_at_ms) +
                    " " + std::to_string(a.fired_at_ms) + " " +
                    std::to_string(a.keep_firing_since_ms);
    for (const auto& l : a.labels) s += " " + l.name + "=" + l.value;
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::uint64_t counter(const core::Board& board, const std::string& name) {
  for (const auto& s : board.published()) {
    if (s.name != rules::kBoardSource) continue;
    for (const auto& f : s.snapshot->families) {
      for (const auto& smp : f.samples) {
        if (smp.series == name) return static_cast<std::uint64_t>(smp.value);
      }
    }
  }
  return 0;
}

}  // namespace

TEST_CASE("a state file cut at any byte restores all of its alerts or none", "[rules][state]") {
  Rig rig;
  rig.start(kMultiRules);
  for (std::int64_t t = 0; t <= 60'000; t += 10'000) publish_instances(rig, t, 10, 10);
  publish_instances(rig, 70'000, 10, 1);  // b: High keeps firing (keep_firing_for), Any pending
  const auto expected = describe(rig.alerts());
  REQUIRE(expected.size() == 4);
  const std::string text = slurp(rig.settings.rules.state_file);
  REQUIRE(rules::decode_state(text).ok());
  rig.manager.reset();  // kill -9 after the last write

  // The same start each time: 10 s after the last evaluation.
  const auto restart_at =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + 80'000));
  rig.clock.set(restart_at);
  rig.start(kMultiRules);
  // The whole file restores all four (the pending ones shifted by the 10 s downtime).
  const auto whole = describe(rig.alerts());
  REQUIRE(whole.size() == expected.size());
  CHECK(whole[0] == expected[0]);  // "firing ...": the firing ones keep their times
  CHECK(whole[1] == expected[1]);

  const fs::path& path = rig.settings.rules.state_file;
  std::size_t restored = 0;
  for (std::size_t n = 0; n < text.size(); ++n) {
    INFO("cut at byte " << n << " of " << text.size());
    rig.manager.reset();
    fs::remove(path.string() + ".corrupt");
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << text.substr(0, n);
    }
    rig.clock.set(restart_at);
    rig.start(kMultiRules);
    const auto got = describe(rig.alerts());
    if (got.empty()) {
      // Refused: moved aside, counted at the first publication, never half restored.
      CHECK_FALSE(fs::exists(path));
      CHECK(fs::exists(path.string() + ".corrupt"));
      rig.at(90'000, 0);
      CHECK(counter(rig.board, "sonde_rule_state_restore_failures_total") == 1);
    } else {
      // Only a cut in the final newline leaves a whole document.
      CHECK(n + 1 == text.size());
      CHECK(got == whole);
      ++restored;
    }
  }
  CHECK(restored <= 1);
}

TEST_CASE(
    "a failed step of the manager's state write keeps the old file, is counted, and the next "
    "pass writes again",
    "[rules][state]") {
  for (int step = 1; step <= 6; ++step) {
    INFO("failing step " << step);
    Rig rig;
    rig.start(kMultiRules);
    publish_instances(rig, 0, 10, 10);
    publish_instances(rig, 10'000, 10, 10);
    const std::string good = slurp(rig.settings.rules.state_file);
    REQUIRE_FALSE(good.empty());
    rig.manager->set_file_steps(std::make_unique<FailingSteps>(step));
    publish_instances(rig, 20'000, 10, 10);
    CHECK(counter(rig.board, "sonde_rule_state_write_failures_total") >= 1);
    CHECK_FALSE(fs::exists(rig.settings.rules.state_file.string() + ".tmp"));
    const std::string now = slurp(rig.settings.rules.state_file);
    // Before the rename the old file stays; a failed directory fsync comes after it.
    if (step < 6) CHECK(now == good);
    if (step == 6) CHECK(now != good);
    CHECK(rules::decode_state(now).ok());
    // The disk recovers: the next pass writes the current state.
    rig.manager->set_file_steps(std::make_unique<rules::FileSteps>());
    publish_instances(rig, 30'000, 10, 10);
    auto latest = rules::decode_state(slurp(rig.settings.rules.state_file));
    REQUIRE(latest.ok());
    CHECK(latest->last_evaluation_ms == kStart + 30'000);
  }
}

TEST_CASE("keep_firing_for continues from its saved start across a restart", "[rules][state]") {
  const char* keep_rules = R"(groups:
- name: g
  interval: 10s
  rules:
  - alert: High
    expr: errors > 5
    keep_firing_for: 10m
)";
  Rig rig;
  rig.start(keep_rules);
  std::int64_t t = 0;
  for (; t <= 60'000; t += 10'000) rig.at(t, 10);
  for (; rig.alerts().empty() || rig.alerts()[0].keep_firing_since_ms == 0; t += 10'000) {
    rig.at(t, 0);
  }
  const std::int64_t since = rig.alerts()[0].keep_firing_since_ms;
  rig.at(t, 0);
  rig.manager.reset();

  // Back a minute later: still firing, the same keep-firing start, and it resolves when
  // keep_firing_for is over counted from that start (the warm-up, 5 minutes here, ends sooner).
  const std::int64_t restart = t + 60'000;
  rig.clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + restart)));
  rig.start(keep_rules);
  REQUIRE(rig.alerts().size() == 1);
  CHECK(rig.alerts()[0].keep_firing_since_ms == since);
  std::int64_t resolved_at = 0;
  for (std::int64_t u = restart; u < restart + 20 * 60'000 && resolved_at == 0; u += 10'000) {
    rig.at(u, 0);
    REQUIRE(rig.alerts().size() == 1);
    if (rig.alerts()[0].state == rules::AlertState::inactive) resolved_at = kStart + u;
  }
  REQUIRE(resolved_at != 0);
  CHECK(resolved_at >= since + 600'000);
  CHECK(resolved_at < since + 600'000 + 10'000 + 10'000);
}

TEST_CASE("a resolved alert is kept in the state file and sent again after a restart",
          "[rules][state][notify]") {
  Rig rig;
  rig.settings.rules.notify.resend_delay = 1h;
  std::vector<rules::notify::Notification> sent;
  const auto sink = [&](std::vector<rules::notify::Notification> n) {
    sent.insert(sent.end(), n.begin(), n.end());
  };
  rig.start(kRules);
  rig.manager->set_alert_sink(sink);
  std::int64_t t = 0;
  for (; t <= 120'000; t += 10'000) rig.at(t, 10);
  REQUIRE(rig.alerts().at(0).state == rules::AlertState::firing);
  for (; rig.alerts().at(0).state != rules::AlertState::inactive; t += 10'000) rig.at(t, 0);
  const auto resolved = rig.alerts().at(0).resolved_at_ms;
  REQUIRE(resolved != 0);
  REQUIRE(sent.size() == 2);  // fired, resolved
  // "kill -9" and a start 5 minutes later: the resolved alert comes back, resolved, and the first
  // evaluation sends it again (delivery state is not persisted).
  rig.manager.reset();
  rig.clock.set(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + t + 300'000)));
  rig.start(kRules);
  rig.manager->set_alert_sink(sink);
  REQUIRE(rig.alerts().size() == 1);
  CHECK(rig.alerts()[0].state == rules::AlertState::inactive);
  CHECK(rig.alerts()[0].resolved_at_ms == resolved);
  sent.clear();
  for (std::int64_t u = t + 300'000; sent.empty() && u < t + 400'000; u += 10'000) rig.at(u, 0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].ends_at_ms == resolved);
  // Past the 15 minutes a resolved alert is kept, a restart forgets it.
  rig.manager.reset();
  rig.clock.set(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + t + 20 * 60'000)));
  rig.start(kRules);
  CHECK(rig.alerts().empty());
}
