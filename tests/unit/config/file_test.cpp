#include "config/file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/loader.hpp"
#include "support/test_support.hpp"

using namespace sonde;

namespace fs = std::filesystem;
const fs::path kConfigFixtures = test::fixture_root() / "config";

namespace {

std::vector<std::string> error_lines(const config::LoadResult& r) { return r.errors.lines(); }

/// A file of `text` in a fresh temporary directory, removed with the directory.
class TempFile {
 public:
  explicit TempFile(const std::string& text)
      : dir_(fs::temp_directory_path() / ("sonde_file_test_" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
    std::ofstream(path(), std::ios::binary) << text;
  }
  ~TempFile() { fs::remove_all(dir_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  fs::path path() const { return dir_ / "c.yaml"; }

 private:
  fs::path dir_;
};

TEST_CASE("load_file reports a missing or unreadable file as one error", "[config]") {
  const auto missing = config::load_file("/nonexistent/sonde.yaml");
  CHECK(
      error_lines(missing) ==
      std::vector<std::string>{"/nonexistent/sonde.yaml: cannot open: No such file or directory"});

  const auto dir = config::load_file(kConfigFixtures);
  REQUIRE(dir.errors.size() == 1);
  CHECK(dir.errors.list()[0].message == "not a regular file (a directory)");
}

TEST_CASE("load_file refuses files beyond kMaxConfigBytes", "[config]") {
  const fs::path path =
      fs::temp_directory_path() / ("sonde_config_big_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << std::string(config::kMaxConfigBytes + 1, '#');
  }
  const auto r = config::load_file(path);
  fs::remove(path);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors.list()[0].message.find("larger than") != std::string::npos);
}

TEST_CASE("load_file refuses what is not a regular file, before opening it", "[config]") {
  const fs::path dir =
      fs::temp_directory_path() / ("sonde_config_fifo_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path fifo = dir / "sonde.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Opening a FIFO for reading blocks until a writer appears: this would hang if it were opened.
  const auto r = config::load_file(fifo);
  CHECK(error_lines(r) ==
        std::vector<std::string>{fifo.string() + ": not a regular file (a FIFO)"});
  // Symlinks are followed: to a FIFO refused, to a regular file read.
  fs::create_symlink(fifo, dir / "link.yaml");
  CHECK(error_lines(config::load_file(dir / "link.yaml")) ==
        std::vector<std::string>{(dir / "link.yaml").string() + ": not a regular file (a FIFO)"});
  {
    std::ofstream out(dir / "real.yaml");
    out << "log:\n  level: debug\n";
  }
  fs::create_symlink(dir / "real.yaml", dir / "good.yaml");
  const auto good = config::load_file(dir / "good.yaml");
  CHECK(good.ok());
  CHECK(good.config.log.level == core::LogLevel::debug);
  CHECK(error_lines(config::load_file("/dev/zero")) ==
        std::vector<std::string>{"/dev/zero: not a regular file (a character device)"});
  // The conventional empty file cannot block: it reads as empty, as an empty file would.
  CHECK(config::load_file("/dev/null").ok());
  fs::remove_all(dir);
}

TEST_CASE("read_config_file returns the bytes, NULs and all, up to kMaxConfigBytes", "[config]") {
  const std::string text = std::string("a: 1\n\0b\xff\n", 9) + std::string(20000, 'x');
  {
    const TempFile f(text);
    const auto r = config::read_config_file(f.path());
    REQUIRE(r.ok());
    CHECK(*r == text);
  }
  const TempFile at_limit(std::string(config::kMaxConfigBytes, '#'));
  const auto r = config::read_config_file(at_limit.path());
  REQUIRE(r.ok());
  CHECK(r->size() == config::kMaxConfigBytes);
}

TEST_CASE("read_config_file's errors name the file, with no line or column", "[config]") {
  const auto missing = config::read_config_file("/nonexistent/c.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().file == "/nonexistent/c.yaml");
  CHECK(missing.error().line == 0);
  CHECK(missing.error().column == 0);
  CHECK(missing.error().message == "cannot open: No such file or directory");
  const TempFile big(std::string(config::kMaxConfigBytes + 1, '#'));
  const auto r = config::read_config_file(big.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().to_string() ==
        big.path().string() + ": larger than 4194304 bytes; not a config file?");
  const auto dir = config::read_config_file("/");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().to_string() == "/: not a regular file (a directory)");
}

}  // namespace
