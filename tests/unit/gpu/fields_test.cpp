// The field table: dcgm-exporter's names and types, one entry per Field.
#include "gpu/fields.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace sonde::gpu;

TEST_CASE("every field has a distinct dcgm-exporter name, a type and a help text",
          "[gpu][fields]") {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const FieldInfo& f = field_info(static_cast<Field>(i));
    INFO(f.name);
    CHECK(f.name.substr(0, 8) == "DCGM_FI_");
    CHECK_FALSE(f.help.empty());
    CHECK(names.insert(f.name).second);
  }
  CHECK(names.size() == kFieldCount);
}

TEST_CASE("field names and types are dcgm-exporter's default-counters.csv", "[gpu][fields]") {
  using sonde::core::MetricType;
  const auto is = [](Field f, std::string_view name, MetricType type) {
    const FieldInfo& fi = field_info(f);
    return fi.name == name && fi.type == type;
  };
  CHECK(is(Field::gpu_temp, "DCGM_FI_DEV_GPU_TEMP", MetricType::gauge));
  CHECK(is(Field::total_energy, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", MetricType::counter));
  CHECK(is(Field::xid_errors, "DCGM_FI_DEV_XID_ERRORS", MetricType::gauge));
  CHECK(is(Field::fb_used, "DCGM_FI_DEV_FB_USED", MetricType::gauge));
  CHECK(is(Field::pcie_replay, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", MetricType::counter));
  CHECK(is(Field::pcie_rx_bytes, "DCGM_FI_PROF_PCIE_RX_BYTES", MetricType::gauge));
}
