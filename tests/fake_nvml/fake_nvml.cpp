// A fake libnvidia-ml for tests: exports NVML's C symbols (the subset sonde resolves) and serves
// devices described by a JSON fixture named by $SONDE_FAKE_NVML_FIXTURE, in NVML's native units
// (bytes, mW, mJ, KB/s, MHz, C), so sonde's conversions are tested rather than assumed. Struct
// layouts come from sonde's lib/gpu/nvml_api.hpp, whose every declaration cites nvml.h 12.2.
//
// Built twice: fake_nvml exports the current versioned symbols (and, as a real driver does, the
// unversioned ones with their old layouts); fake_nvml_old (FAKE_NVML_OLD) exports only the old
// unversioned symbols and lacks the newer entry points, as an old driver does.
//
// Fixture (see tests/fixtures/gpu/fake_nvml.json): {"driver_version", "nvml_version",
// "cuda_driver_version": int, "init_error": int, "devices": [{"name", "uuid", "pci_bus_id",
// "utilization": [gpu, memory], "encoder", "decoder", "memory": {"total","reserved","free",
// "used"}, "temperature", "memory_temperature", "power_mw", "power_limit_mw", "energy_mj",
// "sm_clock", "mem_clock", "pcie_replay", "remapped_rows": [corr, unc, pending, failure],
// "clocks_event_reasons", "ecc_sbe_volatile", "ecc_dbe_volatile", "fan_speed", "pcie_tx_kbps",
// "pcie_rx_kbps", "not_supported": [field names above], "compute_processes": [[pid, bytes]],
// "graphics_processes": [[pid, bytes]], "xid": [xid, ...], "lost_after_samples": N,
// "hang_ms": ms (nvmlDeviceGetPowerUsage sleeps), "hang_until_file": path (it blocks until the
// file exists), "mig": [{"gpu_instance_id", "slices",
// "memory_mb", "memory": {...}}]}]}. A sample is counted at each nvmlDeviceGetUtilizationRates.
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gpu/nvml_api.hpp"

namespace n = sonde::gpu::nvml;
using nlohmann::json;

