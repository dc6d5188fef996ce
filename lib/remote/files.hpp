// The file layer the disk buffer writes through (buffer.hpp): the few operations it needs, so a
// test can put a layer under it that loses every byte not yet synced at a simulated power loss
// (tests/support/crash_files.hpp). posix_files() is the real one. Errors carry the path and
// strerror; nothing throws.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sonde::remote {

/// A file open for appending. Bytes appended are durable only once sync() has returned ok.
class AppendFile {
 public:
  virtual ~AppendFile() = default;
  virtual core::Status append(std::string_view bytes) = 0;
  virtual core::Status sync() = 0;
  /// Cuts the file back to `size` bytes (after a failed append).
  virtual core::Status truncate(std::uint64_t size) = 0;
};

/// An exclusive lock on a file (FileLayer::try_lock), held until destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileLayer {
 public:
  virtual ~FileLayer() = default;
  /// Creates `dir` and its parents; ok when it exists.
  virtual core::Status make_directories(const std::filesystem::path& dir) = 0;
  /// The names of the regular files in `dir`.
  virtual core::Result<std::vector<std::string>> list(const std::filesystem::path& dir) = 0;
  /// A new empty file (an existing one is emptied), open for appending.
  virtual core::Result<std::unique_ptr<AppendFile>> create(const std::filesystem::path& path) = 0;
  /// At most `max` bytes from `offset` (fewer at the end of the file).
  virtual core::Result<std::string> read(const std::filesystem::path& path, std::uint64_t offset,
                                         std::size_t max) = 0;
  virtual core::Result<std::uint64_t> size(const std::filesystem::path& path) = 0;
  /// Cuts the file to `size` bytes and syncs it.
  virtual core::Status truncate(const std::filesystem::path& path, std::uint64_t size) = 0;
  /// Removes a file or an empty directory; ok when it does not exist.
  virtual core::Status remove(const std::filesystem::path& path) = 0;
  /// Replaces the file's content atomically and durably (a temporary file, fsync, rename, fsync
  /// of the directory): after a crash it holds the old content or the new, never a mix.
  virtual core::Status replace(const std::filesystem::path& path, std::string_view content) = 0;
  /// Makes the directory's entries (files created or removed) durable.
  virtual core::Status sync_directory(const std::filesystem::path& dir) = 0;
  /// Takes an exclusive lock on `path` (created when missing) without waiting, and writes this
  /// process's id into it: the lock; null when another holder has it (`holder` is then what the
  /// file says, its pid); an error when the file cannot be opened.
  virtual core::Result<std::unique_ptr<FileLock>> try_lock(const std::filesystem::path& path,
                                                           std::string& holder) = 0;
};

/// The real file system (open, write, fsync, pread, ftruncate, rename, flock).
std::shared_ptr<FileLayer> posix_files();

}  // namespace sonde::remote
