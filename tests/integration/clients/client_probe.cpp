// Drives the C++ client for tests/integration/test_clients.py; client_probe.py is its Python
// twin. Usage: sonde_client_probe ADDRESS MAX_DATAGRAM FLUSH_MS RECONNECT_MS PREFIX CONST_TAGS
// (CONST_TAGS comma-separated, "-" for none). Reads one command a line from stdin and answers
// one line on stdout:
//   ops                 every operation once, with the values test_clients.py expects
//   escape              names and tags with reserved bytes
//   inc NAME N          N increments of NAME (buffered; no flush)
//   sampled NAME N      N increments of NAME at rate 0.5
//   flushed NAME N      N increments of NAME, each flushed into its own datagram
//   flush               flush()
//   fork NAME           buffers NAME.before, forks; the child sends NAME.child, the parent
//                       NAME.parent; answers "child <exit code>"
//   stats               the client's counters as JSON
//   quit
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sonde/client.hpp>
#include <sstream>
#include <string>
#include <thread>

namespace {

std::string stats_json(const sonde::ClientStats& s) {
  std::ostringstream o;
  o << "{\"lines_queued\":" << s.lines_queued << ",\"lines_sent\":" << s.lines_sent
    << ",\"lines_dropped\":" << s.lines_dropped << ",\"datagrams_sent\":" << s.datagrams_sent
    << ",\"datagrams_dropped\":" << s.datagrams_dropped << ",\"bytes_sent\":" << s.bytes_sent
    << ",\"invalid\":" << s.invalid << ",\"connect_failures\":" << s.connect_failures
    << ",\"reconnects\":" << s.reconnects << ",\"last_errno\":" << s.last_errno << "}";
  return o.str();
}

void ops(sonde::Client& c) {
  c.count("req", 3, {{"endpoint", "/a"}, {"status", "200"}});
  c.increment("req", {{"endpoint", "/a"}, {"status", "500"}});
  c.gauge("temp", 20);
  c.gauge_add("temp", -2.5);
  c.histogram("size", 300);
  c.distribution("lat", 0.2);
  c.timing("dur", 1500);
  c.timing("dur", std::chrono::milliseconds(30));
  c.set("users", "alice");
  c.set("users", "bob");
  c.set("users", "alice");
  { auto t = c.timer("block"); }
  sonde::Event e;
  e.title = "deploy";
  e.text = "v2|rolled\nout";
  e.alert_type = "success";
  e.source_type = "ci";
  c.event(e, {"env:prod"});
  c.service_check("db", sonde::ServiceCheckStatus::critical, {"env:prod"}, "down", 1600000000);
  c.flush();
}

void escape(sonde::Client& c) {
  c.count("we|ird:na#me,x@y", 2, {"k|x:v,y", {"ke:y", "va|l"}, "fl#ag:on"});
  c.set("members", "a:b");
  c.set("members", "a|b");
  c.flush();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s ADDRESS MAX_DATAGRAM FLUSH_MS RECONNECT_MS PREFIX TAGS\n",
                 argv[0]);
    return 2;
  }
  sonde::ClientOptions o;
  o.address = argv[1];
  o.max_datagram_bytes = std::stoul(argv[2]);
  o.flush_interval = std::chrono::milliseconds(std::stol(argv[3]));
  o.reconnect_interval = std::chrono::milliseconds(std::stol(argv[4]));
  o.prefix = argv[5];
  std::string tags = argv[6];
  if (tags != "-") {
    std::istringstream in(tags);
    for (std::string t; std::getline(in, t, ',');) o.constant_tags.push_back(t);
  }
  sonde::Client c(o);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, name;
    long n = 0;
    in >> cmd >> name >> n;
    if (cmd == "ops") {
      ops(c);
    } else if (cmd == "escape") {
      escape(c);
    } else if (cmd == "inc") {
      for (long i = 0; i < n; ++i) c.increment(name);
    } else if (cmd == "sampled") {
      for (long i = 0; i < n; ++i) c.increment(name, {}, 0.5);
    } else if (cmd == "flushed") {
      for (long i = 0; i < n; ++i) {
        c.increment(name);
        c.flush();
      }
    } else if (cmd == "flush") {
      c.flush();
    } else if (cmd == "fork") {
      c.increment(name + ".before");
      std::cout.flush();
      const pid_t pid = ::fork();
      if (pid == 0) {
        c.increment(name + ".child");
        c.flush();
        const auto s = c.stats();
        ::_exit(s.lines_sent == 1 && s.lines_queued == 1 ? 0 : 3);
      }
      c.increment(name + ".parent");
      c.flush();
      int status = 0;
      ::waitpid(pid, &status, 0);
      std::cout << "child " << (WIFEXITED(status) ? WEXITSTATUS(status) : 128) << std::endl;
      continue;
    } else if (cmd == "stats") {
      std::cout << stats_json(c.stats()) << std::endl;
      continue;
    } else if (cmd == "quit") {
      break;
    } else {
      std::cout << "unknown command" << std::endl;
      continue;
    }
    std::cout << "ok" << std::endl;
  }
  return 0;
}
