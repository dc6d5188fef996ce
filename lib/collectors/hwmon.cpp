#include "collectors/hwmon.hpp"

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <system_error>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

// node_exporter's hwmonSensorTypes: files of other types are not read.
constexpr std::string_view kSensorTypes[] = {
    "vrm",  "beep_enable", "update_interval", "in",     "cpu",      "fan",      "pwm",
    "temp", "curr",        "power",           "energy", "humidity", "intrusion"};

bool known_type(std::string_view t) {
  for (const auto k : kSensorTypes) {
    if (k == t) return true;
  }
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim_newlines(std::string_view s) {
  while (!s.empty() && s.front() == '\n') s.remove_prefix(1);
  while (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

/// Lists one directory's sensor files into `chip` (collectSensorData). False if it could not
/// be listed.
bool collect_sensor_files(const std::filesystem::path& dir, HwmonChip& chip) {
  const sysfs::Listing l = sysfs::list_dir(dir);
  if (l.err != 0) return false;
  for (const sysfs::Entry& e : l.entries) {
    const SensorName s = explode_sensor_filename(e.name);
    if (!s.ok || !known_type(s.type)) continue;
    const sysfs::Attr a = sysfs::read_attr(dir / e.name);
    if (!a.ok()) continue;  // directories, write-only and root-only files, absent sensors
    chip.files.emplace_back(e.name, std::string(trim_newlines(a.value)));
  }
  return true;
}

/// The last element of `p` and the one before it, as filepath.Split does them.
std::pair<std::string, std::string> last_two(const std::filesystem::path& p) {
  return {p.parent_path().filename().string(), p.filename().string()};
}

/// One sensor's samples. Two attribute files can clean to one name ("temp1_crit" and "temp1_CRIT"
/// of a broken driver): the second is dropped and counted, where client_golang would fail the
/// whole scrape over the repeated series.
struct Emit {
  core::SampleSink& out;
  std::span<const core::Label> labels;
  std::set<std::string> names = {};
  void add(const std::string& name, core::MetricType type, const std::string& help, double v) {
    if (!names.insert(name).second) {
      out.parse_errors(1);
      return;
    }
    out.add(name, type, help, labels, v);
  }
  void gauge(const std::string& name, const std::string& help, double v) {
    add(name, core::MetricType::gauge, help, v);
  }
};

void publish_sensor(const std::string& chip, const std::string& sensor,
                    const std::map<std::string, std::string>& data, core::SampleSink& out) {
  const std::string_view type = explode_sensor_filename(sensor).type;
  const core::Label labels[] = {{"chip", chip}, {"sensor", sensor}};
  Emit emit{out, labels};
  if (auto it = data.find("label"); it != data.end()) {
    const std::string label = sysfs::to_valid_utf8(it->second);
    out.gauge("node_hwmon_sensor_label", "Label for given chip and sensor",
              {{"chip", chip}, {"sensor", sensor}, {"label", label}}, 1);
  }
  const auto bare = data.find("");
  const std::string bare_text = bare == data.end() ? std::string() : bare->second;
  if (type == "beep_enable") {
    emit.gauge("node_hwmon_beep_enabled", "Hardware beep enabled", bare_text == "1" ? 1 : 0);
    return;
  }
  if (type == "vrm") {
    if (const auto v = text::parse_go_float(bare_text)) {
      emit.gauge("node_hwmon_voltage_regulator_version", "Hardware voltage regulator", *v);
    }
    return;
  }
  if (type == "update_interval") {
    if (const auto v = text::parse_go_float(bare_text)) {
      emit.gauge("node_hwmon_update_interval_seconds", "Hardware monitor update interval",
                 *v * 0.001);
    }
    return;
  }
  const std::string prefix = "node_hwmon_" + std::string(type);
  const std::string t(type);
  for (const auto& [element_name, value] : data) {
    std::string element = element_name;
    if (element == "label") continue;
    std::string name = prefix;
    if (element == "input") {
      if (bare != data.end()) name += "_input";  // the input is the value itself otherwise
    } else if (!element.empty()) {
      name += "_" + clean_metric_name(element);
    }
    const auto parsed = text::parse_go_float(value);
    if (!parsed) continue;  // string attributes (power1_model_number, ...) are not samples
    const double v = *parsed;
    // Alarms, faults and beeps have no unit.
    if (element == "fault" || element == "alarm") {
      emit.gauge(name, "Hardware sensor " + element + " status (" + t + ")", v);
    } else if (element == "beep") {
      emit.gauge(name + "_enabled", "Hardware monitor sensor has beeping enabled", v);
    } else if (type == "in" || type == "cpu") {
      emit.gauge(name + "_volts", "Hardware monitor for voltage (" + element + ")", v * 0.001);
    } else if (type == "temp" && element != "type") {
      if (element.empty()) element = "input";
      emit.gauge(name + "_celsius", "Hardware monitor for temperature (" + element + ")",
                 v * 0.001);
    } else if (type == "curr") {
      emit.gauge(name + "_amps", "Hardware monitor for current (" + element + ")", v * 0.001);
    } else if (type == "energy") {
      emit.add(name + "_joule_total", core::MetricType::counter,
               "Hardware monitor for joules used so far (" + element + ")", v / 1000000.0);
    } else if (type == "power" && element == "accuracy") {
      emit.gauge(name, "Hardware monitor power meter accuracy, as a ratio", v / 1000000.0);
    } else if (type == "power" &&
               (element == "average_interval" || element == "average_interval_min" ||
                element == "average_interval_max")) {
      emit.gauge(name + "_seconds",
                 "Hardware monitor power usage update interval (" + element + ")", v * 0.001);
    } else if (type == "power") {
      emit.gauge(name + "_watt", "Hardware monitor for power usage in watts (" + element + ")",
                 v / 1000000.0);
    } else if (type == "humidity") {
      emit.gauge(name,
                 "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the "
                 "humidity as a percentage) (" +
                     element + ")",
                 v / 1000000.0);
    } else if (type == "fan" && (element == "input" || element == "min" || element == "max" ||
                                 element == "target")) {
      emit.gauge(name + "_rpm", "Hardware monitor for fan revolutions per minute (" + element + ")",
                 v);
    } else {
      emit.gauge(name, "Hardware monitor " + t + " element " + element, v);
    }
  }
}

}  // namespace

SensorName explode_sensor_filename(std::string_view filename) {
  // The type is at most everything before the first digit; the regex engine tries the longest
  // type first, then the longest id, and takes the first split whose rest is empty or
  // "_<something>".
  std::size_t first_digit = 0;
  while (first_digit < filename.size() && !is_digit(filename[first_digit])) ++first_digit;
  for (std::size_t type_len = first_digit; type_len >= 1; --type_len) {
    std::size_t max_id = 0;
    if (type_len == first_digit) {
      while (type_len + max_id < filename.size() && is_digit(filename[type_len + max_id])) {
        ++max_id;
      }
    }
    for (std::size_t id_len = max_id + 1; id_len-- > 0;) {
      const std::string_view rest = filename.substr(type_len + id_len);
      if (!rest.empty() && !(rest.size() > 1 && rest.front() == '_')) continue;
      SensorName s;
      s.ok = true;
      s.type = filename.substr(0, type_len);
      if (id_len > 0) {
        const auto num = text::parse_u64(filename.substr(type_len, id_len));
        if (!num || *num > static_cast<std::uint64_t>(INT64_MAX)) return SensorName{};  // Atoi
        s.num = static_cast<long long>(*num);
      }
      if (!rest.empty()) s.property = rest.substr(1);
      return s;
    }
  }
  return SensorName{};
}

std::string clean_metric_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || is_digit(c) || c == ':' || c == '_';
    // Go's regexp works on runes: one multi-byte character is one '_'; its continuation bytes
    // are dropped here so that the names agree.
    if (!ok && (static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;
    out += ok ? c : '_';
  }
  const auto first = out.find_first_not_of('_');
  if (first == std::string::npos) return {};
  const auto last = out.find_last_not_of('_');
  return out.substr(first, last - first + 1);
}

HwmonChip read_hwmon_chip(const std::filesystem::path& dir) {
  HwmonChip chip;
  std::error_code ec;
  // Preference 1 (hwmonName): the device's path, always unique: "<bus>_<device>".
  const auto device = std::filesystem::canonical(dir / "device", ec);
  if (!ec) {
    const auto [dev_type, dev_name] = last_two(device);
    const std::string t = clean_metric_name(dev_type), n = clean_metric_name(dev_name);
    if (!t.empty() && !n.empty()) {
      chip.chip = t + "_" + n;
    } else if (!n.empty()) {
      chip.chip = n;
    }
  }
  const sysfs::Attr name = sysfs::read_whole(dir / "name", 4096);
  if (name.ok() && !name.value.empty()) chip.chip_name = clean_metric_name(name.value);
  // Preference 2: the name file; 3: the hwmonN directory itself.
  if (chip.chip.empty()) chip.chip = chip.chip_name;
  if (chip.chip.empty()) {
    const auto real = std::filesystem::canonical(dir, ec);
    if (!ec) chip.chip = clean_metric_name(real.filename().string());
  }
  if (!collect_sensor_files(dir, chip)) {
    chip.failed = true;
    return chip;
  }
  if (std::filesystem::exists(dir / "device", ec) && !collect_sensor_files(dir / "device", chip)) {
    chip.failed = true;
  }
  return chip;
}

void publish_hwmon(const HwmonChip& chip, core::SampleSink& out) {
  if (chip.failed || chip.chip.empty()) return;
  if (!chip.chip_name.empty()) {
    out.gauge("node_hwmon_chip_names", "Annotation metric for human-readable chip names",
              {{"chip", chip.chip}, {"chip_name", chip.chip_name}}, 1);
  }
  // sensor -> property -> text; the device/ directory's files, read last, win.
  std::map<std::string, std::map<std::string, std::string>> sensors;
  for (const auto& [file, value] : chip.files) {
    const SensorName s = explode_sensor_filename(file);
    if (!s.ok || !known_type(s.type)) continue;
    sensors[std::string(s.type) + std::to_string(s.num)][std::string(s.property)] = value;
  }
  for (const auto& [sensor, data] : sensors) publish_sensor(chip.chip, sensor, data, out);
}

HwmonCollector::HwmonCollector(core::HostPaths paths, std::shared_ptr<core::BlockingPool> pool,
                               HwmonReader reader)
    : paths_(std::move(paths)),
      pool_(pool ? std::move(pool) : std::make_shared<core::BlockingPool>(kSysfsWorkers)),
      reader_(std::move(reader)) {}

core::Status HwmonCollector::collect(core::SampleSink& out) {
  const auto dir = paths_.sys / "class" / "hwmon";
  const sysfs::Listing l = sysfs::list_dir(dir);
  if (l.err == ENOENT) return core::ok();  // no hwmon drivers: nothing, as node_exporter
  if (l.err != 0) return core::error(dir.string() + ": " + std::strerror(l.err));
  std::vector<std::shared_ptr<HwmonChip>> chips;
  std::vector<std::string> keys;
  std::vector<std::function<void()>> jobs;
  for (const sysfs::Entry& e : l.entries) {
    const auto path = dir / e.name;
    std::error_code ec;
    if (e.type == sysfs::EntryType::symlink) {
      if (!std::filesystem::is_directory(path, ec)) continue;  // dangling, or not a directory
    } else if (e.type != sysfs::EntryType::directory) {
      continue;
    }
    auto chip = std::make_shared<HwmonChip>();
    chips.push_back(chip);
    keys.push_back("hwmon:" + path.string());
    jobs.emplace_back([chip, path, reader = reader_] { *chip = reader(path); });
  }
  const std::vector<bool> done =
      sysfs::run_all(*pool_, std::move(keys), std::move(jobs), sysfs::kDriverReadTimeout);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < chips.size(); ++i) {
    if (!done[i]) continue;  // still reading (or stuck since an earlier collect): no series
    const HwmonChip& chip = *chips[i];
    if (chip.failed || chip.chip.empty() || !seen.insert(chip.chip).second) {
      out.parse_errors(1);  // unreadable, nameless, or a second chip of the same name
      continue;
    }
    publish_hwmon(chip, out);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_hwmon(const CollectorContext& ctx) {
  return std::make_unique<HwmonCollector>(ctx.paths, ctx.blocking);
}

}  // namespace sonde::collectors
