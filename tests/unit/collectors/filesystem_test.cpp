#include "collectors/filesystem.hpp"

#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "collector_test_util.hpp"
#include "collectors/scheduler.hpp"
#include "core/board.hpp"
#include "support/eventually.hpp"

namespace sonde::collectors {
namespace {

using namespace std::chrono_literals;
using test::RecordingSink;

TEST_CASE("parse_mounts reads the four fields and decodes escapes", "[collectors][filesystem]") {
  const std::string text =
      "/dev/dm-2 / ext4 rw,relatime,errors=remount-ro 0 0\n"
      "server:/a\\040b /mnt/with\\040space\\011tab\\134 nfs4 ro,vers=4.2 0 0\n"
      "\n"
      "short line\n"
      "tmpfs /run tmpfs rw\n";
  const Mounts m = parse_mounts(text);
  CHECK(m.errors == 1);
  REQUIRE(m.entries.size() == 3);
  CHECK(m.entries[0].device == "/dev/dm-2");
  CHECK(m.entries[0].mount_point == "/");
  CHECK(m.entries[0].fs_type == "ext4");
  CHECK(m.entries[0].options == "rw,relatime,errors=remount-ro");
  CHECK(m.entries[1].device == "server:/a b");
  CHECK(m.entries[1].mount_point == "/mnt/with space\ttab\\");
  CHECK(m.entries[2].mount_point == "/run");
}

/// A statfs that answers from a table and blocks for ever (until released) on one path.
struct FakeStatfs {
  std::string hung_suffix = "/mnt/nfs";
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);

  StatfsFn fn() {
    return [hung = hung_suffix, gate = released, calls = calls](const std::string& path,
                                                                FsStats& out) {
      ++*calls;
      if (path.size() >= hung.size() &&
          path.compare(path.size() - hung.size(), hung.size(), hung) == 0) {
        gate.wait();  // a dead NFS server
        return EIO;
      }
      if (path.find("/gone") != std::string::npos) return ENOENT;
      out = FsStats{1000, 400, 300, 50, 20, 4096};
      return 0;
    };
  }
};

std::string series(const char* name, const std::string& device, const std::string& fstype,
                   const std::string& mountpoint) {
  return std::string(name) + "{device=\"" + device + "\",fstype=\"" + fstype + "\",mountpoint=\"" +
         mountpoint + "\"}";
}

TEST_CASE("filesystem collector on node_exporter's mount table", "[collectors][filesystem]") {
  FakeStatfs fake;
  collectors::FilesystemOptions opts;
  FilesystemCollector c{core::HostPaths::under(test::ne_fixture()), opts, nullptr, fake.fn()};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.errors == 0);
  // Default exclusions: /sys, /proc, /dev and their sub-mounts, pseudo filesystem types.
  for (const auto& [s, r] : sink.samples) {
    INFO(s);
    CHECK(s.find("mountpoint=\"/sys") == std::string::npos);
    CHECK(s.find("mountpoint=\"/proc") == std::string::npos);
    CHECK(s.find("mountpoint=\"/dev") == std::string::npos);
    CHECK(s.find("fstype=\"rpc_pipefs\"") == std::string::npos);
    CHECK(r.type == core::MetricType::gauge);
  }
  const std::string root = series("node_filesystem_size_bytes", "/dev/dm-2", "ext4", "/");
  CHECK(sink.value(root) == 1000.0 * 4096);
  CHECK(sink.value(series("node_filesystem_free_bytes", "/dev/dm-2", "ext4", "/")) == 400.0 * 4096);
  CHECK(sink.value(series("node_filesystem_avail_bytes", "/dev/dm-2", "ext4", "/")) ==
        300.0 * 4096);
  CHECK(sink.value(series("node_filesystem_files", "/dev/dm-2", "ext4", "/")) == 50);
  CHECK(sink.value(series("node_filesystem_files_free", "/dev/dm-2", "ext4", "/")) == 20);
  CHECK(sink.value(series("node_filesystem_readonly", "/dev/dm-2", "ext4", "/")) == 0);
  CHECK(sink.value(series("node_filesystem_device_error", "/dev/dm-2", "ext4", "/")) == 0);
  CHECK(sink.samples.at(root).help == "Filesystem size in bytes.");
  // node_exporter's own fixture test expects /run (tmpfs) and the space-escaped mount.
  CHECK(sink.has(series("node_filesystem_size_bytes", "tmpfs", "tmpfs", "/run")));
  CHECK(sink.has(series("node_filesystem_size_bytes", "/dev/sda", "ext4",
                        "/var/lib/kubelet/plugins/kubernetes.io/vsphere-volume/mounts/"
                        "[vsanDatastore] bafb9e5a-8856-7e6c-699c-801844e77a4a/"
                        "kubernetes-dynamic-pvc-3eba5bba-48a3-11e8-89ab-005056b92113.vmdk")));
}

