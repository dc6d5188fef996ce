// posix_files, the file layer the remote write buffer uses on a real file system.
#include "remote/files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "support/temp_dir.hpp"

using namespace sonde;

namespace {

std::string contents(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST_CASE("posix_files: replace writes a new file whole, through a temporary that goes",
          "[remote][files]") {
  test::TempDir tmp;
  const auto files = remote::posix_files();
  const auto path = tmp.path / "acked";
  REQUIRE(files->replace(path, "first").ok());
  CHECK(contents(path) == "first");
  REQUIRE(files->replace(path, std::string("second\0bytes", 12)).ok());
  CHECK(contents(path) == std::string("second\0bytes", 12));
  CHECK_FALSE(std::filesystem::exists(tmp.path / "acked.tmp"));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // A write that cannot happen leaves the old content in place.
  const auto dir_tmp = tmp.path / "blocked";
  REQUIRE(files->replace(dir_tmp, "kept").ok());
  std::filesystem::create_directory(tmp.path / "blocked.tmp");  // the temporary cannot be created
  const auto st2 = files->replace(dir_tmp, "lost");
  REQUIRE_FALSE(st2.ok());
  CHECK(st2.message() == "create " + (tmp.path / "blocked.tmp").string() + ": Is a directory");
  CHECK(contents(dir_tmp) == "kept");
}

TEST_CASE("posix_files: create, append, truncate, read at an offset, size", "[remote][files]") {
  test::TempDir tmp;
  const auto files = remote::posix_files();
  const auto path = tmp.path / "1.seg";
  {
    auto f = files->create(path);
    REQUIRE(f.ok());
    REQUIRE((*f)->append("hello ").ok());
    REQUIRE((*f)->append("world").ok());
    REQUIRE((*f)->sync().ok());
    REQUIRE((*f)->truncate(8).ok());
    REQUIRE((*f)->append("!").ok());  // O_APPEND: after the cut
  }
  CHECK(contents(path) == "hello wo!");
  CHECK(*files->size(path) == 9);
  CHECK(*files->read(path, 6, 100) == "wo!");  // short at the end
  CHECK(*files->read(path, 0, 5) == "hello");
  CHECK(files->read(path, 100, 5)->empty());
  REQUIRE(files->truncate(path, 2).ok());
  CHECK(contents(path) == "he");
  // create truncates an existing file.
  REQUIRE(files->create(path).ok());
  CHECK(*files->size(path) == 0);

  const auto missing = files->read(tmp.path / "none", 0, 1);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.message() ==
        "open " + (tmp.path / "none").string() + ": No such file or directory");
  CHECK_FALSE(files->size(tmp.path / "none").ok());
}

TEST_CASE("posix_files: list shows files only, remove ignores what is gone", "[remote][files]") {
  test::TempDir tmp;
  const auto files = remote::posix_files();
  REQUIRE(files->make_directories(tmp.path / "a" / "b").ok());
  std::ofstream(tmp.path / "a" / "x.seg") << "x";
  std::ofstream(tmp.path / "a" / "y") << "y";
  auto names = files->list(tmp.path / "a");
  REQUIRE(names.ok());
  std::sort(names->begin(), names->end());
  CHECK(*names == std::vector<std::string>{"x.seg", "y"});  // not ".", "..", or "b"
  REQUIRE(files->remove(tmp.path / "a" / "y").ok());
  CHECK(files->remove(tmp.path / "a" / "y").ok());  // already gone
  CHECK(*files->list(tmp.path / "a") == std::vector<std::string>{"x.seg"});
  CHECK_FALSE(files->list(tmp.path / "none").ok());
  CHECK(files->sync_directory(tmp.path / "a").ok());
}

TEST_CASE("posix_files: a second lock is refused and names the holder's pid", "[remote][files]") {
  test::TempDir tmp;
  const auto files = remote::posix_files();
  const auto path = tmp.path / "lock";
  std::string holder;
  auto first = files->try_lock(path, holder);
  REQUIRE(first.ok());
  REQUIRE(*first != nullptr);
  auto second = files->try_lock(path, holder);
  REQUIRE(second.ok());
  CHECK(*second == nullptr);
  CHECK(holder == std::to_string(::getpid()));
  first->reset();  // released with its descriptor
  holder.clear();
  auto third = files->try_lock(path, holder);
  REQUIRE(third.ok());
  CHECK(*third != nullptr);
  CHECK(holder.empty());
}

}  // namespace
