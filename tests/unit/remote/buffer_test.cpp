#include "remote/buffer.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <numeric>

#include "remote/segment.hpp"
#include "support/crash_files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

using namespace sonde;
using remote::Buffer;
using remote::BufferRecord;
using test::CrashFiles;

namespace {

const std::filesystem::path kDir = "/state/remote-write/r";

/// Record `i`: a body that names it, `size` bytes long, with i+1 samples at time 1000*i.
BufferRecord record(int i, std::size_t size = 100) {
  BufferRecord r;
  r.body = "batch " + std::to_string(i) + " ";
  r.body.resize(size, static_cast<char>('a' + i % 26));
  r.samples = static_cast<std::uint32_t>(i + 1);
  r.highest_ms = 1000 * i;
  return r;
}

/// Takes every record out of the buffer, in order: the numbers their bodies name.
std::vector<int> drain(Buffer& b) {
  std::vector<int> out;
  while (const BufferRecord* r = b.front()) {
    out.push_back(std::stoi(r->body.substr(6)));
    b.pop();
  }
  return out;
}

std::vector<int> range(int from, int to) {
  std::vector<int> v(static_cast<std::size_t>(to - from));
  std::iota(v.begin(), v.end(), from);
  return v;
}

std::vector<std::string> segments(const CrashFiles& f) {
  std::vector<std::string> out;
  for (auto& n : f.names(kDir)) {
    if (n.size() > 4 && n.substr(n.size() - 4) == ".seg") out.push_back(n);
  }
  return out;
}

}  // namespace

TEST_CASE("buffer: records come back in order, after a restart from the acknowledged one",
          "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  {
    Buffer b(files, kDir, 1 << 20, "r");
    b.open();
    CHECK(b.writable());
    for (int i = 0; i < 5; ++i) b.append(record(i));
    CHECK(b.records() == 5);
    CHECK(b.samples() == 1 + 2 + 3 + 4 + 5);
    CHECK(b.bytes() > 5 * 100);
    REQUIRE(b.front() != nullptr);
    CHECK(b.front()->body == record(0).body);
    CHECK(b.front()->highest_ms == 0);
    b.pop();
    b.pop();
  }  // closed: synced, the acknowledged position recorded
  Buffer b(files, kDir, 1 << 20, "r");
  b.open();
  CHECK(b.samples() == 3 + 4 + 5);
  CHECK(drain(b) == range(2, 5));
  CHECK(b.counts().corrupt == 0);
}

TEST_CASE("buffer: after a power loss, replay has everything synced and nothing else",
          "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  auto b = std::make_unique<Buffer>(files, kDir, 1 << 20, "r");
  b->open();
  for (int i = 0; i < 4; ++i) b->append(record(i));
  b->pop();  // 0 acknowledged
  b->sync();
  b->pop();              // 1 acknowledged, not yet recorded
  b->append(record(4));  // not synced
  b->append(record(5));
  files->power_loss();
  b.reset();  // can write nothing now
  files->power_on();

  Buffer again(files, kDir, 1 << 20, "r");
  again.open();
  // 1 is sent again (its acknowledgement was not synced), 4 and 5 were never durable.
  CHECK(drain(again) == range(1, 4));
  CHECK(again.counts().corrupt == 0);
}

TEST_CASE("buffer: a segment cut mid-record replays what precedes the cut, counted",
          "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  const std::size_t cut = GENERATE(1, 5, 8, 20, 99);
  {
    Buffer b(files, kDir, 1 << 20, "r");
    b.open();
    for (int i = 0; i < 3; ++i) b.append(record(i));
  }
  REQUIRE(segments(*files).size() == 1);
  const auto seg = kDir / segments(*files)[0];
  std::string& bytes = files->data(seg);
  bytes.resize(bytes.size() - cut);  // the last record torn
  const std::size_t torn_size = bytes.size();

  {
    Buffer b(files, kDir, 1 << 20, "r");
    b.open();
    CHECK(b.counts().corrupt == 1);
    CHECK(b.records() == 2);
    CHECK(files->data(seg).size() < torn_size);  // the torn tail is cut off the file
    b.append(record(7));                         // and the buffer goes on
    CHECK(drain(b) == std::vector<int>{0, 1, 7});
  }
  Buffer b(files, kDir, 1 << 20, "r");
  b.open();
  CHECK(b.counts().corrupt == 0);
  CHECK(b.empty());
}

TEST_CASE("buffer: a flipped byte loses its record and the rest of its segment only",
          "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  // 1500-byte bodies, 4 KiB segments: two records a segment, three segments.
  {
    Buffer b(files, kDir, 64 << 10, "r");
    b.open();
    for (int i = 0; i < 6; ++i) b.append(record(i, 1500));
  }
  const auto names = segments(*files);
  REQUIRE(names.size() == 3);
  // A byte of the first record of the second segment, anywhere in it: its header, its sample
  // count or its body.
  const std::size_t at =
      GENERATE(remote::kSegmentMagic.size(), remote::kSegmentMagic.size() + 5,
               remote::kSegmentMagic.size() + 9, remote::kSegmentMagic.size() + 600);
  std::string& bytes = files->data(kDir / names[1]);
  bytes[at] = static_cast<char>(bytes[at] ^ 0x10);

  Buffer b(files, kDir, 64 << 10, "r");
  b.open();
  CHECK(b.counts().corrupt == 1);
  CHECK(drain(b) == std::vector<int>{0, 1, 4, 5});
}

