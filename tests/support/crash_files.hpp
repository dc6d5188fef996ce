// A remote::FileLayer in memory that can lose power: power_loss() drops every byte not yet synced
// (each file goes back to what its last sync, truncate or replace made durable) and fails every
// operation until power_on(), so the buffer being torn down cannot write after the "crash".
// fail_writes makes creating, appending and replacing fail, as a full disk does. Tests reach the
// files' bytes with data() to damage them.
#pragma once

#include <cerrno>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "remote/files.hpp"

namespace sonde::test {

class CrashFiles : public remote::FileLayer {
 public:
  struct File {
    std::string data;
    std::size_t synced = 0;  // the durable prefix
  };

  bool fail_writes = false;
  /// Counts every sync of an appended file (for the sync interval).
  int syncs = 0;

  void power_loss() {
    for (auto& [path, f] : files_) {
      f->data.resize(f->synced);
    }
    off_ = true;
  }
  void power_on() { off_ = false; }

  bool exists(const std::filesystem::path& p) const { return files_.count(p.string()) != 0; }
  std::string& data(const std::filesystem::path& p) { return files_.at(p.string())->data; }
  /// The files in `dir`, by name.
  std::vector<std::string> names(const std::filesystem::path& dir) const {
    std::vector<std::string> out;
    for (const auto& [path, f] : files_) {
      if (std::filesystem::path(path).parent_path() == dir) {
        out.push_back(std::filesystem::path(path).filename().string());
      }
    }
    return out;
  }
  /// Makes every file durable as it is now (a test's damage included).
  void sync_all() {
    for (auto& [path, f] : files_) f->synced = f->data.size();
  }

  core::Status make_directories(const std::filesystem::path& dir) override {
    if (off_) return core::error("power is off");
    if (fail_writes && dirs_.count(dir.string()) == 0) return core::error("mkdir: no space");
    dirs_.insert({dir.string(), true});
    return core::ok();
  }
  core::Result<std::vector<std::string>> list(const std::filesystem::path& dir) override {
    if (off_) return core::error("power is off");
    return names(dir);
  }
  core::Result<std::unique_ptr<remote::AppendFile>> create(
      const std::filesystem::path& path) override {
    if (off_ || fail_writes) return core::error("create " + path.string() + ": no space");
    auto& f = files_[path.string()];
    f = std::make_shared<File>();
    return std::unique_ptr<remote::AppendFile>(std::make_unique<Appender>(*this, f));
  }
  core::Result<std::string> read(const std::filesystem::path& path, std::uint64_t offset,
                                 std::size_t max) override {
    if (off_) return core::error("power is off");
    auto it = files_.find(path.string());
    if (it == files_.end()) return core::error("read " + path.string() + ": no such file");
    const std::string& d = it->second->data;
    if (offset >= d.size()) return std::string();
    return d.substr(offset, max);
  }
  core::Result<std::uint64_t> size(const std::filesystem::path& path) override {
    if (off_) return core::error("power is off");
    auto it = files_.find(path.string());
    if (it == files_.end()) return core::error("stat " + path.string() + ": no such file");
    return it->second->data.size();
  }
  core::Status truncate(const std::filesystem::path& path, std::uint64_t size) override {
    if (off_) return core::error("power is off");
    auto it = files_.find(path.string());
    if (it == files_.end()) return core::error("truncate: no such file");
    it->second->data.resize(std::min<std::size_t>(size, it->second->data.size()));
    it->second->synced = it->second->data.size();
    return core::ok();
  }
  core::Status remove(const std::filesystem::path& path) override {
    if (off_) return core::error("power is off");
    files_.erase(path.string());
    dirs_.erase(path.string());
    return core::ok();
  }
  core::Status replace(const std::filesystem::path& path, std::string_view content) override {
    if (off_ || fail_writes) return core::error("replace " + path.string() + ": no space");
    auto f = std::make_shared<File>();
    f->data = content;
    f->synced = f->data.size();
    files_[path.string()] = f;
    return core::ok();
  }
  core::Status sync_directory(const std::filesystem::path&) override {
    if (off_) return core::error("power is off");
    return core::ok();
  }
  /// Locks held by other processes, as a test pretends: path -> what their lock file says.
  std::map<std::string, std::string> foreign_locks;
  bool locked(const std::filesystem::path& p) const { return locks_->count(p.string()) != 0; }
  core::Result<std::unique_ptr<remote::FileLock>> try_lock(const std::filesystem::path& path,
                                                           std::string& holder) override {
    if (off_) return core::error("power is off");
    if (auto it = foreign_locks.find(path.string()); it != foreign_locks.end()) {
      holder = it->second;
      return std::unique_ptr<remote::FileLock>();
    }
    if (locks_->count(path.string()) != 0) {
      holder = "this process";
      return std::unique_ptr<remote::FileLock>();
    }
    if (fail_writes && files_.count(path.string()) == 0) {
      return core::error("open " + path.string() + ": no space");
    }
    if (files_.count(path.string()) == 0) files_[path.string()] = std::make_shared<File>();
    locks_->insert(path.string());
    return std::unique_ptr<remote::FileLock>(std::make_unique<Lock>(locks_, path.string()));
  }

 private:
  class Appender : public remote::AppendFile {
   public:
    Appender(CrashFiles& owner, std::shared_ptr<File> f) : owner_(owner), f_(std::move(f)) {}
    core::Status append(std::string_view bytes) override {
      if (owner_.off_ || owner_.fail_writes) return core::error("write: no space");
      f_->data.append(bytes);
      return core::ok();
    }
    core::Status sync() override {
      if (owner_.off_) return core::error("power is off");
      f_->synced = f_->data.size();
      owner_.syncs++;
      return core::ok();
    }
    core::Status truncate(std::uint64_t size) override {
      if (owner_.off_) return core::error("power is off");
      f_->data.resize(std::min<std::size_t>(size, f_->data.size()));
      f_->synced = std::min(f_->synced, f_->data.size());
      return core::ok();
    }

   private:
    CrashFiles& owner_;
    std::shared_ptr<File> f_;  // kept when the file is removed, as an open descriptor keeps it
  };

  class Lock : public remote::FileLock {
   public:
    Lock(std::shared_ptr<std::set<std::string>> locks, std::string path)
        : locks_(std::move(locks)), path_(std::move(path)) {}
    ~Lock() override { locks_->erase(path_); }

   private:
    std::shared_ptr<std::set<std::string>> locks_;  // outlives the layer if need be
    std::string path_;
  };

  std::shared_ptr<std::set<std::string>> locks_ = std::make_shared<std::set<std::string>>();
  std::map<std::string, std::shared_ptr<File>> files_;
  std::map<std::string, bool> dirs_;
  bool off_ = false;
};

}  // namespace sonde::test
