#include "gpu/gpu_collector.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>

#include "core/cgroup.hpp"
#include "core/regex.hpp"

namespace sonde::gpu {

namespace {

constexpr std::string_view kProcessFamily = "sonde_gpu_process_memory_used_bytes";
constexpr std::string_view kInfoFamily = "sonde_gpu_info";
// At most this many NVML events are taken in one sample.
constexpr unsigned kMaxEventsPerSample = 64;
// The GPUs sonde samples (the first ones NVML lists), and the pool's workers: one per GPU key plus
// the event poll (threads start on demand).
constexpr unsigned kMaxGpus = 64;
constexpr std::size_t kPoolWorkers = kMaxGpus + 1;

}  // namespace

GpuCollector::GpuCollector(std::shared_ptr<const NvmlApi> api, const gpu::GpuOptions& options,
                           const core::HostPaths& paths, std::string hostname)
    : api_(std::move(api)),
      options_(options),
      paths_(paths),
      hostname_(std::move(hostname)),
      pool_(std::make_unique<core::BlockingPool>(kPoolWorkers)) {
  // gpu.fields is searched unanchored (as node_exporter's filters). The config loader has already
  // checked that it compiles: a pattern that does not is a broken invariant, not a fallback.
  auto compiled = core::Regex::compile(options_.fields, core::Regex::Anchor::none);
  assert(compiled.ok() && "gpu.fields was validated by the config loader");
  const core::Regex& re = *compiled;
  for (std::size_t i = 0; i < kFieldCount; ++i)
    enabled_[i] = re.matches(field_info(static_cast<Field>(i)).name);
  processes_enabled_ = re.matches(kProcessFamily);
  info_enabled_ = re.matches(kInfoFamily);
}

GpuCollector::~GpuCollector() {
  // No nvmlShutdown and no dlclose: a worker may still be inside NVML (a hung call).
  if (events_ && api_->event_set_free) {
    // Freeing the set is a quick driver call, but it can hang on a sick driver like any other;
    // only do it when nothing is stuck.
    if (pool_->stuck() == 0) api_->event_set_free(events_);
  }
}

core::Result<std::shared_ptr<GpuCollector>> GpuCollector::open(const gpu::GpuOptions& options,
                                                               const core::HostPaths& paths,
                                                               std::string hostname) {
  auto api = load_nvml(options.nvml_library);
  if (!api) return api.error();
  std::shared_ptr<GpuCollector> c(
      new GpuCollector(std::move(*api), options, paths, std::move(hostname)));
  struct Init {
    nvml::Return init = nvml::kErrorUnknown, count_rc = nvml::kErrorUnknown;
    unsigned count = 0;
    std::vector<nvml::Device> handles;
    std::vector<nvml::Return> handle_rc;
    std::vector<bool> registered;
    std::string driver, nvml_version, cuda;
    nvml::EventSet events = nullptr;
  };
  auto st = std::make_shared<Init>();
  auto a = c->api_;
  const auto outcome = c->pool_->run(
      "gpu:init",
      [st, a] {
        st->init = a->init();
        if (st->init != nvml::kSuccess) return;
        st->count_rc = a->device_count(&st->count);
        if (st->count_rc != nvml::kSuccess) return;
        st->count = std::min(st->count, kMaxGpus);
        char buf[nvml::kSystemVersionBufferSize] = {};
        if (a->driver_version && a->driver_version(buf, sizeof buf) == nvml::kSuccess) {
          st->driver = buf;
        }
        std::memset(buf, 0, sizeof buf);
        if (a->nvml_version && a->nvml_version(buf, sizeof buf) == nvml::kSuccess) {
          st->nvml_version = buf;
        }
        int cuda = 0;
        if (a->cuda_driver_version && a->cuda_driver_version(&cuda) == nvml::kSuccess) {
          // nvml.h: NVML_CUDA_DRIVER_VERSION_MAJOR(v) = v / 1000, _MINOR(v) = (v % 1000) / 10.
          st->cuda = std::to_string(cuda / 1000) + "." + std::to_string((cuda % 1000) / 10);
        }
        if (a->event_set_create && a->register_events && a->event_set_wait &&
            a->event_set_create(&st->events) != nvml::kSuccess) {
          st->events = nullptr;
        }
        for (unsigned i = 0; i < st->count; ++i) {
          nvml::Device h = nullptr;
          st->handle_rc.push_back(a->handle_by_index(i, &h));
          st->handles.push_back(h);
          st->registered.push_back(st->events && st->handle_rc.back() == nvml::kSuccess &&
                                   a->register_events(h, nvml::kEventTypeXidCriticalError,
                                                      st->events) == nvml::kSuccess);
        }
      },
      options.call_timeout);
  if (outcome != core::BlockingPool::Outcome::done) {
    return core::error("NVML initialisation in " + options.nvml_library + " did not finish in " +
                       std::to_string(options.call_timeout.count()) + "ms (" +
                       std::string(core::BlockingPool::outcome_name(outcome)) + ")");
  }
  if (st->init != nvml::kSuccess) {
    return core::error(
        std::string("nvmlInit failed: ") + nvml::return_name(st->init) +
        (st->init == nvml::kErrorDriverNotLoaded ? " (no NVIDIA driver loaded)" : ""));
  }
  if (st->count_rc != nvml::kSuccess) {
    return core::error(std::string("nvmlDeviceGetCount failed: ") +
                       nvml::return_name(st->count_rc));
  }
  if (st->count == 0) return core::error("NVML reports no GPU");
  c->driver_version_ = st->driver;
  c->nvml_version_ = st->nvml_version;
  c->cuda_driver_version_ = st->cuda;
  c->events_ = st->events;
  for (unsigned i = 0; i < st->count; ++i) {
    Device d;
    d.index = i;
    d.index_text = std::to_string(i);
    d.device = "nvidia" + d.index_text;
    if (st->handle_rc[i] != nvml::kSuccess) {
      c->count_error(d.index_text, nvml::return_name(st->handle_rc[i]));
      d.handle = nullptr;
    } else {
      d.handle = st->handles[i];
    }
    d.xid_registered = st->registered[i];
    c->devices_.push_back(std::move(d));
  }
  return c;
}

void GpuCollector::count_error(const std::string& gpu, std::string_view reason, std::uint64_t n) {
  {
    std::lock_guard lock(mu_);
    errors_[{gpu, std::string(reason)}] += n;
  }
  // A lost or hung GPU fails every sample: log a few lines per GPU and reason, then a count.
  log_.warn(gpu + ":" + std::string(reason), [&] {
    return fmt::format("gpu {}: NVML call failed: {}", gpu.empty() ? "events" : gpu, reason);
  });
}

void GpuCollector::poll_events(std::chrono::steady_clock::time_point deadline) {
  // Runs inside collect(), concurrently with the device reads, on its own pool key.
  if (!events_) return;
  struct Polled {
    std::vector<std::pair<nvml::Device, unsigned long long>> xids;
    nvml::Return last = nvml::kSuccess;
    std::uint64_t calls = 0;
  };
  auto polled = std::make_shared<Polled>();
  auto a = api_;
  auto set = events_;
  std::function<void()> fn = [polled, a, set] {
    for (unsigned i = 0; i < kMaxEventsPerSample; ++i) {
      nvml::EventData data{};
      ++polled->calls;
      const nvml::Return rc = a->event_set_wait(set, &data, 0);  // 0 ms: never blocks
      polled->last = rc;
      if (rc != nvml::kSuccess) return;
      if (data.eventType & nvml::kEventTypeXidCriticalError) {
        polled->xids.emplace_back(data.device, data.eventData);
      }
    }
  };
  auto call = pool_->submit("gpu:events", fn);
  const auto outcome = call->wait_until(deadline);
  events_stuck_ = outcome != core::BlockingPool::Outcome::done;
  if (outcome != core::BlockingPool::Outcome::done) {
    count_error("", outcome == core::BlockingPool::Outcome::timed_out ? "timeout" : "busy");
    return;
  }
  last_calls_ += polled->calls;
  if (polled->last != nvml::kSuccess && polled->last != nvml::kErrorTimeout) {
    count_error("", nvml::return_name(polled->last));
  }
  for (const auto& [dev, xid] : polled->xids) {
    for (auto& d : devices_) {
      if (d.handle == dev) d.last_xid = xid;
    }
  }
}

core::Status GpuCollector::collect() {
  last_calls_ = 0;
  struct Job {
    std::shared_ptr<Reading> reading;
    std::function<void()> fn;
    std::shared_ptr<core::BlockingPool::Call> call;
  };
  std::vector<Job> jobs(devices_.size());
  const auto deadline = std::chrono::steady_clock::now() + options_.call_timeout;
  for (std::size_t i = 0; i < devices_.size(); ++i) {
    Device& d = devices_[i];
    if (!d.handle) continue;
    ReadPlan plan;
    plan.enabled = enabled_;
    plan.processes = processes_enabled_;
    plan.need_static = !d.have_static;
    auto reading = std::make_shared<Reading>();
    auto a = api_;
    jobs[i].reading = reading;
    jobs[i].fn = [a, h = d.handle, plan, reading] { read_device(*a, h, plan, *reading); };
    jobs[i].call = pool_->submit("gpu:" + d.index_text, jobs[i].fn);
  }
  poll_events(deadline);  // shares the GPUs' deadline: a sample never waits twice
  core::SnapshotBuilder out;
  std::uint32_t processes_left = options_.max_processes;
  std::vector<std::string> stuck;
  for (std::size_t i = 0; i < devices_.size(); ++i) {
    Device& d = devices_[i];
    if (!jobs[i].call) continue;
    const auto outcome = jobs[i].call->wait_until(deadline);
    d.stuck = outcome != core::BlockingPool::Outcome::done;
    if (outcome != core::BlockingPool::Outcome::done) {
      // Timed out, or still stuck from an earlier sample: drop this GPU's series.
      const bool timed_out = outcome == core::BlockingPool::Outcome::timed_out;
      count_error(d.index_text, timed_out ? "timeout" : core::BlockingPool::outcome_name(outcome));
      stuck.push_back(d.index_text);
      continue;
    }
    const Reading& r = *jobs[i].reading;
    last_calls_ += r.calls;
    for (const auto& e : r.errors) count_error(d.index_text, e);
    if (r.lost) {
      count_error(d.index_text, r.lost_reason);
      continue;
    }
    if (r.static_read) {
      d.uuid = r.uuid;
      d.model = r.model;
      d.pci_bus_id = r.pci_bus_id;
      d.have_static = true;
    }
    emit(d, r, out, processes_left);
  }
  auto snap = std::make_shared<const core::Snapshot>(out.take());
  {
    std::lock_guard lock(mu_);
    latest_ = std::move(snap);
  }
  if (!stuck.empty()) {
    std::string which;
    for (const auto& s : stuck) which += (which.empty() ? "" : ",") + s;
    return core::error("NVML calls for GPU " + which + " did not return within " +
                       std::to_string(options_.call_timeout.count()) + "ms");
  }
  return core::ok();
}

void GpuCollector::emit(const Device& d, const Reading& r, core::SnapshotBuilder& out,
                        std::uint32_t& processes_left) {
  const std::string_view host_label = options_.hostname_label;
  const core::Label labels[] = {{"gpu", d.index_text},        {"UUID", d.uuid},
                                {"pci_bus_id", d.pci_bus_id}, {"device", d.device},
                                {"modelName", d.model},       {host_label, hostname_}};
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    if (!enabled_[f]) continue;
    std::optional<double> v = r.values[f];
    if (static_cast<Field>(f) == Field::xid_errors && d.xid_registered) {
      v = static_cast<double>(d.last_xid);
    }
    if (!v) continue;
    const FieldInfo& fi = field_info(static_cast<Field>(f));
    out.add(fi.name, fi.type, fi.help, labels, *v);
  }
  for (const MigReading& m : r.migs) {
    const std::string gi = std::to_string(m.gpu_instance_id);
    const core::Label mig_labels[] = {{"gpu", d.index_text},        {"UUID", d.uuid},
                                      {"pci_bus_id", d.pci_bus_id}, {"device", d.device},
                                      {"modelName", d.model},       {host_label, hostname_},
                                      {"GPU_I_PROFILE", m.profile}, {"GPU_I_ID", gi}};
    const std::pair<Field, const std::optional<double>*> fb[] = {
        {Field::fb_free, &m.fb.free},
        {Field::fb_used, &m.fb.used},
        {Field::fb_reserved, &m.fb.reserved}};
    for (const auto& [f, v] : fb) {
      if (!*v || !enabled_[static_cast<std::size_t>(f)]) continue;
      const FieldInfo& fi = field_info(f);
      out.add(fi.name, fi.type, fi.help, mig_labels, **v);
    }
  }
  if (info_enabled_) {
    const core::Label info[] = {
        {"gpu", d.index_text},           {"UUID", d.uuid},
        {"modelName", d.model},          {"driver_version", driver_version_},
        {"nvml_version", nvml_version_}, {"cuda_driver_version", cuda_driver_version_}};
    out.gauge(kInfoFamily, "sonde: NVIDIA GPU identity and driver versions, value 1.", info, 1);
  }
  std::uint64_t dropped = 0;
  for (const ProcReading& p : r.procs) {
    if (processes_left == 0) {
      ++dropped;
      continue;
    }
    --processes_left;
    const std::string pid = std::to_string(p.pid);
    const core::ProcessRef ref = core::read_process_ref(paths_.proc, p.pid);
    const core::Label pl[] = {{"gpu", d.index_text},
                              {"UUID", d.uuid},
                              {"pid", pid},
                              {"comm", ref.comm},
                              {"container_id", ref.container.container_id},
                              {"pod_uid", ref.container.pod_uid}};
    out.gauge(kProcessFamily,
              "sonde: GPU memory used by a process (compute or graphics context), in bytes.", pl,
              static_cast<double>(p.used));
  }
  if (dropped > 0) {
    std::lock_guard lock(mu_);
    processes_dropped_ += dropped;
  }
}

