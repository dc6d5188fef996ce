#include "collectors/xfs.hpp"

#include <algorithm>
#include <cerrno>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

struct LineSpec {
  std::string_view label;
  std::size_t count, alt_count;  // accepted numbers of values
};

// procfs 0.8.0 xfs/parse.go: every line it parses and its value counts.
constexpr LineSpec kLines[] = {
    {"extent_alloc", 4, 4}, {"abt", 4, 4},        {"blk_map", 7, 7},  {"bmbt", 4, 4},
    {"dir", 4, 4},          {"trans", 3, 3},      {"ig", 7, 7},       {"log", 5, 5},
    {"rw", 2, 2},           {"attr", 4, 4},       {"icluster", 3, 3}, {"vnodes", 7, 8},
    {"buf", 9, 9},          {"push_ail", 10, 10}, {"xstrat", 2, 2},   {"abtb2", 15, 15},
    {"abtc2", 15, 15},      {"bmbt2", 15, 15},    {"ibt2", 15, 15},   {"qm", 8, 9},
    {"debug", 1, 1},
};

template <std::size_t N>
void copy_into(std::array<std::uint32_t, N>& to, const std::vector<std::uint32_t>& from) {
  std::copy_n(from.begin(), std::min(N, from.size()), to.begin());
}

std::string quote(std::string_view s) { return "\"" + std::string(s.substr(0, 80)) + "\""; }

}  // namespace

core::Result<XfsStats> parse_xfs_stats(std::string_view text) {
  XfsStats out;
  std::vector<std::string_view> fields;
  std::vector<std::uint32_t> values;
  std::optional<core::Error> failure;
  core::for_each_line(text, [&](std::string_view line) {
    if (failure) return;
    text::split_fields(line, fields);
    if (fields.size() < 2) return;
    const std::string_view label = fields[0];
    values.clear();
    for (std::size_t i = 1; i < fields.size(); ++i) {
      const auto v = text::parse_u64(fields[i]);
      const bool fits = v && (label == "xpc" || *v <= 0xffffffffu);
      if (!fits) {
        failure = core::error("bad value " + quote(fields[i]) + " in line " + quote(line));
        return;
      }
      values.push_back(static_cast<std::uint32_t>(*v));
    }
    if (label == "xpc") {
      if (values.size() != 3) failure = core::error("xpc needs 3 values: " + quote(line));
      return;
    }
    const auto spec = std::find_if(std::begin(kLines), std::end(kLines),
                                   [&](const LineSpec& s) { return s.label == label; });
    if (spec == std::end(kLines)) return;
    if (values.size() != spec->count && values.size() != spec->alt_count) {
      failure = core::error("incorrect number of values for XFS " + std::string(label) +
                            " stats: " + std::to_string(values.size()));
      return;
    }
    if (label == "extent_alloc") copy_into(out.extent_alloc, values);
    if (label == "abt") copy_into(out.abt, values);
    if (label == "blk_map") copy_into(out.blk_map, values);
    if (label == "bmbt") copy_into(out.bmbt, values);
    if (label == "dir") copy_into(out.dir, values);
    if (label == "ig") copy_into(out.ig, values);
    if (label == "rw") copy_into(out.rw, values);
    if (label == "vnodes") copy_into(out.vnodes, values);
  });
  if (failure) return *failure;
  return out;
}

