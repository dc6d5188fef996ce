#include "loadgen/cli.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string_view>
#include <type_traits>

#include "loadgen/check.hpp"

namespace sonde::loadgen {

namespace {

constexpr std::string_view kHelp = R"(usage: sonde-loadgen MODE TARGET [OPTIONS]
       sonde-loadgen sink TARGET [--web.listen-address HOST:PORT] [--receive-buffer BYTES]

Sends DogStatsD lines to a StatsD/DogStatsD receiver and reports what it accepted.

Modes:
  steady   --rate lines/s for --duration seconds
  max      as fast as the senders can, for --duration seconds
  ramp     from --rate, adding --ramp-step each --step-seconds, until a step loses more
           than --loss-threshold percent (or --max-rate); prints the knee
  spike    --rate for --duration, --spike-factor x --rate for --spike-seconds, --rate for
           --duration
  soak     --rate for --duration, a sample of the target's RSS and CPU every --sample-seconds
           (with --sonde: and the counter check at each sample)
  sink     the bare counting receiver (recvmmsg, counts lines): its count is at /metrics as
           loadgen_sink_lines_total{listener="..."}

Target (one):
  --unixgram PATH | --unixstream PATH | --udp HOST:PORT
  --framing newline|length-prefixed   unixstream framing (default newline)

Workload:
  --series N (1000)  --tags N (2)  --lines-per-datagram N (1)  --churn SERIES_PER_S (0)
  --type c|g|ms|h|d|s|mix (c)  --prefix NAME (loadgen)
  --rate LINES_PER_S (10000)  --duration S (10)  --warmup S (1)  --senders N (1)
  --nonblocking (count EAGAIN as refused; default: blocking sends, nothing refused)
  --send-buffer BYTES (SO_SNDBUF)
  --max-backlog S (0.05)  a sender further behind than S seconds of the rate skips the excess
  --catch-up FACTOR (1.25)  a sender behind its schedule pays back at most FACTOR x the rate,
                     after a burst of 1 ms of the rate (0: the whole backlog at once)
  --ramp-step LINES_PER_S  --step-seconds S (2)  --max-rate LINES_PER_S  --loss-threshold PCT (0.1)
  --spike-factor N (10)  --spike-seconds S (5)  --sample-seconds S (5)

What the target accepted (optional; without it `accepted` and loss are not reported):
  --sonde URL        sonde's /metrics or base URL: sonde_ingest_lines_total{listener=TRANSPORT,result="accepted"}
  --metrics URL --counter NAME [--counter-label NAME=VALUE]...   any Prometheus text counter
  --pid PID          the target's process: CPU per line and RSS from /proc/PID/stat

Counter check (steady, spike, soak; on by default in soak with --sonde):
  --check-seconds S  read the generator's counter series back every S seconds (0: off) and
                     count resets and series that vanished although they cannot have expired
  --ttl S            the target's ttl (0: none); needed with --churn
  exit status 3 when it finds a reset or a vanished live series

Report:
  --csv FILE  every row also as CSV   --label TEXT  names the run
)";

template <class T>
std::string show(T v) {
  if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
  }
}

/// A number of type T in [min, max], the whole of `v`.
template <class T>
core::Result<T> in_range(std::string_view flag, std::string_view v, T min, T max) {
  T out{};
  const auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || !std::isfinite(double(out)) ||
      out < min || out > max) {
    return core::error(std::string(flag) + " must be a" + (std::is_integral_v<T> ? " whole" : "") +
                       " number from " + show(min) + " to " + show(max) + ", got \"" +
                       std::string(v) + "\"");
  }
  return out;
}

}  // namespace

