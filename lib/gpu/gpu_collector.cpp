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
#include "core/read_file.hpp"
#include "core/regex.hpp"

namespace sonde::gpu {

namespace {

using core::MetricType;
constexpr auto kGauge = MetricType::gauge;
constexpr auto kCounter = MetricType::counter;

// Names, types and help texts from dcgm-exporter's etc/default-counters.csv (the NVML-backed
// fields) and, for the extras operators commonly enable, the commented-out lines of that file
// and DCGM's field list (dcgm_fields.h). Units are dcgm-exporter's: MiB, W, mJ, MHz, C, %.
constexpr FieldInfo kFields[kFieldCount] = {
    {"DCGM_FI_DEV_SM_CLOCK", kGauge, "SM clock frequency (in MHz)."},
    {"DCGM_FI_DEV_MEM_CLOCK", kGauge, "Memory clock frequency (in MHz)."},
    {"DCGM_FI_DEV_MEMORY_TEMP", kGauge, "Memory temperature (in C)."},
    {"DCGM_FI_DEV_GPU_TEMP", kGauge, "GPU temperature (in C)."},
    {"DCGM_FI_DEV_POWER_USAGE", kGauge, "Power draw (in W)."},
    {"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", kCounter,
     "Total energy consumption since boot (in mJ)."},
    {"DCGM_FI_DEV_PCIE_REPLAY_COUNTER", kCounter, "Total number of PCIe retries."},
    {"DCGM_FI_DEV_GPU_UTIL", kGauge, "GPU utilization (in %)."},
    {"DCGM_FI_DEV_MEM_COPY_UTIL", kGauge, "Memory utilization (in %)."},
    {"DCGM_FI_DEV_ENC_UTIL", kGauge, "Encoder utilization (in %)."},
    {"DCGM_FI_DEV_DEC_UTIL", kGauge, "Decoder utilization (in %)."},
    {"DCGM_FI_DEV_XID_ERRORS", kGauge, "Value of the last XID error encountered."},
    {"DCGM_FI_DEV_FB_FREE", kGauge, "Framebuffer memory free (in MiB)."},
    {"DCGM_FI_DEV_FB_USED", kGauge, "Framebuffer memory used (in MiB)."},
    {"DCGM_FI_DEV_FB_RESERVED", kGauge, "Framebuffer memory reserved (in MiB)."},
    {"DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", kCounter,
     "Number of remapped rows for uncorrectable errors"},
    {"DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", kCounter,
     "Number of remapped rows for correctable errors"},
    {"DCGM_FI_DEV_ROW_REMAP_FAILURE", kGauge, "Whether remapping of rows has failed"},
    {"DCGM_FI_DEV_CLOCKS_EVENT_REASONS", kGauge,
     "Current clock event reasons (bitmask of DCGM_CLOCKS_EVENT_REASON_*)."},
    {"DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", kCounter, "Total number of single-bit volatile ECC errors."},
    {"DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", kCounter, "Total number of double-bit volatile ECC errors."},
    {"DCGM_FI_DEV_POWER_MGMT_LIMIT", kGauge, "Current power limit for the device (in W)."},
    {"DCGM_FI_DEV_FAN_SPEED", kGauge, "Fan speed for the device in percent 0-100."},
    {"DCGM_FI_PROF_PCIE_TX_BYTES", kGauge,
     "The rate of data transmitted over the PCIe bus - including both protocol headers and data "
     "payloads - in bytes per second."},
    {"DCGM_FI_PROF_PCIE_RX_BYTES", kGauge,
     "The rate of data received over the PCIe bus - including both protocol headers and data "
     "payloads - in bytes per second."},
};

constexpr std::string_view kProcessFamily = "sonde_gpu_process_memory_used_bytes";
constexpr std::string_view kInfoFamily = "sonde_gpu_info";
// Bounds on what one NVML answer may make sonde allocate.
constexpr unsigned kMaxProcessesPerCall = 4096;
constexpr unsigned kMaxEventsPerSample = 64;
constexpr unsigned kMaxMigDevices = 64;
// Workers: one per GPU key plus the event poll; threads start on demand.
constexpr std::size_t kPoolWorkers = 65;

}  // namespace

const FieldInfo& field_info(Field f) { return kFields[static_cast<std::size_t>(f)]; }

std::string mig_profile_name(unsigned slices, unsigned long long memory_mib) {
  const unsigned long long gib = (memory_mib + 1023) / 1024;
  return std::to_string(slices) + "g." + std::to_string(gib) + "gb";
}

/// Frame buffer memory in MiB; a part NVML cannot give is absent.
struct FbMemory {
  std::optional<double> free, used, reserved;
};

struct MigReading {
  unsigned gpu_instance_id = 0;
  std::string profile;
  FbMemory fb;
};

struct ProcReading {
  unsigned pid = 0;
  unsigned long long used = 0;  // bytes
};

struct Reading {
  bool lost = false;  // GPU_IS_LOST (or another error that makes the device unusable)
  std::string lost_reason;
  std::array<std::optional<double>, kFieldCount> values{};
  std::vector<std::string> errors;  // reasons of failed calls (counted, field absent)
  bool static_read = false;
  std::string uuid, model, pci_bus_id;
  std::vector<ProcReading> procs;
  std::vector<MigReading> migs;
  std::uint64_t calls = 0;