core::Status XfsCollector::collect(core::SampleSink& out) {
  const auto root = paths_.sys / "fs" / "xfs";
  // filepath.Glob("fs/xfs/*/stats/stats"): every entry with a stats/stats inside.
  for (const auto& entry : sysfs::list_dir(root).entries) {
    const auto path = root / entry.name / "stats" / "stats";
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) continue;
    auto r = sysfs::read_whole(path, core::kMaxProcFileBytes);
    if (!r.ok())
      return core::error("failed to retrieve XFS stats: " + sysfs::describe(path, r.err));
    auto s = parse_xfs_stats(r.value);
    if (!s)
      return core::error("failed to retrieve XFS stats: " + s.message() + " in " + path.string());
    const core::Label labels[] = {{"device", entry.name}};
    const auto c = [&](const char* name, const char* help, std::uint32_t v) {
      out.counter(name, help, labels, static_cast<double>(v));
    };
    // node_exporter v1.5.0 collector/xfs_linux.go: names and help texts.
    c("node_xfs_extent_allocation_extents_allocated_total",
      "Number of extents allocated for a filesystem.", s->extent_alloc[0]);
    c("node_xfs_extent_allocation_blocks_allocated_total",
      "Number of blocks allocated for a filesystem.", s->extent_alloc[1]);
    c("node_xfs_extent_allocation_extents_freed_total", "Number of extents freed for a filesystem.",
      s->extent_alloc[2]);
    c("node_xfs_extent_allocation_blocks_freed_total", "Number of blocks freed for a filesystem.",
      s->extent_alloc[3]);
    c("node_xfs_allocation_btree_lookups_total",
      "Number of allocation B-tree lookups for a filesystem.", s->abt[0]);
    c("node_xfs_allocation_btree_compares_total",
      "Number of allocation B-tree compares for a filesystem.", s->abt[1]);
    c("node_xfs_allocation_btree_records_inserted_total",
      "Number of allocation B-tree records inserted for a filesystem.", s->abt[2]);
    c("node_xfs_allocation_btree_records_deleted_total",
      "Number of allocation B-tree records deleted for a filesystem.", s->abt[3]);
    c("node_xfs_block_mapping_reads_total",
      "Number of block map for read operations for a filesystem.", s->blk_map[0]);
    c("node_xfs_block_mapping_writes_total",
      "Number of block map for write operations for a filesystem.", s->blk_map[1]);
    c("node_xfs_block_mapping_unmaps_total", "Number of block unmaps (deletes) for a filesystem.",
      s->blk_map[2]);
    c("node_xfs_block_mapping_extent_list_insertions_total",
      "Number of extent list insertions for a filesystem.", s->blk_map[3]);
    c("node_xfs_block_mapping_extent_list_deletions_total",
      "Number of extent list deletions for a filesystem.", s->blk_map[4]);
    c("node_xfs_block_mapping_extent_list_lookups_total",
      "Number of extent list lookups for a filesystem.", s->blk_map[5]);
    c("node_xfs_block_mapping_extent_list_compares_total",
      "Number of extent list compares for a filesystem.", s->blk_map[6]);
    c("node_xfs_block_map_btree_lookups_total",
      "Number of block map B-tree lookups for a filesystem.", s->bmbt[0]);
    c("node_xfs_block_map_btree_compares_total",
      "Number of block map B-tree compares for a filesystem.", s->bmbt[1]);
    c("node_xfs_block_map_btree_records_inserted_total",
      "Number of block map B-tree records inserted for a filesystem.", s->bmbt[2]);
    c("node_xfs_block_map_btree_records_deleted_total",
      "Number of block map B-tree records deleted for a filesystem.", s->bmbt[3]);
    c("node_xfs_directory_operation_lookup_total",
      "Number of file name directory lookups which miss the operating systems directory name "
      "lookup cache.",
      s->dir[0]);
    c("node_xfs_directory_operation_create_total",
      "Number of times a new directory entry was created for a filesystem.", s->dir[1]);
    c("node_xfs_directory_operation_remove_total",
      "Number of times an existing directory entry was created for a filesystem.", s->dir[2]);
    c("node_xfs_directory_operation_getdents_total",
      "Number of times the directory getdents operation was performed for a filesystem.",
      s->dir[3]);
    c("node_xfs_inode_operation_attempts_total",
      "Number of times the OS looked for an XFS inode in the inode cache.", s->ig[0]);
    c("node_xfs_inode_operation_found_total",
      "Number of times the OS looked for and found an XFS inode in the inode cache.", s->ig[1]);
    c("node_xfs_inode_operation_recycled_total",
      "Number of times the OS found an XFS inode in the cache, but could not use it as it was "
      "being recycled.",
      s->ig[2]);
    c("node_xfs_inode_operation_missed_total",
      "Number of times the OS looked for an XFS inode in the cache, but did not find it.",
      s->ig[3]);
    c("node_xfs_inode_operation_duplicates_total",
      "Number of times the OS tried to add a missing XFS inode to the inode cache, but found it "
      "had already been added by another process.",
      s->ig[4]);
    c("node_xfs_inode_operation_reclaims_total",
      "Number of times the OS reclaimed an XFS inode from the inode cache to free memory for "
      "another purpose.",
      s->ig[5]);
    c("node_xfs_inode_operation_attribute_changes_total",
      "Number of times the OS explicitly changed the attributes of an XFS inode.", s->ig[6]);
    c("node_xfs_read_calls_total", "Number of read(2) system calls made to files in a filesystem.",
      s->rw[1]);
    c("node_xfs_write_calls_total",
      "Number of write(2) system calls made to files in a filesystem.", s->rw[0]);
    c("node_xfs_vnode_active_total", "Number of vnodes not on free lists for a filesystem.",
      s->vnodes[0]);
    c("node_xfs_vnode_allocate_total", "Number of times vn_alloc called for a filesystem.",
      s->vnodes[1]);
    c("node_xfs_vnode_get_total", "Number of times vn_get called for a filesystem.", s->vnodes[2]);
    c("node_xfs_vnode_hold_total", "Number of times vn_hold called for a filesystem.",
      s->vnodes[3]);
    c("node_xfs_vnode_release_total", "Number of times vn_rele called for a filesystem.",
      s->vnodes[4]);
    c("node_xfs_vnode_reclaim_total", "Number of times vn_reclaim called for a filesystem.",
      s->vnodes[5]);
    c("node_xfs_vnode_remove_total", "Number of times vn_remove called for a filesystem.",
      s->vnodes[6]);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_xfs(const CollectorContext& ctx) {
  return std::make_unique<XfsCollector>(ctx.paths);
}

}  // namespace sonde::collectors