core::Result<Command> parse_command_line(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h")
    return Command{Help{std::string(kHelp)}};
  const bool sink_mode = args[0] == "sink";
  RunOptions run;
  SinkOptions sink;
  if (!sink_mode) {
    auto mode = parse_mode(args[0]);
    if (!mode) return mode.error();
    run.mode = *mode;
  }
  std::string sonde_url, metrics_url, framing = "newline";
  std::optional<CounterSelector> counter;
  std::vector<std::pair<std::string, std::string>> counter_labels;
  int targets = 0;

  // Every option takes one value except these.
  const auto is_switch = [](std::string_view f) { return f == "--nonblocking"; };
  using Setter = std::function<core::Status(std::string_view)>;
  // `flag=value` in, the value checked and stored.
  const auto set_number = [](auto& out, auto min, auto max) {
    return [&out, min, max](std::string_view flag_and_value) -> core::Status {
      const auto eq = flag_and_value.find('=');
      auto v = in_range(flag_and_value.substr(0, eq), flag_and_value.substr(eq + 1),
                        static_cast<std::remove_reference_t<decltype(out)>>(min),
                        static_cast<std::remove_reference_t<decltype(out)>>(max));
      if (!v) return v.status();
      out = *v;
      return core::ok();
    };
  };
  const auto set_double = [&](double& out, double min, double max) {
    return set_number(out, min, max);
  };
  const auto set_count = [&](std::uint32_t& out, std::uint32_t min, std::uint32_t max) {
    return set_number(out, min, max);
  };
  const auto set_string = [](std::string& out) {
    return [&out](std::string_view flag_and_value) -> core::Status {
      out = std::string(flag_and_value.substr(flag_and_value.find('=') + 1));
      return core::ok();
    };
  };
  const auto set_target = [&](Transport t) {
    return [&, t](std::string_view flag_and_value) -> core::Status {
      ++targets;
      run.target = {t, std::string(flag_and_value.substr(flag_and_value.find('=') + 1))};
      return core::ok();
    };
  };
  std::string type = "c";
  double rate = run.rate;
  std::uint32_t pid = 0;
  std::uint32_t receive_buffer = sink.receive_buffer;
  double check_s = -1, ttl_s = -1;  // -1: not given
  const std::map<std::string_view, Setter> options = {
      {"--unixgram", set_target(Transport::unixgram)},
      {"--unixstream", set_target(Transport::unixstream)},
      {"--udp", set_target(Transport::udp)},
      {"--framing", set_string(framing)},
      {"--series", set_count(run.workload.series, 1, 100'000'000)},
      {"--tags", set_count(run.workload.tags, 0, 64)},
      {"--lines-per-datagram", set_count(run.workload.lines_per_datagram, 1, 1000)},
      {"--churn", set_double(run.workload.churn, 0, 1e9)},
      {"--type", set_string(type)},
      {"--prefix", set_string(run.workload.prefix)},
      {"--rate", set_double(rate, 1, 1e9)},
      {"--duration", set_double(run.duration_s, 0.1, 1e6)},
      {"--warmup", set_double(run.warmup_s, 0, 3600)},
      {"--senders", set_count(run.senders, 1, 256)},
      {"--send-buffer", set_count(run.send_buffer, 0, 1u << 30)},
      {"--max-backlog", set_double(run.max_backlog_s, 0, 3600)},
      {"--catch-up",
       [&](std::string_view fv) -> core::Status {
         auto st = set_double(run.catch_up, 0, 1000)(fv);
         if (st.ok() && run.catch_up > 0 && run.catch_up <= 1) {
           return core::error(
               "--catch-up must be 0 (no bound) or above 1 (a sender at 1 or below "
               "never catches up), got " +
               std::string(fv.substr(fv.find('=') + 1)));
         }
         return st;
       }},
      {"--ramp-step", set_double(run.ramp_step, 1, 1e9)},
      {"--step-seconds", set_double(run.step_s, 0.1, 3600)},
      {"--max-rate", set_double(run.max_rate, 1, 1e9)},
      {"--loss-threshold", set_double(run.loss_threshold_pct, 0, 100)},
      {"--spike-factor", set_double(run.spike_factor, 1, 1e6)},
      {"--spike-seconds", set_double(run.spike_s, 0.1, 3600)},
      {"--sample-seconds", set_double(run.sample_s, 0.1, 3600)},
      {"--check-seconds", set_double(check_s, 0, 3600)},
      {"--ttl", set_double(ttl_s, 0, 1e6)},
      {"--sonde", set_string(sonde_url)},
      {"--metrics", set_string(metrics_url)},
      {"--counter",
       [&](std::string_view fv) -> core::Status {
         counter = CounterSelector{std::string(fv.substr(fv.find('=') + 1)), {}};
         return core::ok();
       }},
      {"--counter-label",
       [&](std::string_view fv) -> core::Status {
         const std::string_view v = fv.substr(fv.find('=') + 1);
         const auto eq = v.find('=');
         if (eq == std::string_view::npos || eq == 0) {
           return core::error("--counter-label must be NAME=VALUE, got \"" + std::string(v) + "\"");
         }
         counter_labels.emplace_back(std::string(v.substr(0, eq)), std::string(v.substr(eq + 1)));
         return core::ok();
       }},
      {"--pid", set_count(pid, 1, 4194304)},
      {"--csv",
       [&](std::string_view fv) -> core::Status {
         run.csv = std::string(fv.substr(fv.find('=') + 1));
         return core::ok();
       }},
      {"--label", set_string(run.label)},
      {"--web.listen-address", set_string(sink.web_listen_address)},
      {"--receive-buffer", set_count(receive_buffer, 0, 1u << 30)},
  };

  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") return Command{Help{std::string(kHelp)}};
    if (is_switch(a)) {
      run.blocking = false;
      continue;
    }
    std::string flag(a.substr(0, a.find('=')));
    std::string joined;
    if (a.find('=') != std::string_view::npos) {
      joined = std::string(a);
    } else {
      if (i + 1 >= args.size()) return core::error(flag + " needs a value");
      joined = flag + "=" + args[++i];
    }
    const auto it = options.find(flag);
    if (it == options.end()) return core::error("unknown option " + flag);
    if (auto st = it->second(joined); !st.ok()) return st.error();
  }

  if (targets != 1) return core::error("give one target: --unixgram, --unixstream or --udp");
  if (run.target.address.empty()) return core::error("the target's address is empty");
  if (sink_mode) {
    if (run.target.transport == Transport::unixstream && framing != "newline") {
      return core::error("the sink reads unixstream with newline framing only");
    }
    sink.transport = std::string(transport_name(run.target.transport));
    sink.address = run.target.address;
    sink.receive_buffer = receive_buffer;
    return Command{sink};
  }
  if (run.target.transport == Transport::unixstream) {
    if (framing == "newline") {
      run.framing = Framing::newline;
    } else if (framing == "length-prefixed") {
      run.framing = Framing::length_prefixed;
    } else {
      return core::error("--framing must be newline or length-prefixed, got \"" + framing + "\"");
    }
  }
  auto t = parse_line_type(type);
  if (!t) return core::error("--" + t.message());
  run.workload.type = *t;
  if (auto st = validate(run.workload); !st.ok()) return st.error();
  run.rate = rate;
  run.pid = static_cast<int>(pid);
  if (!sonde_url.empty() && !metrics_url.empty()) {
    return core::error("--sonde and --metrics are two ways to say the same: give one");
  }
  if (!sonde_url.empty()) {
    // sonde's metrics are always at /metrics: a base URL (no path, or "/") means that page.
    const auto scheme = sonde_url.find("://");
    const auto path = sonde_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (path == std::string::npos) {
      sonde_url += "/metrics";
    } else if (path + 1 == sonde_url.size()) {
      sonde_url += "metrics";
    }
    run.metrics_url = sonde_url;
    run.counter = CounterSelector{
        "sonde_ingest_lines_total",
        {{"listener", std::string(transport_name(run.target.transport))}, {"result", "accepted"}}};
  } else if (!metrics_url.empty()) {
    if (!counter) return core::error("--metrics needs --counter NAME");
    run.metrics_url = metrics_url;
    counter->labels = counter_labels;
    run.counter = counter;
  } else if (counter || !counter_labels.empty()) {
    return core::error("--counter needs --metrics URL");
  }
  if (check_s < 0) {
    check_s = run.mode == Mode::soak && !sonde_url.empty() && has_counters(run.workload)
                  ? run.sample_s
                  : 0;
  } else if (check_s > 0) {
    if (run.metrics_url.empty()) return core::error("--check-seconds needs --sonde or --metrics");
    if (run.mode == Mode::ramp || run.mode == Mode::max) {
      return core::error(
          "--check-seconds works in steady, spike and soak: ramp pauses its senders and max "
          "has no rate, so how often a series is sent is not known");
    }
    if (!has_counters(run.workload)) {
      return core::error("--check-seconds reads counters back: --type c or mix");
    }
  }
  if (check_s > 0 && run.workload.churn > 0 && ttl_s < 0) {
    return core::error(
        "the counter check with --churn needs --ttl SECONDS, the target's ttl (0 when it has "
        "none): churned-out series expire after it (or --check-seconds 0)");
  }
  run.check_s = check_s;
  run.ttl_s = std::max(ttl_s, 0.0);
  return Command{run};
}

}  // namespace sonde::loadgen
