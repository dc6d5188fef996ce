// The listeners' Unix socket plumbing (unix_socket.cpp).
#include "ingest/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/temp_dir.hpp"

using namespace sonde::ingest;
namespace fs = std::filesystem;

using sonde::test::TempDir;

TEST_CASE("bind_unix: a live socket is in use, a stale one replaced, a file kept",
          "[ingest][unix_socket]") {
  TempDir dir;
  const fs::path path = dir.path / "sub" / "s.sock";
  auto a = bind_unix(path, SOCK_DGRAM, 0640, "");
  REQUIRE(a.ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  REQUIRE(::stat(path.parent_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  auto b = bind_unix(path, SOCK_DGRAM, 0640, "");
  REQUIRE(!b.ok());
  CHECK(b.message() == path.string() + " is in use by another process");

  ::close(*a);  // the file stays: stale
  auto c = bind_unix(path, SOCK_DGRAM, 0660, "0");
  REQUIRE(c.ok());
  ::close(*c);

  const fs::path file = dir.path / "plain";
  std::ofstream(file) << "keep";
  auto d = bind_unix(file, SOCK_DGRAM, 0660, "");
  REQUIRE(!d.ok());
  CHECK(d.message() == file.string() + " exists and is not a socket; not removing it");
  CHECK(fs::file_size(file) == 4);

  auto e = bind_unix(dir.path / "g.sock", SOCK_DGRAM, 0660, "no-such-group-here");
  REQUIRE(!e.ok());
  CHECK(e.message() == "unknown group \"no-such-group-here\"");
  auto f = bind_unix(dir.path / std::string(120, 'x'), SOCK_DGRAM, 0660, "");
  CHECK(!f.ok());
}

TEST_CASE("bind_listener_socket: a configured path, or the runtime directory",
          "[ingest][unix_socket]") {
  TempDir dir;
  auto a = bind_listener_socket(dir.path / "given.sock", dir.path / "unused", "dsd.sock",
                                SOCK_DGRAM, 0660, "");
  REQUIRE(a.ok());
  CHECK(a->path == dir.path / "given.sock");
  CHECK(a->fd.get() >= 0);
  CHECK_FALSE(fs::exists(dir.path / "unused"));

  const fs::path runtime = dir.path / "run";
  auto b = bind_listener_socket({}, runtime, "dsd-stream.sock", SOCK_STREAM, 0660, "");
  REQUIRE(b.ok());
  CHECK(b->path == runtime / "dsd-stream.sock");
  struct stat st {};
  REQUIRE(::stat(runtime.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);  // created for the socket
  CHECK(listen(b->fd.get(), 1) == 0);  // a stream socket

  auto c = bind_listener_socket({}, {}, "dsd.sock", SOCK_DGRAM, 0660, "");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message == "no socket path and no runtime directory to put it in");
}

TEST_CASE("check_runtime_dir refuses what is not this user's own directory",
          "[ingest][unix_socket]") {
  TempDir dir;
  CHECK(check_runtime_dir(dir.path).ok());
  CHECK(check_runtime_dir(dir.path / "new").ok());  // made, 0700
  const fs::path file = dir.path / "file";
  std::ofstream(file) << "x";
  const auto st = check_runtime_dir(file);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == file.string() + " is not a directory");
  if (::geteuid() == 0) {
    // root's own; a directory of another user is refused.
    const fs::path other = dir.path / "other";
    fs::create_directory(other);
    REQUIRE(::chown(other.c_str(), 65534, 65534) == 0);
    const auto o = check_runtime_dir(other);
    REQUIRE_FALSE(o.ok());
    CHECK(o.message().find("belongs to uid 65534") != std::string::npos);
  }
}

TEST_CASE("lookup_group takes names and numbers", "[ingest][unix_socket]") {
  CHECK(*lookup_group("0") == 0);
  CHECK(*lookup_group("root") == 0);
  CHECK_FALSE(lookup_group("no-such-group-here").ok());
}