namespace {

struct MigDev {
  unsigned gi = 0, slices = 0;
  unsigned long long memory_mb = 0;
  json memory;
};

struct Dev {
  json j;
  unsigned index = 0;
  unsigned samples = 0;
  std::vector<MigDev> migs;
  bool xid_registered = false;
  std::size_t xid_delivered = 0;
};

struct State {
  std::mutex mu;
  bool loaded = false;
  bool initialised = false;
  json root;
  std::vector<Dev> devs;  // never resized after load: handles point into it
  std::vector<MigDev*> mig_handles;
};

State& state() {
  static State s;
  return s;
}

void load_locked(State& s) {
  if (s.loaded) return;
  s.loaded = true;
  const char* path = std::getenv("SONDE_FAKE_NVML_FIXTURE");
  if (!path) return;
  std::ifstream in(path);
  if (!in) return;
  s.root = json::parse(in, nullptr, false);
  if (s.root.is_discarded() || !s.root.is_object()) {
    s.root = json::object();
    return;
  }
  const json devices = s.root.value("devices", json::array());
  s.devs.resize(devices.size());
  for (std::size_t i = 0; i < devices.size(); ++i) {
    s.devs[i].j = devices[i];
    s.devs[i].index = static_cast<unsigned>(i);
    for (const auto& m : devices[i].value("mig", json::array())) {
      s.devs[i].migs.push_back({m.value("gpu_instance_id", 0u), m.value("slices", 0u),
                                m.value("memory_mb", 0ull), m.value("memory", json::object())});
    }
  }
}

// Device handles are pointers to Dev (or, tagged by lookup, to MigDev).
Dev* dev(n::Device d) {
  State& s = state();
  for (auto& x : s.devs) {
    if (reinterpret_cast<n::Device>(&x) == d) return &x;
  }
  return nullptr;
}
MigDev* mig(n::Device d) {
  State& s = state();
  for (auto& x : s.devs) {
    for (auto& m : x.migs) {
      if (reinterpret_cast<n::Device>(&m) == d) return &m;
    }
  }
  return nullptr;
}

bool lost(const Dev& d) {
  return d.j.contains("lost_after_samples") &&
         d.samples > d.j["lost_after_samples"].get<unsigned>();
}

// Common prologue of a device query: checks init and the handle, reports lost and
// not-supported fields. Returns kSuccess when the caller should answer.
n::Return check(n::Device h, Dev*& d, const char* field) {
  State& s = state();
  if (!s.initialised) return n::kErrorUninitialized;
  d = dev(h);
  if (!d) return n::kErrorInvalidArgument;
  if (lost(*d)) return n::kErrorGpuIsLost;
  if (field) {
    for (const auto& f : d->j.value("not_supported", json::array())) {
      if (f == field) return n::kErrorNotSupported;
    }
    if (!d->j.contains(field)) return n::kErrorNotSupported;
  }
  return n::kSuccess;
}

void copy_string(const std::string& v, char* out, unsigned len) {
  if (len == 0) return;
  std::strncpy(out, v.c_str(), len - 1);
  out[len - 1] = '\0';
}

n::Return memory_of(const json& m, unsigned long long& total, unsigned long long& reserved,
                    unsigned long long& free, unsigned long long& used) {
  total = m.value("total", 0ull);
  reserved = m.value("reserved", 0ull);
  free = m.value("free", 0ull);
  used = m.value("used", 0ull);
  return n::kSuccess;
}

n::Return processes(n::Device h, unsigned* count, void* infos, const char* key, bool v2) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, nullptr); rc != n::kSuccess) return rc;
  if (!count) return n::kErrorInvalidArgument;
  const json list = d->j.value(key, json::array());
  const auto needed = static_cast<unsigned>(list.size());
  if (*count < needed) {
    *count = needed;
    return n::kErrorInsufficientSize;
  }
  *count = needed;
  for (unsigned i = 0; i < needed; ++i) {
    const unsigned pid = list[i][0].get<unsigned>();
    const unsigned long long used = list[i][1].get<unsigned long long>();
    if (v2) {
      n::ProcessInfoV2 p{pid, used, 0xFFFFFFFFu, 0xFFFFFFFFu};
      std::memcpy(static_cast<unsigned char*>(infos) + i * sizeof p, &p, sizeof p);
    } else {
      n::ProcessInfoV1 p{pid, used};
      std::memcpy(static_cast<unsigned char*>(infos) + i * sizeof p, &p, sizeof p);
    }
  }
  return n::kSuccess;
}

template <class T>
n::Return scalar(n::Device h, const char* field, T* out) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, field); rc != n::kSuccess) return rc;
  if (!out) return n::kErrorInvalidArgument;
  *out = d->j[field].get<T>();
  return n::kSuccess;
}

n::Return init_common() {
  State& s = state();
  std::lock_guard lock(s.mu);
  load_locked(s);
  if (const int e = s.root.value("init_error", 0); e != 0) return e;
  s.initialised = true;
  return n::kSuccess;
}

n::Return count_common(unsigned* c) {
  std::lock_guard lock(state().mu);
  if (!state().initialised) return n::kErrorUninitialized;
  if (!c) return n::kErrorInvalidArgument;
  *c = static_cast<unsigned>(state().devs.size());
  return n::kSuccess;
}

n::Return handle_common(unsigned i, n::Device* out) {
  std::lock_guard lock(state().mu);
  State& s = state();
  if (!s.initialised) return n::kErrorUninitialized;
  if (i >= s.devs.size() || !out) return n::kErrorInvalidArgument;
  *out = reinterpret_cast<n::Device>(&s.devs[i]);
  return n::kSuccess;
}

struct FakeEventSet {};
FakeEventSet g_set;

}  // namespace

extern "C" {

#define EXPORT __attribute__((visibility("default")))

EXPORT n::Return nvmlInit() { return init_common(); }
EXPORT n::Return nvmlShutdown() { return n::kSuccess; }
EXPORT const char* nvmlErrorString(n::Return r) { return n::return_name(r); }
EXPORT n::Return nvmlDeviceGetCount(unsigned* c) { return count_common(c); }
EXPORT n::Return nvmlDeviceGetHandleByIndex(unsigned i, n::Device* d) {
  return handle_common(i, d);
}

EXPORT n::Return nvmlSystemGetDriverVersion(char* out, unsigned len) {
  std::lock_guard lock(state().mu);
  copy_string(state().root.value("driver_version", ""), out, len);
  return n::kSuccess;
}
EXPORT n::Return nvmlSystemGetNVMLVersion(char* out, unsigned len) {
  std::lock_guard lock(state().mu);
  copy_string(state().root.value("nvml_version", ""), out, len);
  return n::kSuccess;
}
EXPORT n::Return nvmlSystemGetCudaDriverVersion(int* v) {
  std::lock_guard lock(state().mu);
  *v = state().root.value("cuda_driver_version", 0);
  return n::kSuccess;
}

EXPORT n::Return nvmlDeviceGetName(n::Device h, char* out, unsigned len) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, "name"); rc != n::kSuccess) return rc;
  copy_string(d->j["name"].get<std::string>(), out, len);
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetUUID(n::Device h, char* out, unsigned len) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, "uuid"); rc != n::kSuccess) return rc;
  copy_string(d->j["uuid"].get<std::string>(), out, len);
  return n::kSuccess;
}

