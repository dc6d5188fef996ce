#include "core/kept_files.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

using sonde::core::KeptFiles;

namespace {

std::string read_all(KeptFiles& kf, const std::string& path) {
  std::string out;
  const KeptFiles::Outcome r = kf.read_all(path.c_str(), out, 1 << 20);
  REQUIRE(r.err == 0);
  return out;
}

}  // namespace

TEST_CASE("a kept /proc file is read again from its start and gives fresh text",
          "[core][kept_files]") {
  KeptFiles kf;
  const std::string first = read_all(kf, "/proc/uptime");
  CHECK(kf.stats().kept == 1);
  CHECK(kf.stats().reads == 0);  // the first read opened it
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  const std::string second = read_all(kf, "/proc/uptime");
  CHECK(kf.stats().kept == 1);
  CHECK(kf.stats().reads == 1);
  CHECK(second != first);  // uptime's hundredths moved on: the kernel generated it again
  CHECK(second.back() == '\n');
  CHECK(second.find('\n') == second.size() - 1);  // one line: nothing appended to the old text
}

TEST_CASE("a file on another file system is never kept", "[core][kept_files]") {
  KeptFiles kf;
  const auto dir =
      std::filesystem::temp_directory_path() / ("sonde_kept_files_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "stat";
  std::ofstream(file) << "one\n";
  CHECK(read_all(kf, file.string()) == "one\n");
  std::ofstream(file) << "two\n";
  CHECK(read_all(kf, file.string()) == "two\n");
  CHECK(kf.stats().kept == 0);
  CHECK(kf.stats().reads == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("another process's /proc files are not kept: a PID is reused", "[core][kept_files]") {
  KeptFiles kf;
  read_all(kf, "/proc/" + std::to_string(::getpid()) + "/stat");
  read_all(kf, "/proc/thread-self/stat");
  CHECK(kf.stats().kept == 0);
  read_all(kf, "/proc/self/stat");
  CHECK(kf.stats().kept == 1);
}

TEST_CASE("sysfs files of renameable classes are not kept by path", "[core][kept_files]") {
  KeptFiles kf;
  if (std::filesystem::exists("/sys/class/net/lo/mtu")) {
    read_all(kf, "/sys/class/net/lo/mtu");
    CHECK(kf.stats().kept == 0);
  }
  REQUIRE(std::filesystem::exists("/sys/devices/system/cpu/online"));
  read_all(kf, "/sys/devices/system/cpu/online");
  CHECK(kf.stats().kept == 1);
}

TEST_CASE("a kept file whose task went away is opened again by its path", "[core][kept_files]") {
  KeptFiles kf(KeptFiles::Policy{.limit = 0, .keep_numbered = true});
  std::mutex mu;
  std::condition_variable cv;
  bool read_done = false;
  pid_t tid = 0;
  std::thread t([&] {
    std::unique_lock lock(mu);
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    cv.notify_all();
    cv.wait(lock, [&] { return read_done; });
  });
  std::string path;
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return tid != 0; });
    path = "/proc/self/task/" + std::to_string(tid) + "/stat";
    read_all(kf, path);
    read_all(kf, path);
    read_done = true;
    cv.notify_all();
  }
  t.join();
  CHECK(kf.stats().kept == 1);
  CHECK(kf.stats().reads == 1);
  // The thread's tid is cleared before the kernel releases it: wait for its files to go.
  KeptFiles::Outcome r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    std::string out;
    r = kf.read_all(path.c_str(), out, 1 << 20);
    if (r.err == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (r.err == 0 && std::chrono::steady_clock::now() < deadline);
  CHECK(r.err == ENOENT);
  CHECK_FALSE(r.in_read);  // the open by path failed, not the kept descriptor's read
  CHECK(kf.stats().reopened == 1);
  CHECK(kf.stats().kept == 0);
}

TEST_CASE("past the limit files are read uncached and counted", "[core][kept_files]") {
  KeptFiles kf(KeptFiles::Policy{.limit = 1});
  read_all(kf, "/proc/uptime");
  const std::string load = read_all(kf, "/proc/loadavg");
  CHECK_FALSE(load.empty());
  read_all(kf, "/proc/loadavg");
  const KeptFiles::Stats s = kf.stats();
  CHECK(s.kept == 1);
  CHECK(s.limit == 1);
  CHECK(s.full == 2);
  read_all(kf, "/proc/uptime");
  CHECK(kf.stats().reads == 1);
}

TEST_CASE("an unused descriptor is closed to make room", "[core][kept_files]") {
  KeptFiles kf(KeptFiles::Policy{.limit = 1, .keep_numbered = false, .idle_close_ms = 0});
  read_all(kf, "/proc/uptime");
  read_all(kf, "/proc/loadavg");
  const KeptFiles::Stats s = kf.stats();
  CHECK(s.idle_closed == 1);
  CHECK(s.full == 0);
  CHECK(s.kept == 1);
}

TEST_CASE("the default limit follows RLIMIT_NOFILE", "[core][kept_files]") {
  KeptFiles kf;
  CHECK(kf.limit() >= 64);
  CHECK(kf.limit() <= 4096);
}

TEST_CASE("a file larger than the limit is refused and leaves nothing", "[core][kept_files]") {
  KeptFiles kf;
  std::string out = "kept";
  KeptFiles::Outcome r = kf.read_all("/proc/self/status", out, 16);
  CHECK(r.err == EFBIG);
  CHECK(out == "kept");
  r = kf.read_all("/proc/self/status", out, 1 << 20);  // the kept descriptor, read again whole
  CHECK(r.err == 0);
  CHECK(out.rfind("keptName:", 0) == 0);
  CHECK(kf.stats().reads == 1);
}

TEST_CASE("a whole file of many chunks is read to its end, and the limit holds across chunks",
          "[core][kept_files]") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("sonde_kept_big_" + std::to_string(::getpid()) + ".txt");
  std::string text;
  for (int i = 0; text.size() < 100000; ++i) text += "line " + std::to_string(i) + "\n";
  {
    std::ofstream f(path, std::ios::binary);
    f << text;
  }
  KeptFiles kf;
  std::string out = "x";
  KeptFiles::Outcome r = kf.read_all(path.c_str(), out, text.size());
  CHECK(r.err == 0);
  CHECK(out == "x" + text);  // appended after what the string held
  out.clear();
  r = kf.read_all(path.c_str(), out, text.size() - 1);  // one byte short, in the last chunk
  CHECK(r.err == EFBIG);
  CHECK(out.empty());
  r = kf.read_all(path.c_str(), out, 20000);  // short in the second chunk
  CHECK(r.err == EFBIG);
  CHECK(out.empty());
  std::filesystem::remove(path);
}