TEST_CASE("a hung mount costs one worker and never blocks the others", "[collectors][filesystem]") {
  test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc" / "1");
  {
    std::ofstream m(root.root() / "proc" / "1" / "mounts");
    m << "/dev/sda1 / ext4 rw,relatime 0 0\n"
         "server:/export /mnt/nfs nfs4 rw,vers=4.2 0 0\n"
         "/dev/sdb1 /data xfs ro,relatime 0 0\n"
         "/dev/sdc1 /gone ext4 rw 0 0\n";
  }
  FakeStatfs fake;
  collectors::FilesystemOptions opts;
  opts.statfs_timeout = 50ms;
  auto pool = std::make_shared<core::BlockingPool>(4);
  FilesystemCollector c{core::HostPaths{root.root() / "proc", root.root() / "sys", "/"}, opts, pool,
                        fake.fn()};
  for (int round = 0; round < 5; ++round) {
    INFO("collect " << round);
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    // The hung mount: device_error 1 and nothing else.
    CHECK(sink.value(
              series("node_filesystem_device_error", "server:/export", "nfs4", "/mnt/nfs")) == 1);
    CHECK_FALSE(
        sink.has(series("node_filesystem_size_bytes", "server:/export", "nfs4", "/mnt/nfs")));
    // A mount whose statfs fails: the same.
    CHECK(sink.value(series("node_filesystem_device_error", "/dev/sdc1", "ext4", "/gone")) == 1);
    CHECK_FALSE(sink.has(series("node_filesystem_files", "/dev/sdc1", "ext4", "/gone")));
    // The others report, every time.
    CHECK(sink.value(series("node_filesystem_size_bytes", "/dev/sda1", "ext4", "/")) ==
          1000.0 * 4096);
    CHECK(sink.value(series("node_filesystem_readonly", "/dev/sdb1", "xfs", "/data")) == 1);
    CHECK(sink.value(series("node_filesystem_device_error", "/dev/sdb1", "xfs", "/data")) == 0);
    // One stuck worker, however many collects ask.
    CHECK(pool->stuck() == 1);
    CHECK(pool->threads() <= 4);
  }
  // statfs was called on the hung mount once: later collects were refused with key_busy.
  // (3 healthy mounts x 5 collects + 1 hung call.)
  CHECK(fake.calls->load() == 3 * 5 + 1);

  // When the server comes back, the mount reports again.
  fake.release.set_value();
  CHECK(test::eventually([&] {
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    return sink.value(
               series("node_filesystem_device_error", "server:/export", "nfs4", "/mnt/nfs")) == 1 &&
           pool->stuck() == 0;
  }));  // EIO from the fake: still an error, but no longer stuck
}

TEST_CASE("a dropped pool does not wait for a hung statfs", "[collectors][filesystem]") {
  test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc");
  {
    std::ofstream m(root.root() / "proc" / "mounts");  // no proc/1/mounts: the fallback
    m << "server:/export /mnt/nfs nfs4 rw 0 0\n";
  }
  FakeStatfs fake;
  collectors::FilesystemOptions opts;
  opts.statfs_timeout = 20ms;
  {
    FilesystemCollector c{core::HostPaths{root.root() / "proc", root.root() / "sys", "/"}, opts,
                          nullptr, fake.fn()};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value(
              series("node_filesystem_device_error", "server:/export", "nfs4", "/mnt/nfs")) == 1);
  }  // collector and its own pool destroyed here with the call still blocked: must not hang
  fake.release.set_value();
}

TEST_CASE("filesystem collector strips and prepends host.rootfs", "[collectors][filesystem]") {
  test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc" / "1");
  const std::string host = (root.root() / "host").string();
  {
    std::ofstream m(root.root() / "proc" / "1" / "mounts");
    m << "/dev/sda1 " << host << " ext4 rw 0 0\n"
      << "/dev/sdb1 " << host << "/data xfs rw 0 0\n"
      << "/dev/sdc1 /elsewhere xfs rw 0 0\n";
  }
  std::vector<std::string> asked;
  std::mutex mu;
  StatfsFn fn = [&](const std::string& path, FsStats& out) {
    std::lock_guard lock(mu);
    asked.push_back(path);
    out = FsStats{1, 1, 1, 1, 1, 1};
    return 0;
  };
  FilesystemCollector c{core::HostPaths{root.root() / "proc", root.root() / "sys", host},
                        collectors::FilesystemOptions{}, nullptr, fn};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.has(series("node_filesystem_size_bytes", "/dev/sda1", "ext4", "/")));
  CHECK(sink.has(series("node_filesystem_size_bytes", "/dev/sdb1", "xfs", "/data")));
  CHECK(sink.has(series("node_filesystem_size_bytes", "/dev/sdc1", "xfs", "/elsewhere")));
  std::sort(asked.begin(), asked.end());
  CHECK(asked == std::vector<std::string>{host, host + "/data", host + "/elsewhere"});
}

