// The data model every source publishes: families of samples whose series text (name and labels)
// is rendered once, when the sample is built, so that a scrape only concatenates bytes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sonde::core {

enum class MetricType : std::uint8_t { counter, gauge, untyped, histogram, summary };

/// The word the text format uses in `# TYPE` lines.
std::string_view type_name(MetricType t);

/// One label pair. Names must already be valid Prometheus label names; values are escaped when
/// rendered.
using Label = std::pair<std::string_view, std::string_view>;

/// One sample: the full series text (`name{a="1",b="2"}`, or just `name`) and its value.
struct Sample {
  std::string series;
  double value = 0;
};

/// Samples that share a name, type and help. For histograms and summaries `name` is the family
/// name and samples carry the `_bucket`/`_sum`/`_count` suffixes in their series text.
struct Family {
  std::string name;
  std::string help;
  MetricType type = MetricType::untyped;
  std::vector<Sample> samples;
};

/// What one source published at one moment. Immutable once handed to the board.
struct Snapshot {
  std::vector<Family> families;
  std::size_t series_count() const;
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

/// Appends `name{k="v",...}` to out, escaping values as the text format requires
/// (backslash, double quote and newline).
void append_series(std::string& out, std::string_view name, std::span<const Label> labels);
std::string render_series(std::string_view name, std::span<const Label> labels);
void append_escaped_label_value(std::string& out, std::string_view value);

/// Where a collector writes what it read. Not thread-safe: one sink per attempt.
class SampleSink {
 public:
  virtual ~SampleSink() = default;

  /// Adds one sample to the family `name`, creating the family (with this type and help) on
  /// first use.
  virtual void add(std::string_view name, MetricType type, std::string_view help,
                   std::span<const Label> labels, double value) = 0;
  /// Reports lines or fields the collector had to skip (counted in
  /// sonde_collector_parse_errors_total{collector}).
  virtual void parse_errors(std::size_t n) = 0;
  /// Adds a sample whose series text (already rendered) differs from the family name: a
  /// histogram's `_bucket`/`_sum`/`_count`, a summary's `_sum`/`_count`.
  virtual void add_raw(std::string_view family, MetricType type, std::string_view help,
                       std::string series, double value) = 0;

  void gauge(std::string_view name, std::string_view help, std::span<const Label> labels,
             double value) {
    add(name, MetricType::gauge, help, labels, value);
  }
  void gauge(std::string_view name, std::string_view help, std::initializer_list<Label> labels,
             double value) {
    add(name, MetricType::gauge, help, std::span(labels.begin(), labels.size()), value);
  }
  void counter(std::string_view name, std::string_view help, std::span<const Label> labels,
               double value) {
    add(name, MetricType::counter, help, labels, value);
  }
  void counter(std::string_view name, std::string_view help, std::initializer_list<Label> labels,
               double value) {
    add(name, MetricType::counter, help, std::span(labels.begin(), labels.size()), value);
  }
  void untyped(std::string_view name, std::string_view help, std::span<const Label> labels,
               double value) {
    add(name, MetricType::untyped, help, labels, value);
  }
  void untyped(std::string_view name, std::string_view help, std::initializer_list<Label> labels,
               double value) {
    add(name, MetricType::untyped, help, std::span(labels.begin(), labels.size()), value);
  }
};

/// The SampleSink that builds a Snapshot.
class SnapshotBuilder final : public SampleSink {
 public:
  void add(std::string_view name, MetricType type, std::string_view help,
           std::span<const Label> labels, double value) override;
  /// Adds a sample whose series text differs from the family name (histogram buckets, `_sum`).
  void add_raw(std::string_view family, MetricType type, std::string_view help, std::string series,
               double value) override;
  /// add_raw for a caller that writes the series text itself: the new sample's text, empty, to
  /// be written before the next add (a recycled sample's keeps its capacity: no allocation).
  std::string& add_raw_text(std::string_view family, MetricType type, std::string_view help,
                            double value);
  /// Room for `n` more samples in family `name` (created here if new, as by add): a source that
  /// knows how many it will add spares the samples' vector its doublings, each a new mapping
  /// past malloc's mmap threshold to fault in and copy into.
  void reserve(std::string_view name, MetricType type, std::string_view help, std::size_t n);
  void parse_errors(std::size_t n) override { parse_errors_ += n; }

  std::size_t parse_error_count() const { return parse_errors_; }
  /// Moves the built families out; the builder is empty afterwards.
  Snapshot take();
  /// Keeps `old`'s families, samples and strings to be filled again by the next snapshot: a
  /// source that publishes the same families each time then allocates (and later frees) almost
  /// nothing. What take() returns is the same with or without it; `old` is left empty.
  void recycle(Snapshot&& old);

 private:
  /// The index of `name`'s family in snap_.families, created on first use.
  std::size_t family(std::string_view name, MetricType type, std::string_view help);
  /// The next sample of family `i`: a recycled one whose series text is to be overwritten, or a
  /// new one.
  Sample& next_sample(std::size_t i);

  /// Where `name`'s family is in snap_.families, or is to be put: an open-addressing table
  /// (linear probing) of family index + 1, 0 for empty, never more than half full. A lookup
  /// builds no key string and a new family allocates nothing here but the table's growth.
  std::uint32_t& slot(std::string_view name);
  void grow();

  Snapshot snap_;
  /// Samples of snap_.families[i] filled so far: past it are recycled ones not yet reused.
  std::vector<std::uint32_t> used_;
  /// Recycled families not yet reused, handed out in order (a source mostly adds its families in
  /// the same order each time, so each gets back its own storage).
  std::vector<Family> spare_;
  std::size_t next_spare_ = 0;
  std::vector<std::uint32_t> slots_;
  std::size_t parse_errors_ = 0;
};

}  // namespace sonde::core