EXPORT n::Return nvmlDeviceGetUtilizationRates(n::Device h, n::Utilization* u) {
  std::lock_guard lock(state().mu);
  if (Dev* x = dev(h)) x->samples++;
  Dev* d = nullptr;
  if (auto rc = check(h, d, "utilization"); rc != n::kSuccess) return rc;
  u->gpu = d->j["utilization"][0].get<unsigned>();
  u->memory = d->j["utilization"][1].get<unsigned>();
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetEncoderUtilization(n::Device h, unsigned* u, unsigned* period) {
  *period = 167000;
  return scalar(h, "encoder", u);
}
EXPORT n::Return nvmlDeviceGetDecoderUtilization(n::Device h, unsigned* u, unsigned* period) {
  *period = 167000;
  return scalar(h, "decoder", u);
}
EXPORT n::Return nvmlDeviceGetMemoryInfo(n::Device h, n::Memory* m) {
  std::lock_guard lock(state().mu);
  unsigned long long reserved = 0;
  if (MigDev* md = mig(h)) return memory_of(md->memory, m->total, reserved, m->free, m->used);
  Dev* d = nullptr;
  if (auto rc = check(h, d, "memory"); rc != n::kSuccess) return rc;
  return memory_of(d->j["memory"], m->total, reserved, m->free, m->used);
}
EXPORT n::Return nvmlDeviceGetTemperature(n::Device h, int sensor, unsigned* t) {
  if (sensor != n::kTemperatureGpu) return n::kErrorInvalidArgument;
  return scalar(h, "temperature", t);
}
EXPORT n::Return nvmlDeviceGetPowerUsage(n::Device h, unsigned* mw) {
  unsigned hang = 0;
  std::string until;
  {
    std::lock_guard lock(state().mu);
    if (Dev* d = dev(h)) {
      hang = d->j.value("hang_ms", 0u);
      until = d->j.value("hang_until_file", std::string());
    }
  }
  // Simulates a sick GPU: the call blocks (outside the lock, as a driver call would), for a
  // time or until the test creates a file (at most a minute, so a broken test cannot hang).
  if (hang) std::this_thread::sleep_for(std::chrono::milliseconds(hang));
  for (int i = 0; !until.empty() && i < 12000 && !std::filesystem::exists(until); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return scalar(h, "power_mw", mw);
}
EXPORT n::Return nvmlDeviceGetPowerManagementLimit(n::Device h, unsigned* mw) {
  return scalar(h, "power_limit_mw", mw);
}
EXPORT n::Return nvmlDeviceGetTotalEnergyConsumption(n::Device h, unsigned long long* mj) {
  return scalar(h, "energy_mj", mj);
}
EXPORT n::Return nvmlDeviceGetClockInfo(n::Device h, int type, unsigned* mhz) {
  if (type == n::kClockSm) return scalar(h, "sm_clock", mhz);
  if (type == n::kClockMem) return scalar(h, "mem_clock", mhz);
  return n::kErrorNotSupported;
}
EXPORT n::Return nvmlDeviceGetPcieReplayCounter(n::Device h, unsigned* v) {
  return scalar(h, "pcie_replay", v);
}
EXPORT n::Return nvmlDeviceGetPcieThroughput(n::Device h, int counter, unsigned* kbps) {
  if (counter == n::kPcieUtilTxBytes) return scalar(h, "pcie_tx_kbps", kbps);
  if (counter == n::kPcieUtilRxBytes) return scalar(h, "pcie_rx_kbps", kbps);
  return n::kErrorInvalidArgument;
}
EXPORT n::Return nvmlDeviceGetFanSpeed(n::Device h, unsigned* pct) {
  return scalar(h, "fan_speed", pct);
}
EXPORT n::Return nvmlDeviceGetTotalEccErrors(n::Device h, int type, int counter,
                                             unsigned long long* v) {
  if (counter != n::kVolatileEcc) return n::kErrorNotSupported;
  return scalar(h, type == n::kMemoryErrorCorrected ? "ecc_sbe_volatile" : "ecc_dbe_volatile", v);
}
EXPORT n::Return nvmlDeviceGetCurrentClocksThrottleReasons(n::Device h, unsigned long long* v) {
  return scalar(h, "clocks_event_reasons", v);
}
EXPORT n::Return nvmlDeviceGetComputeRunningProcesses(n::Device h, unsigned* c, void* p) {
  return processes(h, c, p, "compute_processes", false);
}
EXPORT n::Return nvmlDeviceGetGraphicsRunningProcesses(n::Device h, unsigned* c, void* p) {
  return processes(h, c, p, "graphics_processes", false);
}

EXPORT n::Return nvmlEventSetCreate(n::EventSet* set) {
  *set = reinterpret_cast<n::EventSet>(&g_set);
  return n::kSuccess;
}
EXPORT n::Return nvmlEventSetFree(n::EventSet) { return n::kSuccess; }
EXPORT n::Return nvmlDeviceRegisterEvents(n::Device h, unsigned long long types, n::EventSet) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, nullptr); rc != n::kSuccess) return rc;
  if (!(types & n::kEventTypeXidCriticalError)) return n::kErrorNotSupported;
  if (!d->j.contains("xid")) return n::kErrorNotSupported;
  d->xid_registered = true;
  return n::kSuccess;
}
static n::Return event_wait(n::EventData* data) {
  std::lock_guard lock(state().mu);
  for (auto& d : state().devs) {
    if (!d.xid_registered) continue;
    const json xids = d.j.value("xid", json::array());
    if (d.xid_delivered < xids.size()) {
      data->device = reinterpret_cast<n::Device>(&d);
      data->eventType = n::kEventTypeXidCriticalError;
      data->eventData = xids[d.xid_delivered++].get<unsigned long long>();
      data->gpuInstanceId = 0xFFFFFFFFu;
      data->computeInstanceId = 0xFFFFFFFFu;
      return n::kSuccess;
    }
  }
  return n::kErrorTimeout;
}

