#include "collectors/zfs.hpp"

#include <fstream>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("zfs collector matches node_exporter 1.5.0 on its fixture", "[collectors][zfs]") {
  ZfsCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_zfs_");
  });
}

TEST_CASE("parse_zfs_kstat reads the uint64 entries after the names line", "[collectors][zfs]") {
  const auto r = parse_zfs_kstat(
      "6 1 0x01 91 4368 5266997922 97951858082072\n"
      "hits 4 1\n"  // before the names line: skipped
      "name                            type data\n"
      "hits                            4    8772612\n"
      "short 4\n"
      "c_name                          7    text\n"
      "erpt-dropped                    4    18446744073709551615\n");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].name == "hits");
  CHECK((*r)[0].value == 8772612);
  CHECK((*r)[1].value == 18446744073709551615u);
  CHECK(parse_zfs_kstat("hits 4 1\n").message() == "no \"name type data\" line");
  CHECK(parse_zfs_kstat("name type data\nhits 4 -1\n").message() ==
        "could not parse expected integer value for \"hits\"");
}

TEST_CASE("parse_zfs_pool_io and parse_zfs_objset follow node_exporter 1.5", "[collectors][zfs]") {
  const std::string names =
      "nread nwritten reads writes wtime wlentime wupdate rtime rlentime "
      "rupdate wcnt rcnt\n";
  // The names are views into the text: it must outlive them.
  const std::string io_text = "12 3 0x00 1 80 79205351707403 395818011156865\n" + names +
                              "1 2 3 4 5 6 7 8 9 10 11 12 13\n";
  const auto io = parse_zfs_pool_io(io_text);
  REQUIRE(io.ok());
  REQUIRE(io->size() == 12);
  CHECK((*io)[11].name == "rcnt");
  CHECK((*io)[11].value == 12);
  CHECK(parse_zfs_pool_io(names + "1 2 3\n").message() ==
        "a value line of 3 fields under 12 names");
  CHECK(parse_zfs_pool_io(names + "\n").message() == "a value line of 0 fields under 12 names");
  CHECK(parse_zfs_pool_io("nread nwritten\n1 2\n")->empty());  // fewer than 12 names: no header

  const auto objset = parse_zfs_objset(
      "23 1 0x01 7 2160 221578688875 6665999035587\n"
      "name                            type data\n"
      "writes                          4    1\n"
      "dataset_name                    7    pool1/dataset1\n"
      "writes                          4    4\n");
  REQUIRE(objset.ok());
  REQUIRE(objset->size() == 2);
  CHECK_FALSE((*objset)[0].named);  // zpool="" dataset="" in node_exporter
  CHECK((*objset)[0].dataset.empty());
  CHECK((*objset)[1].named);
  CHECK((*objset)[1].dataset == "pool1/dataset1");
  CHECK(parse_zfs_objset("dataset_name 7 x\n").message() == "no \"name type data\" line");

  CHECK(parse_zfs_pool_state("ONLINE\r\nDEGRADED\n") == "online");
  CHECK(parse_zfs_pool_state("") == "");
}

TEST_CASE("zfs: what node_exporter's registry would drop is dropped and counted",
          "[collectors][zfs]") {
  const test::ScratchRoot root;
  const auto base = root.root() / "proc/spl/kstat/zfs";
  std::filesystem::create_directories(base / "p1");
  // "a-b" and "a_b" make one family with two helps; "x.hits" and "hits" one series twice;
  // "bad name!" no valid name.
  std::ofstream(base / "arcstats") << "1 1 0x01\nname type data\nhits 4 1\nx.hits 4 2\na-b 4 3\n"
                                      "a_b 4 4\nbad!name 4 5\n";
  // An io field "state" would make node_zfs_zpool_state untyped, before the gauge.
  std::ofstream(base / "p1/io") << "h\nnread nwritten reads writes wtime wlentime wupdate rtime "
                                   "rlentime rupdate wcnt state\n1 2 3 4 5 6 7 8 9 10 11 12\n";
  std::ofstream(base / "p1/state") << "ONLINE\n";
  ZfsCollector c{root.paths()};
  test::RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(*sink.value("node_zfs_arc_hits") == 1);
  CHECK(*sink.value("node_zfs_arc_a_b") == 3);
  CHECK(*sink.value(R"(node_zfs_zpool_state{zpool="p1"})") == 12);
  CHECK(sink.count_family("node_zfs_zpool_state") == 1);
  CHECK(sink.count_family("node_zfs_zpool_nread") == 1);
  CHECK(sink.errors == 3 + 6);
}

TEST_CASE("zfs: sources absent", "[collectors][zfs]") {
  SECTION("no /proc/spl/kstat/zfs (no ZFS module): nothing, success") {
    ZfsCollector c{core::HostPaths::under(test::fixture_root() / "hosts/empty")};
    test::RecordingSink sink;
    CHECK(c.collect(sink).ok());
    CHECK(sink.samples.empty());
  }
  SECTION("kstat files an older ZFS lacks are skipped; a malformed one fails") {
    const test::ScratchRoot root;
    const auto base = root.root() / "proc/spl/kstat/zfs";
    std::filesystem::create_directories(base);
    std::ofstream(base / "zil") << "1 1 0x01\nname type data\nzil_commit_count 4 7\n";
    ZfsCollector c{root.paths()};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.samples.size() == 1);
    CHECK(*sink.value("node_zfs_zil_zil_commit_count") == 7);
    std::ofstream(base / "fm") << "no header\n";
    const auto st = c.collect(sink);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "no \"name type data\" line in " + (base / "fm").string());
  }
}

}  // namespace
}  // namespace sonde::collectors