TEST_CASE("buffer: past max_bytes the oldest segments go, their samples counted",
          "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  const std::uint64_t max = 16 << 10;  // 4 KiB segments
  Buffer b(files, kDir, max, "r");
  b.open();
  std::uint64_t appended = 0;
  const int n = 30;
  for (int i = 0; i < n; ++i) {
    b.append(record(i, 1500));
    appended += static_cast<std::uint64_t>(i) + 1;
    CHECK(b.bytes() <= max);
  }
  CHECK(b.counts().dropped_buffer_full > 0);
  CHECK(b.samples() + b.counts().dropped_buffer_full == appended);
  const auto left = drain(b);
  REQUIRE(!left.empty());
  CHECK(left == range(n - static_cast<int>(left.size()), n));  // the newest, contiguous
  // What was dropped is what the kept records do not have.
  std::uint64_t kept = 0;
  for (int i : left) kept += static_cast<std::uint64_t>(i) + 1;
  CHECK(kept + b.counts().dropped_buffer_full == appended);
  CHECK(segments(*files).size() <= max / 4096);
}

TEST_CASE("buffer: an unwritable directory falls back to memory, in order, bounded",
          "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  Buffer b(files, kDir, 1 << 20, "r");
  b.open();
  b.append(record(0));
  b.append(record(1));
  files->fail_writes = true;  // the disk fills
  b.append(record(2));
  CHECK_FALSE(b.writable());
  b.set_memory_limit(4 + 5 + 6);  // the samples of records 3, 4 and 5
  for (int i = 3; i < 6; ++i) b.append(record(i));
  CHECK(b.counts().dropped_memory_full == 3);  // record 2, the oldest in memory
  b.sync();                                    // tries the disk: still full
  CHECK_FALSE(b.writable());
  files->fail_writes = false;
  b.sync();
  CHECK(b.writable());
  b.append(record(6));
  CHECK(drain(b) == std::vector<int>{0, 1, 3, 4, 5, 6});
  CHECK(b.samples() == 0);
}

TEST_CASE("buffer: no directory at all is memory only", "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  Buffer b(files, "", 1 << 20, "r");
  b.open();
  CHECK_FALSE(b.writable());
  b.append(record(0));
  b.sync();
  CHECK(files->names(kDir).empty());
  CHECK(drain(b) == std::vector<int>{0});
}

TEST_CASE("buffer: remove_files deletes the buffer's files and nothing else", "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  {
    Buffer b(files, kDir, 1 << 20, "r");
    b.open();
    b.append(record(0));
    b.pop();
    b.append(record(1));
  }
  (void)files->replace(kDir / "notes.txt", "mine");
  REQUIRE(files->exists(kDir / "acked"));
  Buffer::remove_files(*files, kDir);
  CHECK(files->names(kDir) == std::vector<std::string>{"notes.txt"});
}

TEST_CASE("buffer: on the real file system", "[remote][buffer]") {
  test::TempDir tmp;
  const auto dir = tmp.path / "remote-write" / "r";
  {
    Buffer b(remote::posix_files(), dir, 1 << 20, "r");
    b.open();
    for (int i = 0; i < 3; ++i) b.append(record(i));
    b.pop();
    b.sync();
  }
  {
    Buffer b(remote::posix_files(), dir, 1 << 20, "r");
    b.open();
    CHECK(b.writable());
    CHECK(drain(b) == range(1, 3));
  }
  Buffer::remove_files(*remote::posix_files(), dir);
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("buffer: a directory another process holds is refused, and left alone",
          "[remote][buffer]") {
  auto files = std::make_shared<CrashFiles>();
  {
    Buffer b(files, kDir, 1 << 20, "r");
    b.open();
    b.append(record(0));
  }
  files->foreign_locks[(kDir / "lock").string()] = "4242";
  {
    Buffer b(files, kDir, 1 << 20, "r");
    b.open();
    CHECK(b.refused());
    CHECK(b.holder() == "4242");
    CHECK(b.empty());  // its records are the other process's to send
    CHECK_FALSE(b.writable());
    b.append(record(1));  // in memory only: the other's segments stay as they are
    b.sync();
  }
  CHECK(segments(*files).size() == 1);
  Buffer::remove_files(*files, kDir);
  CHECK(segments(*files).size() == 1);
  files->foreign_locks.clear();
  Buffer b(files, kDir, 1 << 20, "r");
  b.open();
  CHECK_FALSE(b.refused());
  CHECK(drain(b) == std::vector<int>{0});
}

TEST_CASE("buffer: two owners of one real directory: the second is refused until the first goes",
          "[remote][buffer]") {
  test::TempDir tmp;
  const auto dir = tmp.path / "rw";
  auto first = std::make_unique<Buffer>(remote::posix_files(), dir, 1 << 20, "a");
  first->open();
  REQUIRE_FALSE(first->refused());
  first->append(record(0));
  {
    // flock conflicts between two open files even in one process, as between two sondes.
    Buffer second(remote::posix_files(), dir, 1 << 20, "b");
    second.open();
    CHECK(second.refused());
    CHECK(second.holder() == std::to_string(::getpid()));
    Buffer::remove_files(*remote::posix_files(), dir);  // refused too: first's files stay
  }
  CHECK(std::filesystem::exists(dir / "lock"));
  first.reset();
  Buffer second(remote::posix_files(), dir, 1 << 20, "b");
  second.open();
  CHECK_FALSE(second.refused());
  CHECK(drain(second) == std::vector<int>{0});
}