TEST_CASE("one read of a kept attribute, relative to its directory", "[core][kept_files]") {
  KeptFiles kf;
  const int dir = ::open("/sys/devices/system/cpu", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dir >= 0);
  dev_t dev = 0;
  ino_t ino = 0;
  KeptFiles::dir_identity(dir, dev, ino);
  CHECK(dev != 0);
  std::string a;
  std::string b;
  CHECK(kf.read_once_at(dir, dev, ino, "online", a, 128).err == 0);
  CHECK(kf.read_once_at(dir, dev, ino, "online", b, 128).err == 0);
  CHECK(a == b);
  CHECK_FALSE(a.empty());
  CHECK(kf.stats().kept == 1);
  CHECK(kf.stats().reads == 1);
  std::string c;
  CHECK(kf.read_once_at(dir, dev, ino, "no_such_attribute", c, 128).err == ENOENT);
  ::close(dir);

  // A directory elsewhere has no identity: its files are opened every time.
  const int tmp =
      ::open(std::filesystem::temp_directory_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(tmp >= 0);
  KeptFiles::dir_identity(tmp, dev, ino);
  CHECK(dev == 0);
  ::close(tmp);
}

TEST_CASE("a pipe is read with read(2) and not kept", "[core][kept_files]") {
  KeptFiles kf;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(::write(fds[1], "hello", 5) == 5);
  ::close(fds[1]);
  const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
  CHECK(read_all(kf, path) == "hello");
  CHECK(kf.stats().kept == 0);
  ::close(fds[0]);
}
