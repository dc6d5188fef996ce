#include "gpu/device_reader.hpp"

#include <algorithm>
#include <cstring>
#include <map>

namespace sonde::gpu {

namespace {

bool on(const ReadPlan& p, Field f) { return p.enabled[static_cast<std::size_t>(f)]; }

FbMemory read_memory(const NvmlApi& api, nvml::Device h, Reading& r) {
  FbMemory fb;
  if (api.memory_v2) {
    nvml::MemoryV2 m{};
    m.version = nvml::kMemoryV2Version;
    if (r.record_call(api.memory_v2(h, &m))) {
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
    if (r.record_call(api.memory_v1(h, &m))) {
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
    if (!r.record_call(rc)) return;
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

}  // namespace

// Every NVML call for one GPU. Runs on a pool worker; touches only `r` and the API table.
void read_device(const NvmlApi& api, nvml::Device h, const ReadPlan& plan, Reading& r) {
  if (plan.need_static) {
    char buf[nvml::kNameBufferSize] = {};
    if (api.uuid && r.record_call(api.uuid(h, buf, sizeof buf))) r.uuid = buf;
    if (r.lost) return;
    std::memset(buf, 0, sizeof buf);
    if (api.name && r.record_call(api.name(h, buf, sizeof buf))) r.model = buf;
    if (r.lost) return;
    nvml::PciInfo pci{};
    if (api.pci_info && r.record_call(api.pci_info(h, &pci))) {
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
    if (r.record_call(api.utilization(h, &ut))) {
      r.set(Field::gpu_util, ut.gpu);
      r.set(Field::mem_copy_util, ut.memory);
    }
    if (r.lost) return;  // the first call tells whether the GPU is still there
  }
  if (api.encoder_utilization && on(plan, Field::enc_util) &&
      r.record_call(api.encoder_utilization(h, &u, &period))) {
    r.set(Field::enc_util, u);
  }
  if (api.decoder_utilization && on(plan, Field::dec_util) &&
      r.record_call(api.decoder_utilization(h, &u, &period))) {
    r.set(Field::dec_util, u);
  }
  if (on(plan, Field::fb_free) || on(plan, Field::fb_used) || on(plan, Field::fb_reserved)) {
    const FbMemory fb = read_memory(api, h, r);
    if (fb.free) r.set(Field::fb_free, *fb.free);
    if (fb.used) r.set(Field::fb_used, *fb.used);
    if (fb.reserved) r.set(Field::fb_reserved, *fb.reserved);
  }
  if (api.temperature && on(plan, Field::gpu_temp) &&
      r.record_call(api.temperature(h, nvml::kTemperatureGpu, &u))) {
    r.set(Field::gpu_temp, u);
  }
  if (api.field_values && on(plan, Field::memory_temp)) {
    nvml::FieldValue fv{};
    fv.fieldId = nvml::kFieldMemoryTemp;
    // The per-field result is not a second call.
    if (r.record_call(api.field_values(h, 1, &fv)) &&
        r.record_call(fv.nvmlReturn, /*is_call=*/false)) {
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
  if (api.power_usage && on(plan, Field::power_usage) && r.record_call(api.power_usage(h, &u))) {
    r.set(Field::power_usage, u / 1000.0);
  }
  // NVML: millijoules since the driver was last reloaded; dcgm-exporter: mJ too.
  if (api.total_energy && on(plan, Field::total_energy) &&
      r.record_call(api.total_energy(h, &ull))) {
    r.set(Field::total_energy, static_cast<double>(ull));
  }
  if (api.clock_info && on(plan, Field::sm_clock) &&
      r.record_call(api.clock_info(h, nvml::kClockSm, &u))) {
    r.set(Field::sm_clock, u);
  }
  if (api.clock_info && on(plan, Field::mem_clock) &&
      r.record_call(api.clock_info(h, nvml::kClockMem, &u))) {
    r.set(Field::mem_clock, u);
  }
  if (api.pcie_replay && on(plan, Field::pcie_replay) && r.record_call(api.pcie_replay(h, &u))) {
    r.set(Field::pcie_replay, u);
  }
  if (api.remapped_rows &&
      (on(plan, Field::correctable_remapped_rows) || on(plan, Field::uncorrectable_remapped_rows) ||
       on(plan, Field::row_remap_failure))) {
    unsigned corr = 0, unc = 0, pending = 0, failure = 0;
    if (r.record_call(api.remapped_rows(h, &corr, &unc, &pending, &failure))) {
      r.set(Field::correctable_remapped_rows, corr);
      r.set(Field::uncorrectable_remapped_rows, unc);
      r.set(Field::row_remap_failure, failure);
    }
  }
  if (api.clocks_event_reasons && on(plan, Field::clocks_event_reasons) &&
      r.record_call(api.clocks_event_reasons(h, &ull))) {
    r.set(Field::clocks_event_reasons, static_cast<double>(ull));
  }
  if (api.total_ecc_errors && on(plan, Field::ecc_sbe_vol_total) &&
      r.record_call(
          api.total_ecc_errors(h, nvml::kMemoryErrorCorrected, nvml::kVolatileEcc, &ull))) {
    r.set(Field::ecc_sbe_vol_total, static_cast<double>(ull));
  }
  if (api.total_ecc_errors && on(plan, Field::ecc_dbe_vol_total) &&
      r.record_call(
          api.total_ecc_errors(h, nvml::kMemoryErrorUncorrected, nvml::kVolatileEcc, &ull))) {
    r.set(Field::ecc_dbe_vol_total, static_cast<double>(ull));
  }
  if (api.power_limit && on(plan, Field::power_mgmt_limit) &&
      r.record_call(api.power_limit(h, &u))) {
    r.set(Field::power_mgmt_limit, u / 1000.0);  // mW -> W
  }
  if (api.fan_speed && on(plan, Field::fan_speed) && r.record_call(api.fan_speed(h, &u))) {
    r.set(Field::fan_speed, u);
  }
  // NVML: KB/s ("1KB granularity", KB = 1024 bytes); DCGM_FI_PROF_PCIE_*_BYTES: bytes/s.
  if (api.pcie_throughput && on(plan, Field::pcie_tx_bytes) &&
      r.record_call(api.pcie_throughput(h, nvml::kPcieUtilTxBytes, &u))) {
    r.set(Field::pcie_tx_bytes, u * 1024.0);
  }
  if (api.pcie_throughput && on(plan, Field::pcie_rx_bytes) &&
      r.record_call(api.pcie_throughput(h, nvml::kPcieUtilRxBytes, &u))) {
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
      r.record_call(api.mig_mode(h, &current, &pending)) && current == nvml::kDeviceMigEnable &&
      r.record_call(api.max_mig_device_count(h, &max_mig))) {
    max_mig = std::min(max_mig, kMaxMigDevices);
    for (unsigned i = 0; i < max_mig && !r.lost; ++i) {
      nvml::Device mig = nullptr;
      const nvml::Return rc = api.mig_device_handle(h, i, &mig);
      if (rc == nvml::kErrorNotFound || rc == nvml::kErrorInvalidArgument) {
        ++r.calls;  // an empty slot
        continue;
      }
      if (!r.record_call(rc)) continue;
      MigReading m;
      if (!api.gpu_instance_id || !r.record_call(api.gpu_instance_id(mig, &m.gpu_instance_id)))
        continue;
      nvml::DeviceAttributes attr{};
      if (api.attributes && r.record_call(api.attributes(mig, &attr))) {
        m.profile = mig_profile_name(attr.gpuInstanceSliceCount, attr.memorySizeMB);
      }
      m.fb = read_memory(api, mig, r);
      r.migs.push_back(std::move(m));
    }
  }
}

std::string mig_profile_name(unsigned slices, unsigned long long memory_mib) {
  const unsigned long long gib = (memory_mib + 1023) / 1024;
  return std::to_string(slices) + "g." + std::to_string(gib) + "gb";
}

}  // namespace sonde::gpu
