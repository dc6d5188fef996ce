#include "remote/buffer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>

#include "remote/segment.hpp"

namespace sonde::remote {
namespace {

constexpr std::string_view kSegmentSuffix = ".seg";
constexpr std::size_t kIdDigits = 20;
constexpr std::string_view kAckedFile = "acked";
constexpr std::string_view kLockFile = "lock";
// A segment holds records appended up to segment_bytes_ (at most 16 MiB) plus one record (at
// most kMaxRecord); a bigger file is read this far, the rest counted as damage.
constexpr std::uint64_t kMaxSegmentRead = (16ull << 20) + kMaxRecord + 64;
// The memory fallback's bound until the queue sets one.
constexpr std::size_t kDefaultMemorySamples = 10'000;

std::optional<std::uint64_t> segment_id(std::string_view name) {
  if (name.size() != kIdDigits + kSegmentSuffix.size() ||
      name.substr(kIdDigits) != kSegmentSuffix) {
    return std::nullopt;
  }
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + kIdDigits, id);
  if (ec != std::errc{} || end != name.data() + kIdDigits || id == 0) return std::nullopt;
  return id;
}

std::string segment_name(std::uint64_t id) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.seg", static_cast<unsigned long long>(id));
  return name;
}

/// "<segment> <offset>\n".
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_acked(std::string_view text) {
  std::uint64_t seg = 0, off = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  auto r = std::from_chars(p, end, seg);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != ' ') return std::nullopt;
  r = std::from_chars(r.ptr + 1, end, off);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '\n' || r.ptr + 1 != end) {
    return std::nullopt;
  }
  return std::pair{seg, off};
}

}  // namespace

Buffer::Buffer(std::shared_ptr<FileLayer> files, std::filesystem::path directory,
               std::uint64_t max_bytes, std::string name)
    : files_(std::move(files)),
      dir_(std::move(directory)),
      max_bytes_(max_bytes),
      segment_bytes_(std::clamp<std::uint64_t>(max_bytes / 16, 4096, 16ull << 20)),
      name_(std::move(name)),
      memory_limit_(kDefaultMemorySamples) {}

Buffer::~Buffer() {
  sync();
  current_.reset();
  lock_.reset();  // last: the next owner may open the directory from here on
}

bool Buffer::take_lock() {
  if (lock_) return true;
  std::string holder;
  auto lock = files_->try_lock(dir_ / kLockFile, holder);
  if (!lock.ok()) {
    fall_back(lock.message());
    return false;
  }
  if (!*lock) {
    refused_ = true;
    holder_ = holder.empty() ? "unknown" : holder;
    return false;
  }
  lock_ = std::move(*lock);
  return true;
}

std::filesystem::path Buffer::segment_path(std::uint64_t id) const {
  return dir_ / segment_name(id);
}

