// The disk buffer of one remote_write entry: every batch is appended to it before it is sent, and
// leaves it when the receiver has acknowledged it (or refused it for good), so an outage or a
// restart loses nothing within buffer.max_bytes.
//
// - Segments: files <20 digits>.seg in the directory, append-only, records with a checksum each
//   (segment.hpp), a new segment past max_bytes/16 (4 KiB to 16 MiB). The current one is synced
//   by sync(), which the queue calls every buffer.sync_interval.
// - Bound: past max_bytes the oldest segment is deleted, its unacknowledged samples counted in
//   dropped_buffer_full.
// - Acknowledged position: the file `acked` ("<segment> <offset>"), replaced atomically at sync()
//   when it moved; wholly acknowledged segments are deleted. open() replays from there, in order;
//   a torn or corrupt tail is cut off (the file truncated), counted and logged, and everything
//   before it (and every later segment) is replayed.
// - One owner: open() takes an flock on the file `lock` in the directory (it holds the owner's
//   pid). When another process (another sonde on the same directory) holds it, the buffer is
//   refused(): it writes nothing, and the queue sends nothing for that entry until it can take
//   the lock (queue.hpp). The lock goes with the process, even on SIGKILL.
// - Fallback: when the directory cannot be created or written (a full disk, permissions), records
//   wait in memory instead, bounded by set_memory_limit() samples (the oldest dropped, counted in
//   dropped_memory_full), writable() is false and the error is logged; each sync() tries the disk
//   again. An empty directory means memory only.
//
// Not thread-safe: the queue's thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "remote/files.hpp"

namespace sonde::remote {

struct BufferRecord {
  std::string body;  // the compressed WriteRequest
  std::uint32_t samples = 0;
  std::int64_t highest_ms = 0;
};

/// What the buffer has lost, cumulative (the queue turns them into counters).
struct BufferCounts {
  std::uint64_t dropped_buffer_full = 0;  // samples of segments deleted for max_bytes
  std::uint64_t dropped_memory_full = 0;  // samples of memory records dropped (fallback)
  std::uint64_t dropped_unreadable = 0;   // samples of records that failed to read back
  std::uint64_t corrupt = 0;              // damaged segment tails cut off at replay
};

class Buffer {
 public:
  /// `name` is the entry's, for the log.
  Buffer(std::shared_ptr<FileLayer> files, std::filesystem::path directory, std::uint64_t max_bytes,
         std::string name);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  /// Opens the directory and loads what it holds (not yet acknowledged), cutting off damage.
  /// When another process holds the directory's lock, nothing is loaded and refused() is true:
  /// make a new Buffer to try again.
  void open();
  /// Another process holds the directory's lock (`holder()`: its pid, as the lock file says).
  bool refused() const { return refused_; }
  const std::string& holder() const { return holder_; }
  /// Appends a batch (to disk, or to memory when the disk fails).
  void append(BufferRecord record);
  /// The oldest record not yet acknowledged, or null. Valid until the next call.
  const BufferRecord* front();
  /// The front record is done with (acknowledged, or refused for good).
  void pop();
  /// Makes what was appended durable and records the acknowledged position; tries the disk again
  /// when it failed.
  void sync();
  /// The memory fallback's bound, in samples.
  void set_memory_limit(std::size_t samples) { memory_limit_ = samples; }

  bool empty() const { return entries_.empty(); }
  std::size_t records() const { return entries_.size(); }
  std::uint64_t samples() const { return samples_; }
  /// Bytes of segment files on disk.
  std::uint64_t bytes() const { return disk_bytes_; }
  bool writable() const { return writable_; }
  const BufferCounts& counts() const { return counts_; }

  /// Deletes a buffer's files (a removed entry's): its segments, `acked`, `lock`, then the
  /// directory if it is empty. Other files are left alone, and everything is when another
  /// process holds the lock (that directory is its buffer).
  static void remove_files(FileLayer& files, const std::filesystem::path& directory);

 private:
  struct Entry {
    std::uint64_t segment = 0;  // 0: in memory
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
    bool loaded = false;  // the body is in `record` (memory records, or read by front())
    BufferRecord record;
  };
  struct Segment {
    std::uint64_t bytes = 0;
    std::size_t unacked = 0;
  };

  std::filesystem::path segment_path(std::uint64_t id) const;
  bool open_segment();
  void close_segment();
  void drop_segment(std::uint64_t id);
  void delete_segment(std::uint64_t id);
  void fall_back(const std::string& why);
  /// Takes the directory's lock (or has it): false when it cannot (refused_ when it is held).
  bool take_lock();
  void push_memory(BufferRecord record);

  std::shared_ptr<FileLayer> files_;
  const std::filesystem::path dir_;
  const std::uint64_t max_bytes_;
  const std::uint64_t segment_bytes_;
  const std::string name_;
  std::size_t memory_limit_ = 0;

  std::deque<Entry> entries_;
  std::map<std::uint64_t, Segment> segments_;
  std::unique_ptr<FileLock> lock_;
  bool refused_ = false;
  std::string holder_;
  std::unique_ptr<AppendFile> current_;
  std::uint64_t current_id_ = 0;  // of current_ (0: none)
  std::uint64_t next_id_ = 1;
  std::uint64_t acked_segment_ = 0, acked_offset_ = 0;
  bool ack_dirty_ = false, dir_dirty_ = false;
  std::uint64_t disk_bytes_ = 0;
  std::uint64_t samples_ = 0;
  std::uint64_t memory_samples_ = 0;
  bool writable_ = false;
  bool disk_ = false;  // a directory is configured
  BufferCounts counts_;
};

}  // namespace sonde::remote