  // True on success. NOT_SUPPORTED and FUNCTION_NOT_FOUND mean "this device or driver cannot
  // say": the field is absent and nothing is counted. GPU_IS_LOST drops the whole GPU.
  bool ok(nvml::Return r, bool is_call = true) {
    if (is_call) ++calls;
    if (r == nvml::kSuccess) return true;
    if (r == nvml::kErrorNotSupported || r == nvml::kErrorFunctionNotFound) return false;
    if (r == nvml::kErrorGpuIsLost || r == nvml::kErrorUninitialized ||
        r == nvml::kErrorResetRequired) {
      if (!lost) lost_reason = nvml::return_name(r);
      lost = true;
      return false;
    }
    errors.emplace_back(nvml::return_name(r));
    return false;
  }
  void set(Field f, double v) { values[static_cast<std::size_t>(f)] = v; }
};

namespace {

struct ReadPlan {
  std::array<bool, kFieldCount> enabled{};
  bool processes = true;
  bool need_static = false;
};

bool on(const ReadPlan& p, Field f) { return p.enabled[static_cast<std::size_t>(f)]; }

FbMemory read_memory(const NvmlApi& api, nvml::Device h, Reading& r) {
  FbMemory fb;
  if (api.memory_v2) {
    nvml::MemoryV2 m{};
    m.version = nvml::kMemoryV2Version;
    if (r.ok(api.memory_v2(h, &m))) {
      // nvml.h: "The nvmlMemory_v2_t.used amount also includes the nvmlMemory_v2_t.reserved
      // amount". DCGM_FI_DEV_FB_USED excludes it (an idle T4 shows FB_USED 0, FB_RESERVED 447,
      // FB_FREE 14912 of 15360 MiB), so used + free + reserved = total. Integer MiB, truncated.
      const unsigned long long used = m.used > m.reserved ? m.used - m.reserved : 0;
      fb.free = static_cast<double>(m.free / (1024 * 1024));
      fb.used = static_cast<double>(used / (1024 * 1024));
      fb.reserved = static_cast<double>(m.reserved / (1024 * 1024));
      return fb;
    }
    if (r.lost) return fb;
  }
  if (api.memory_v1) {
    nvml::Memory m{};
    // v1 (old drivers): used is "Sum of Reserved and Allocated device memory" and the reserved
    // part is unknown, so FB_USED includes it and FB_RESERVED is absent.
    if (r.ok(api.memory_v1(h, &m))) {
      fb.free = static_cast<double>(m.free / (1024 * 1024));
      fb.used = static_cast<double>(m.used / (1024 * 1024));
    }
  }
  return fb;
}

// Appends the processes one call reports (pid -> bytes, the larger if listed twice).
void read_processes(nvml::DeviceGetProcessesFn fn, ProcessApi kind, nvml::Device h, Reading& r,
                    std::map<unsigned, unsigned long long>& out) {
  if (!fn || kind == ProcessApi::none) return;
  const std::size_t elem =
      kind == ProcessApi::v2 ? sizeof(nvml::ProcessInfoV2) : sizeof(nvml::ProcessInfoV1);
  unsigned capacity = 32;
  std::vector<unsigned char> buf;
  for (int attempt = 0; attempt < 2; ++attempt) {
    buf.assign(static_cast<std::size_t>(capacity) * elem, 0);
    unsigned count = capacity;
    const nvml::Return rc = fn(h, &count, buf.data());
    if (rc == nvml::kErrorInsufficientSize && attempt == 0) {
      ++r.calls;
      // Processes may start between the calls: leave some headroom.
      capacity = std::min(count + 8, kMaxProcessesPerCall);
      continue;
    }
    if (!r.ok(rc)) return;
    count = std::min(count, capacity);
    for (unsigned i = 0; i < count; ++i) {
      unsigned pid = 0;
      unsigned long long used = 0;
      if (kind == ProcessApi::v2) {
        nvml::ProcessInfoV2 p;
        std::memcpy(&p, buf.data() + i * elem, sizeof p);
        pid = p.pid;
        used = p.usedGpuMemory;
      } else {
        nvml::ProcessInfoV1 p;
        std::memcpy(&p, buf.data() + i * elem, sizeof p);
        pid = p.pid;
        used = p.usedGpuMemory;
      }
      if (used == nvml::kValueNotAvailable) used = 0;
      auto [it, fresh] = out.emplace(pid, used);
      if (!fresh) it->second = std::max(it->second, used);
    }
    return;
  }
}

// Every NVML call for one GPU. Runs on a pool worker; touches only `r` and the API table.
void read_device(const NvmlApi& api, nvml::Device h, const ReadPlan& plan, Reading& r) {
  if (plan.need_static) {
    char buf[nvml::kNameBufferSize] = {};
    if (api.uuid && r.ok(api.uuid(h, buf, sizeof buf))) r.uuid = buf;
    if (r.lost) return;
    std::memset(buf, 0, sizeof buf);
    if (api.name && r.ok(api.name(h, buf, sizeof buf))) r.model = buf;
    if (r.lost) return;
    nvml::PciInfo pci{};
    if (api.pci_info && r.ok(api.pci_info(h, &pci))) {
      pci.busId[sizeof pci.busId - 1] = '\0';
      r.pci_bus_id = pci.busId;
    }
    if (r.lost) return;
    r.static_read = true;
  }
  unsigned u = 0, period = 0;
  unsigned long long ull = 0;
  if (api.utilization && (on(plan, Field::gpu_util) || on(plan, Field::mem_copy_util))) {
    nvml::Utilization ut{};
    if (r.ok(api.utilization(h, &ut))) {
      r.set(Field::gpu_util, ut.gpu);
      r.set(Field::mem_copy_util, ut.memory);
    }
    if (r.lost) return;  // the first call tells whether the GPU is still there
  }
  if (api.encoder_utilization && on(plan, Field::enc_util) &&
      r.ok(api.encoder_utilization(h, &u, &period))) {
    r.set(Field::enc_util, u);
  }
  if (api.decoder_utilization && on(plan, Field::dec_util) &&
      r.ok(api.decoder_utilization(h, &u, &period))) {
    r.set(Field::dec_util, u);
  }
  if (on(plan, Field::fb_free) || on(plan, Field::fb_used) || on(plan, Field::fb_reserved)) {
    const FbMemory fb = read_memory(api, h, r);
    if (fb.free) r.set(Field::fb_free, *fb.free);
    if (fb.used) r.set(Field::fb_used, *fb.used);
    if (fb.reserved) r.set(Field::fb_reserved, *fb.reserved);
  }
  if (api.temperature && on(plan, Field::gpu_temp) &&
      r.ok(api.temperature(h, nvml::kTemperatureGpu, &u))) {
    r.set(Field::gpu_temp, u);
  }
  if (api.field_values && on(plan, Field::memory_temp)) {
    nvml::FieldValue fv{};
    fv.fieldId = nvml::kFieldMemoryTemp;
    // The per-field result is not a second call.
    if (r.ok(api.field_values(h, 1, &fv)) && r.ok(fv.nvmlReturn, /*is_call=*/false)) {
      switch (fv.valueType) {
        case nvml::kValueTypeDouble:
          r.set(Field::memory_temp, fv.value.dVal);
          break;
        case nvml::kValueTypeUnsignedInt:
          r.set(Field::memory_temp, fv.value.uiVal);
          break;
        case nvml::kValueTypeUnsignedLong:
          r.set(Field::memory_temp, static_cast<double>(fv.value.ulVal));
          break;
        case nvml::kValueTypeUnsignedLongLong:
          r.set(Field::memory_temp, static_cast<double>(fv.value.ullVal));
          break;
        case nvml::kValueTypeSignedLongLong:
          r.set(Field::memory_temp, static_cast<double>(fv.value.sllVal));
          break;
        case nvml::kValueTypeSignedInt:
          r.set(Field::memory_temp, fv.value.siVal);
          break;
        default:
          r.errors.emplace_back("bad_value_type");
          break;
      }
    }
  }
  // NVML: milliwatts; dcgm-exporter: watts.
  if (api.power_usage && on(plan, Field::power_usage) && r.ok(api.power_usage(h, &u))) {
    r.set(Field::power_usage, u / 1000.0);
  }
  // NVML: millijoules since the driver was last reloaded; dcgm-exporter: mJ too.
  if (api.total_energy && on(plan, Field::total_energy) && r.ok(api.total_energy(h, &ull))) {
    r.set(Field::total_energy, static_cast<double>(ull));
  }
  if (api.clock_info && on(plan, Field::sm_clock) && r.ok(api.clock_info(h, nvml::kClockSm, &u))) {
    r.set(Field::sm_clock, u);
  }
  if (api.clock_info && on(plan, Field::mem_clock) &&
      r.ok(api.clock_info(h, nvml::kClockMem, &u))) {
    r.set(Field::mem_clock, u);
  }
  if (api.pcie_replay && on(plan, Field::pcie_replay) && r.ok(api.pcie_replay(h, &u))) {
    r.set(Field::pcie_replay, u);
  }
  if (api.remapped_rows &&
      (on(plan, Field::correctable_remapped_rows) || on(plan, Field::uncorrectable_remapped_rows) ||
       on(plan, Field::row_remap_failure))) {
    unsigned corr = 0, unc = 0, pending = 0, failure = 0;
    if (r.ok(api.remapped_rows(h, &corr, &unc, &pending, &failure))) {
      r.set(Field::correctable_remapped_rows, corr);
      r.set(Field::uncorrectable_remapped_rows, unc);
      r.set(Field::row_remap_failure, failure);
    }
  }
  if (api.clocks_event_reasons && on(plan, Field::clocks_event_reasons) &&
      r.ok(api.clocks_event_reasons(h, &ull))) {
    r.set(Field::clocks_event_reasons, static_cast<double>(ull));
  }
  if (api.total_ecc_errors && on(plan, Field::ecc_sbe_vol_total) &&
      r.ok(api.total_ecc_errors(h, nvml::kMemoryErrorCorrected, nvml::kVolatileEcc, &ull))) {
    r.set(Field::ecc_sbe_vol_total, static_cast<double>(ull));
  }
  if (api.total_ecc_errors && on(plan, Field::ecc_dbe_vol_total) &&
      r.ok(api.total_ecc_errors(h, nvml::kMemoryErrorUncorrected, nvml::kVolatileEcc, &ull))) {
    r.set(Field::ecc_dbe_vol_total, static_cast<double>(ull));
  }
  if (api.power_limit && on(plan, Field::power_mgmt_limit) && r.ok(api.power_limit(h, &u))) {
    r.set(Field::power_mgmt_limit, u / 1000.0);  // mW -> W
  }
  if (api.fan_speed && on(plan, Field::fan_speed) && r.ok(api.fan_speed(h, &u))) {
    r.set(Field::fan_speed, u);
  }
  // NVML: KB/s ("1KB granularity", KB = 1024 bytes); DCGM_FI_PROF_PCIE_*_BYTES: bytes/s.
  if (api.pcie_throughput && on(plan, Field::pcie_tx_bytes) &&
      r.ok(api.pcie_throughput(h, nvml::kPcieUtilTxBytes, &u))) {
    r.set(Field::pcie_tx_bytes, u * 1024.0);
  }
  if (api.pcie_throughput && on(plan, Field::pcie_rx_bytes) &&
      r.ok(api.pcie_throughput(h, nvml::kPcieUtilRxBytes, &u))) {
    r.set(Field::pcie_rx_bytes, u * 1024.0);
  }
  if (r.lost) return;
  if (plan.processes) {
    std::map<unsigned, unsigned long long> procs;
    read_processes(api.compute_processes, api.compute_processes_api, h, r, procs);
    read_processes(api.graphics_processes, api.graphics_processes_api, h, r, procs);
    for (const auto& [pid, used] : procs) r.procs.push_back({pid, used});
  }
  if (r.lost) return;
  // MIG: each GPU instance's framebuffer, labelled GPU_I_ID / GPU_I_PROFILE.
  unsigned current = 0, pending = 0, max_mig = 0;
  if (api.mig_mode && api.max_mig_device_count && api.mig_device_handle &&
      (on(plan, Field::fb_free) || on(plan, Field::fb_used) || on(plan, Field::fb_reserved)) &&
      r.ok(api.mig_mode(h, &current, &pending)) && current == nvml::kDeviceMigEnable &&
      r.ok(api.max_mig_device_count(h, &max_mig))) {
    max_mig = std::min(max_mig, kMaxMigDevices);
    for (unsigned i = 0; i < max_mig && !r.lost; ++i) {
      nvml::Device mig = nullptr;
      const nvml::Return rc = api.mig_device_handle(h, i, &mig);
      if (rc == nvml::kErrorNotFound || rc == nvml::kErrorInvalidArgument) {
        ++r.calls;  // an empty slot
        continue;
      }
      if (!r.ok(rc)) continue;
      MigReading m;
      if (!api.gpu_instance_id || !r.ok(api.gpu_instance_id(mig, &m.gpu_instance_id))) continue;
      nvml::DeviceAttributes attr{};
      if (api.attributes && r.ok(api.attributes(mig, &attr))) {
        m.profile = mig_profile_name(attr.gpuInstanceSliceCount, attr.memorySizeMB);
      }
      m.fb = read_memory(api, mig, r);
      r.migs.push_back(std::move(m));
    }
  }
}

std::string read_line(const std::filesystem::path& p) {
  auto t = core::read_text(p, 4096);
  if (!t) return {};
  std::string s = std::move(*t);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

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
  for (std::size_t i = 0; i < kFieldCount; ++i) enabled_[i] = re.matches(kFields[i].name);
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
        st->count = std::min(st->count, 64u);
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
    out.add(kFields[f].name, kFields[f].type, kFields[f].help, labels, *v);
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
    const auto dir = paths_.proc / pid;
    const std::string comm = read_line(dir / "comm");
    core::ContainerRef ref;
    if (auto cg = core::read_text(dir / "cgroup", 64 * 1024)) ref = core::parse_cgroup(*cg);
    const core::Label pl[] = {{"gpu", d.index_text},
                              {"UUID", d.uuid},
                              {"pid", pid},
                              {"comm", comm},
                              {"container_id", ref.container_id},
                              {"pod_uid", ref.pod_uid}};
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