TEST_CASE("filesystem collector with the real statfs", "[collectors][filesystem]") {
  test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc" / "1");
  {
    std::ofstream m(root.root() / "proc" / "1" / "mounts");
    m << "/dev/root / ext4 rw 0 0\n";
  }
  FilesystemCollector c{core::HostPaths{root.root() / "proc", root.root() / "sys", "/"},
                        collectors::FilesystemOptions{}, nullptr};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.value(series("node_filesystem_device_error", "/dev/root", "ext4", "/")) == 0);
  CHECK(*sink.value(series("node_filesystem_size_bytes", "/dev/root", "ext4", "/")) > 0);
}

TEST_CASE("filesystem collector fails without a mount table or with a bad regex",
          "[collectors][filesystem]") {
  SECTION("no table") {
    FilesystemCollector c{core::HostPaths::under(test::host("empty")),
                          collectors::FilesystemOptions{}, nullptr};
    RecordingSink sink;
    CHECK_FALSE(c.collect(sink).ok());
  }
  SECTION("bad regex") {
    collectors::FilesystemOptions opts;
    opts.fs_types_exclude = "(";
    FilesystemCollector c{core::HostPaths::under(test::ne_fixture()), opts, nullptr};
    RecordingSink sink;
    const auto st = c.collect(sink);
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("filesystem.fs_types_exclude"));
  }
}

}  // namespace
}  // namespace sonde::collectors

namespace sonde::collectors {
namespace {

/// The text of every snapshot a scrape would see.
std::string scrape(const core::Board& board) {
  std::string text;
  core::write_text(board.gather(), text);
  return text;
}

TEST_CASE("a scrape is served while the filesystem collector waits on a hung mount",
          "[collectors][filesystem]") {
  test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc" / "1");
  {
    std::ofstream m(root.root() / "proc" / "1" / "mounts");
    m << "/dev/sda1 / ext4 rw 0 0\nserver:/export /mnt/nfs nfs4 rw 0 0\n";
  }
  // A statfs that says when the hung call has started, then blocks until the end of the test.
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::once_flag once;
  StatfsFn fn = [&entered, &once, released](const std::string& path, FsStats& out) {
    if (path == "/mnt/nfs") {
      std::call_once(once, [&] { entered.set_value(); });
      released.wait();
      return EIO;
    }
    out = FsStats{10, 5, 4, 3, 2, 512};
    return 0;
  };
  collectors::FilesystemOptions opts;
  opts.statfs_timeout = 300ms;
  auto pool = std::make_shared<core::BlockingPool>(4);

  boost::asio::io_context io;
  core::Board board;
  prometheus::Registry registry;
  Scheduler scheduler(io, board, core::SystemClock::instance(), registry);
  scheduler.add(
      std::make_unique<FilesystemCollector>(
          core::HostPaths{root.root() / "proc", root.root() / "sys", "/"}, opts, pool, fn),
      1s);
  std::thread loop([&] { io.run(); });

  // The collect is inside its wait (the hung statfs has started, nothing is published yet), and
  // a scrape still gets an answer: the board never waits for a collector.
  entered.get_future().wait();
  const std::string during = scrape(board);
  CHECK(board.components().at(0).attempts == 0);
  CHECK(during.find("node_filesystem_") == std::string::npos);

  // Once the deadline passes, the collector publishes: the hung mount as an error, the other
  // mount with its figures; one stuck worker however many collects come.
  std::string after;
  CHECK(test::eventually([&] {
    after = scrape(board);
    return board.components().at(0).attempts >= 2;
  }));
  CHECK_THAT(after, Catch::Contains("node_filesystem_device_error{device=\"server:/export\","
                                    "fstype=\"nfs4\",mountpoint=\"/mnt/nfs\"} 1"));
  CHECK_THAT(after, Catch::Contains("node_filesystem_size_bytes{device=\"/dev/sda1\",fstype="
                                    "\"ext4\",mountpoint=\"/\"} 5120"));
  CHECK(pool->stuck() == 1);

  scheduler.stop();
  io.stop();
  loop.join();  // at most one statfs_timeout: the stuck worker itself is never joined
  release.set_value();
}

}  // namespace
}  // namespace sonde::collectors