#ifndef FAKE_NVML_OLD
EXPORT n::Return nvmlEventSetWait(n::EventSet, n::EventData* data, unsigned) {
  return event_wait(data);
}
EXPORT n::Return nvmlInit_v2() { return init_common(); }
EXPORT n::Return nvmlDeviceGetCount_v2(unsigned* c) { return count_common(c); }
EXPORT n::Return nvmlDeviceGetHandleByIndex_v2(unsigned i, n::Device* d) {
  return handle_common(i, d);
}
EXPORT n::Return nvmlSystemGetCudaDriverVersion_v2(int* v) {
  return nvmlSystemGetCudaDriverVersion(v);
}
EXPORT n::Return nvmlEventSetWait_v2(n::EventSet, n::EventData* data, unsigned) {
  return event_wait(data);
}
EXPORT n::Return nvmlDeviceGetPciInfo_v3(n::Device h, n::PciInfo* pci) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, "pci_bus_id"); rc != n::kSuccess) return rc;
  std::memset(pci, 0, sizeof *pci);
  copy_string(d->j["pci_bus_id"].get<std::string>(), pci->busId, sizeof pci->busId);
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetMemoryInfo_v2(n::Device h, n::MemoryV2* m) {
  std::lock_guard lock(state().mu);
  // A real driver rejects a struct whose version it does not know.
  if (m->version != n::kMemoryV2Version) return 25;  // NVML_ERROR_ARGUMENT_VERSION_MISMATCH
  if (MigDev* md = mig(h)) return memory_of(md->memory, m->total, m->reserved, m->free, m->used);
  Dev* d = nullptr;
  if (auto rc = check(h, d, "memory"); rc != n::kSuccess) return rc;
  return memory_of(d->j["memory"], m->total, m->reserved, m->free, m->used);
}
EXPORT n::Return nvmlDeviceGetFieldValues(n::Device h, int count, n::FieldValue* values) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, nullptr); rc != n::kSuccess) return rc;
  for (int i = 0; i < count; ++i) {
    n::FieldValue& v = values[i];
    if (v.fieldId != n::kFieldMemoryTemp || !d->j.contains("memory_temperature")) {
      v.nvmlReturn = n::kErrorNotSupported;
      continue;
    }
    bool unsupported = false;
    for (const auto& f : d->j.value("not_supported", json::array())) {
      unsupported = unsupported || f == "memory_temperature";
    }
    if (unsupported) {
      v.nvmlReturn = n::kErrorNotSupported;
      continue;
    }
    v.nvmlReturn = n::kSuccess;
    v.valueType = n::kValueTypeUnsignedInt;
    v.value.uiVal = d->j["memory_temperature"].get<unsigned>();
  }
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetRemappedRows(n::Device h, unsigned* corr, unsigned* unc,
                                           unsigned* pending, unsigned* failure) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, "remapped_rows"); rc != n::kSuccess) return rc;
  const json& r = d->j["remapped_rows"];
  *corr = r[0].get<unsigned>();
  *unc = r[1].get<unsigned>();
  *pending = r[2].get<unsigned>();
  *failure = r[3].get<unsigned>();
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetCurrentClocksEventReasons(n::Device h, unsigned long long* v) {
  return scalar(h, "clocks_event_reasons", v);
}
EXPORT n::Return nvmlDeviceGetComputeRunningProcesses_v3(n::Device h, unsigned* c, void* p) {
  return processes(h, c, p, "compute_processes", true);
}
EXPORT n::Return nvmlDeviceGetComputeRunningProcesses_v2(n::Device h, unsigned* c, void* p) {
  return processes(h, c, p, "compute_processes", true);
}
EXPORT n::Return nvmlDeviceGetGraphicsRunningProcesses_v3(n::Device h, unsigned* c, void* p) {
  return processes(h, c, p, "graphics_processes", true);
}
EXPORT n::Return nvmlDeviceGetGraphicsRunningProcesses_v2(n::Device h, unsigned* c, void* p) {
  return processes(h, c, p, "graphics_processes", true);
}
EXPORT n::Return nvmlDeviceGetMigMode(n::Device h, unsigned* current, unsigned* pending) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, nullptr); rc != n::kSuccess) return rc;
  if (!d->j.contains("mig")) return n::kErrorNotSupported;
  *current = *pending = d->migs.empty() ? 0 : n::kDeviceMigEnable;
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetMaxMigDeviceCount(n::Device h, unsigned* count) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, nullptr); rc != n::kSuccess) return rc;
  *count = 7;  // an A100's maximum; unused slots answer NOT_FOUND
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetMigDeviceHandleByIndex(n::Device h, unsigned i, n::Device* out) {
  std::lock_guard lock(state().mu);
  Dev* d = nullptr;
  if (auto rc = check(h, d, nullptr); rc != n::kSuccess) return rc;
  if (i >= 7) return n::kErrorInvalidArgument;
  if (i >= d->migs.size()) return n::kErrorNotFound;
  *out = reinterpret_cast<n::Device>(&d->migs[i]);
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetGpuInstanceId(n::Device h, unsigned* id) {
  std::lock_guard lock(state().mu);
  MigDev* m = mig(h);
  if (!m) return n::kErrorNotSupported;  // not a MIG device handle
  *id = m->gi;
  return n::kSuccess;
}
EXPORT n::Return nvmlDeviceGetAttributes_v2(n::Device h, n::DeviceAttributes* a) {
  std::lock_guard lock(state().mu);
  MigDev* m = mig(h);
  if (!m) return n::kErrorNotSupported;
  std::memset(a, 0, sizeof *a);
  a->gpuInstanceSliceCount = m->slices;
  a->computeInstanceSliceCount = m->slices;
  a->memorySizeMB = m->memory_mb;
  return n::kSuccess;
}
#else
// Old drivers: nvmlEventSetWait without _v2, filling the three-field nvmlEventData_t.
EXPORT n::Return nvmlEventSetWait(n::EventSet, n::EventData* data, unsigned) {
  n::EventData full{};
  const n::Return rc = event_wait(&full);
  std::memcpy(data, &full, offsetof(n::EventData, gpuInstanceId));
  return rc;
}
#endif

}  // extern "C"
