#include "rules/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace sonde::rules {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "sonde-rules-state";
constexpr int kVersion = 1;

const char* state_text(AlertState s) { return state_name(s); }

}  // namespace

std::string encode_state(const SavedState& state) {
  json alerts = json::array();
  for (const auto& a : state.alerts) {
    json labels = json::object();
    for (const auto& l : a.labels) labels[l.name] = l.value;
    alerts.push_back({{"file", a.file},
                      {"group", a.group},
                      {"rule", a.rule},
                      {"expr", a.expr},
                      {"labels", labels},
                      {"state", state_text(a.state)},
                      {"active_at_ms", a.active_at_ms},
                      {"fired_at_ms", a.fired_at_ms},
                      {"keep_firing_since_ms", a.keep_firing_since_ms},
                      {"resolved_at_ms", a.resolved_at_ms},
                      // JSON has no NaN or infinities: the value as Prometheus prints it.
                      {"value", promql::format_value(a.value)}});
  }
  json doc = {{"format", kFormat},
              {"version", kVersion},
              {"last_evaluation_ms", state.last_evaluation_ms},
              {"alerts", alerts}};
  return doc.dump(1) + "\n";
}

core::Result<SavedState> decode_state(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return core::error("not a JSON document (truncated or corrupt)");
  if (!doc.is_object() || !doc.contains("format") || doc["format"] != kFormat) {
    return core::error("not a sonde rules state file");
  }
  if (!doc.contains("version") || doc["version"] != kVersion) {
    return core::error("unsupported version " +
                       (doc.contains("version") ? doc["version"].dump() : std::string("(none)")) +
                       " (expected " + std::to_string(kVersion) + ")");
  }
  auto int_field = [](const json& o, const char* k, std::int64_t& out) {
    if (!o.contains(k) || !o[k].is_number_integer()) return false;
    out = o[k].get<std::int64_t>();
    return true;
  };
  auto str_field = [](const json& o, const char* k, std::string& out) {
    if (!o.contains(k) || !o[k].is_string()) return false;
    out = o[k].get<std::string>();
    return true;
  };
  SavedState st;
  if (!int_field(doc, "last_evaluation_ms", st.last_evaluation_ms)) {
    return core::error("last_evaluation_ms missing or not an integer");
  }
  if (!doc.contains("alerts") || !doc["alerts"].is_array()) return core::error("alerts missing");
  std::size_t i = 0;
  for (const auto& o : doc["alerts"]) {
    const std::string where = "alerts[" + std::to_string(i++) + "]: ";
    if (!o.is_object()) return core::error(where + "not an object");
    SavedAlert a;
    std::string state;
    std::string value;
    if (!str_field(o, "file", a.file) || !str_field(o, "group", a.group) ||
        !str_field(o, "rule", a.rule) || !str_field(o, "expr", a.expr) ||
        !str_field(o, "state", state) || !str_field(o, "value", value) ||
        !int_field(o, "active_at_ms", a.active_at_ms) ||
        !int_field(o, "fired_at_ms", a.fired_at_ms) ||
        !int_field(o, "keep_firing_since_ms", a.keep_firing_since_ms)) {
      return core::error(where + "a field is missing or of the wrong type");
    }
    // Added after version 1 was first written: absent in older files.
    if (o.contains("resolved_at_ms") && !int_field(o, "resolved_at_ms", a.resolved_at_ms)) {
      return core::error(where + "resolved_at_ms is not an integer");
    }
    if (state == "pending") {
      a.state = AlertState::pending;
    } else if (state == "firing") {
      a.state = AlertState::firing;
    } else if (state == "inactive") {
      a.state = AlertState::inactive;
    } else {
      return core::error(where + "unknown state " + state);
    }
    char* end = nullptr;
    a.value = value == "NaN" ? NAN : std::strtod(value.c_str(), &end);
    if (value != "NaN" && (end == value.c_str() || *end != '\0')) {
      return core::error(where + "value is not a number");
    }
    if (!o.contains("labels") || !o["labels"].is_object()) return core::error(where + "labels");
    std::vector<promql::Label> labels;
    for (const auto& [k, v] : o["labels"].items()) {
      if (!v.is_string()) return core::error(where + "label " + k + " is not a string");
      labels.push_back({k, v.get<std::string>()});
    }
    a.labels = promql::Labels(std::move(labels));
    st.alerts.push_back(std::move(a));
  }
  return st;
}

int FileSteps::open(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

bool FileSteps::write(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool FileSteps::fsync(int fd) { return ::fsync(fd) == 0; }
bool FileSteps::close(int fd) { return ::close(fd) == 0; }

bool FileSteps::rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  return ::rename(from.c_str(), to.c_str()) == 0;
}

bool FileSteps::fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

void FileSteps::remove(const std::filesystem::path& path) { ::unlink(path.c_str()); }

core::Status write_atomically(const std::filesystem::path& path, std::string_view data,
                              FileSteps& steps) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  auto fail = [&](const char* step) {
    const std::string reason = std::strerror(errno);
    steps.remove(tmp);
    return core::Status(
        core::error("cannot write " + path.string() + ": " + step + " failed (" + reason + ")"));
  };
  errno = 0;
  const int fd = steps.open(tmp);
  if (fd < 0) return fail("creating the temporary file");
  if (!steps.write(fd, data)) {
    steps.close(fd);
    return fail("writing");
  }
  if (!steps.fsync(fd)) {
    steps.close(fd);
    return fail("fsync");
  }
  if (!steps.close(fd)) return fail("close");
  if (!steps.rename(tmp, path)) return fail("rename");
  // The new name is in place; only its durability is in doubt, but say so.
  if (!steps.fsync_dir(path.parent_path().empty() ? "." : path.parent_path())) {
    return core::Status(core::error("cannot write " + path.string() +
                                    ": fsync of the directory failed (" + std::strerror(errno) +
                                    ")"));
  }
  return core::ok();
}

}  // namespace sonde::rules