void Buffer::open() {
  if (dir_.empty()) {
    spdlog::warn(
        "remote_write {}: no buffer directory (no state directory): batches wait in "
        "memory only, and a restart loses what was not sent",
        name_);
    return;
  }
  disk_ = true;
  writable_ = true;
  if (auto s = files_->make_directories(dir_); !s.ok()) return fall_back(s.message());
  if (!take_lock()) {
    if (refused_) disk_ = writable_ = false;  // not ours: never written, synced or replayed
    return;
  }
  auto names = files_->list(dir_);
  if (!names.ok()) return fall_back(names.message());
  if (auto text = files_->read(dir_ / kAckedFile, 0, 256); text.ok() && !text->empty()) {
    if (auto a = parse_acked(*text)) {
      std::tie(acked_segment_, acked_offset_) = *a;
    } else {
      spdlog::warn("remote_write {}: {} is not \"<segment> <offset>\": replaying every segment",
                   name_, (dir_ / kAckedFile).string());
    }
  }
  std::vector<std::uint64_t> ids;
  for (const auto& n : *names) {
    if (auto id = segment_id(n)) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  for (const std::uint64_t id : ids) {
    next_id_ = std::max(next_id_, id + 1);
    const auto path = segment_path(id);
    if (id < acked_segment_) {
      (void)files_->remove(path);  // acknowledged before the restart
      continue;
    }
    auto size = files_->size(path);
    auto bytes = size.ok() ? files_->read(path, 0, std::min(*size, kMaxSegmentRead))
                           : core::Result<std::string>(size.error());
    if (!bytes.ok()) {
      spdlog::error("remote_write {}: {}: its records are skipped", name_, bytes.message());
      continue;
    }
    SegmentScan scan = parse_segment(*bytes);
    if (scan.damaged || *size > bytes->size()) {
      counts_.corrupt++;
      spdlog::warn(
          "remote_write {}: {}: {} at byte {}: the {} bytes from there are cut off, the "
          "{} records before are sent",
          name_, path.string(), scan.damaged ? scan.problem : "a file too long", scan.valid_bytes,
          *size - scan.valid_bytes, scan.records.size());
      if (auto s = files_->truncate(path, scan.valid_bytes); !s.ok()) {
        spdlog::warn("remote_write {}: {}", name_, s.message());
      }
    }
    Segment seg{scan.valid_bytes, 0};
    for (const RecordInfo& r : scan.records) {
      if (id == acked_segment_ && r.offset < acked_offset_) continue;
      entries_.push_back({id, r.offset, r.length, false, {{}, r.samples, r.highest_ms}});
      seg.unacked++;
      samples_ += r.samples;
    }
    if (seg.unacked == 0) {
      (void)files_->remove(path);
      dir_dirty_ = true;
      continue;
    }
    segments_[id] = seg;
    disk_bytes_ += seg.bytes;
  }
  if (!entries_.empty()) {
    spdlog::info("remote_write {}: {} batches ({} samples) in {} to send first", name_,
                 entries_.size(), samples_, dir_.string());
  }
}

bool Buffer::open_segment() {
  const std::uint64_t id = next_id_++;
  const auto path = segment_path(id);
  auto f = files_->create(path);
  if (!f.ok()) {
    fall_back(f.message());
    return false;
  }
  if (auto s = (*f)->append(kSegmentMagic); !s.ok()) {
    f->reset();
    (void)files_->remove(path);
    fall_back(s.message());
    return false;
  }
  current_ = std::move(*f);
  current_id_ = id;
  segments_[id] = {kSegmentMagic.size(), 0};
  disk_bytes_ += kSegmentMagic.size();
  dir_dirty_ = true;
  return true;
}

void Buffer::close_segment() {
  if (!current_) return;
  if (auto s = current_->sync(); !s.ok()) spdlog::warn("remote_write {}: {}", name_, s.message());
  current_.reset();
  const std::uint64_t id = current_id_;
  current_id_ = 0;
  if (auto it = segments_.find(id); it != segments_.end() && it->second.unacked == 0) {
    delete_segment(id);
  }
}

void Buffer::delete_segment(std::uint64_t id) {
  auto it = segments_.find(id);
  if (it == segments_.end()) return;
  if (auto s = files_->remove(segment_path(id)); !s.ok()) {
    spdlog::warn("remote_write {}: {}", name_, s.message());
  }
  disk_bytes_ -= it->second.bytes;
  segments_.erase(it);
  dir_dirty_ = true;
}

void Buffer::drop_segment(std::uint64_t id) {
  std::uint64_t dropped = 0;
  std::size_t records = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->segment != id) {
      ++it;
      continue;
    }
    dropped += it->record.samples;
    ++records;
    it = entries_.erase(it);
  }
  samples_ -= dropped;
  counts_.dropped_buffer_full += dropped;
  if (acked_segment_ <= id) {
    acked_segment_ = id + 1;
    acked_offset_ = 0;
    ack_dirty_ = true;
  }
  delete_segment(id);
  spdlog::warn(
      "remote_write {}: the buffer is full (buffer.max_bytes {}): its oldest segment is "
      "deleted, {} batches ({} samples) dropped",
      name_, max_bytes_, records, dropped);
}

void Buffer::fall_back(const std::string& why) {
  if (writable_) {
    spdlog::error(
        "remote_write {}: the buffer in {} cannot be written ({}): batches wait in memory "
        "(at most {} samples) until it can; a restart loses them",
        name_, dir_.string(), why, memory_limit_);
  }
  writable_ = false;
  if (current_) {
    current_.reset();
    const std::uint64_t id = current_id_;
    current_id_ = 0;
    if (auto it = segments_.find(id); it != segments_.end() && it->second.unacked == 0) {
      delete_segment(id);
    }
  }
}