void GpuCollector::render_live(core::SnapshotBuilder& out) const {
  core::SnapshotPtr latest;
  std::map<std::pair<std::string, std::string>, std::uint64_t> errors;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    latest = latest_;
    errors = errors_;
    dropped = processes_dropped_;
  }
  out.gauge("sonde_gpu_available", "sonde: 1 if NVML was loaded and reports at least one GPU.", {},
            1);
  for (const auto& [key, n] : errors) {
    const core::Label l[] = {{"gpu", key.first}, {"reason", key.second}};
    out.counter("sonde_gpu_errors_total",
                "sonde: NVML calls that failed, by GPU index (empty: not GPU-specific) and "
                "reason.",
                l, static_cast<double>(n));
  }
  out.counter("sonde_gpu_process_series_dropped_total",
              "sonde: GPU processes not exported because gpu.max_processes was reached.", {},
              static_cast<double>(dropped));
  if (!latest) return;
  for (const auto& fam : latest->families) {
    for (const auto& s : fam.samples) out.add_raw(fam.name, fam.type, fam.help, s.series, s.value);
  }
}

void render_unavailable(core::SnapshotBuilder& out) {
  out.gauge("sonde_gpu_available", "sonde: 1 if NVML was loaded and reports at least one GPU.", {},
            0);
}

}  // namespace sonde::gpu