void Buffer::append(BufferRecord record) {
  if (disk_ && writable_) {
    const std::string bytes = encode_record(record.samples, record.highest_ms, record.body);
    if (current_) {
      const auto& seg = segments_[current_id_];
      if (seg.bytes > kSegmentMagic.size() && seg.bytes + bytes.size() > segment_bytes_) {
        close_segment();
      }
    }
    if (current_ || open_segment()) {
      // The oldest segments go first; never the one being written (a bound of one segment).
      while (disk_bytes_ + bytes.size() > max_bytes_ && segments_.begin()->first != current_id_) {
        drop_segment(segments_.begin()->first);
      }
      Segment& seg = segments_[current_id_];
      if (auto s = current_->append(bytes); !s.ok()) {
        (void)current_->truncate(seg.bytes);  // else the next start cuts the torn tail off
        fall_back(s.message());
      } else {
        samples_ += record.samples;
        entries_.push_back({current_id_,
                            seg.bytes,
                            static_cast<std::uint32_t>(bytes.size()),
                            false,
                            {{}, record.samples, record.highest_ms}});
        seg.bytes += bytes.size();
        seg.unacked++;
        disk_bytes_ += bytes.size();
        return;
      }
    }
  }
  push_memory(std::move(record));
}

void Buffer::push_memory(BufferRecord record) {
  samples_ += record.samples;
  memory_samples_ += record.samples;
  entries_.push_back({0, 0, 0, true, std::move(record)});
  // The oldest memory records go first, the newest stays.
  auto it = entries_.begin();
  while (memory_samples_ > memory_limit_) {
    while (it != entries_.end() && it->segment != 0) ++it;
    if (it == entries_.end() || std::next(it) == entries_.end()) break;
    const std::uint32_t n = it->record.samples;
    memory_samples_ -= n;
    samples_ -= n;
    counts_.dropped_memory_full += n;
    it = entries_.erase(it);
  }
}

const BufferRecord* Buffer::front() {
  while (!entries_.empty()) {
    Entry& e = entries_.front();
    if (e.loaded) return &e.record;
    auto bytes = files_->read(segment_path(e.segment), e.offset, e.length);
    std::uint32_t samples = 0;
    std::int64_t highest = 0;
    if (bytes.ok() && decode_record(*bytes, e.record.body, samples, highest) &&
        samples == e.record.samples) {
      e.loaded = true;
      return &e.record;
    }
    spdlog::error("remote_write {}: a batch of {} samples in {} cannot be read back ({}): dropped",
                  name_, e.record.samples, segment_path(e.segment).string(),
                  bytes.ok() ? "its checksum does not match" : bytes.message());
    counts_.dropped_unreadable += e.record.samples;
    pop();
  }
  return nullptr;
}

void Buffer::pop() {
  if (entries_.empty()) return;
  Entry e = std::move(entries_.front());
  entries_.pop_front();
  samples_ -= e.record.samples;
  if (e.segment == 0) {
    memory_samples_ -= e.record.samples;
    return;
  }
  acked_segment_ = e.segment;
  acked_offset_ = e.offset + e.length;
  ack_dirty_ = true;
  auto it = segments_.find(e.segment);
  if (it != segments_.end() && --it->second.unacked == 0 && e.segment != current_id_) {
    delete_segment(e.segment);
  }
}

void Buffer::sync() {
  if (!disk_) return;
  if (current_) {
    if (auto s = current_->sync(); !s.ok()) fall_back(s.message());
  }
  if (dir_dirty_ && files_->sync_directory(dir_).ok()) dir_dirty_ = false;
  if (ack_dirty_) {
    const std::string text =
        std::to_string(acked_segment_) + " " + std::to_string(acked_offset_) + "\n";
    if (files_->replace(dir_ / kAckedFile, text).ok()) ack_dirty_ = false;
  }
  // Quietly while it fails (fall_back() logs only when the disk goes); logged when it is back.
  if (!writable_ && files_->make_directories(dir_).ok() && take_lock() && open_segment()) {
    writable_ = true;
    spdlog::info("remote_write {}: the buffer in {} is writable again", name_, dir_.string());
  }
}

void Buffer::remove_files(FileLayer& files, const std::filesystem::path& directory) {
  auto names = files.list(directory);
  if (!names.ok()) return;
  std::string holder;
  auto lock = files.try_lock(directory / kLockFile, holder);
  if (lock.ok() && !*lock) {
    spdlog::warn("remote_write: {} is left alone: process {} holds its lock", directory.string(),
                 holder.empty() ? "unknown" : holder);
    return;
  }
  for (const auto& n : *names) {
    if (segment_id(n) || n == kAckedFile || n == std::string(kAckedFile) + ".tmp") {
      (void)files.remove(directory / n);
    }
  }
  (void)files.remove(directory / kLockFile);
  if (lock.ok()) lock->reset();
  (void)files.remove(directory);  // only if empty: other files are not ours
}

}  // namespace sonde::remote
