// Must-check results for sonde: Status for operations without a value, Result<T, E> for ones with,
// and Errors for everything that reports several problems at once (config, mapping, rule files).
// Modelled on osquery's Expected; replace with std::expected once the toolchain has C++23.
#pragma once

#include <algorithm>
#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sonde::core {

/// What went wrong, as a sentence a user can act on.
struct Error {
  std::string message;
};

inline Error error(std::string message) { return Error{std::move(message)}; }

/// Success or an Error. Cheap to return on success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  /// Precondition: !ok().
  const Error& error() const {
    assert(error_);
    return *error_;
  }
  const std::string& message() const { return error().message; }

 private:
  std::optional<Error> error_;
};

inline Status ok() { return Status{}; }

/// A value or an error of type E (core::Error unless a module needs a richer one, such as a
/// parse error with a position).
template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(E e) : v_(std::in_place_index<1>, std::move(e)) {}          // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// Precondition: !ok().
  const E& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  /// For E = Error (or any E with a `message` member).
  const std::string& message() const { return error().message; }
  /// Converts a failed Result into a Status carrying the same message.
  Status status() const { return ok() ? Status{} : Status{Error{error().message}}; }

 private:
  std::variant<T, E> v_;
};

/// One problem found in a file sonde reads (config, mapping file, rule file, web config):
/// `file:line:column: path: message`. line and column are 1-based; 0 when unknown.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string path;  // dotted key path ("collectors.cpu.interval"), or empty
  std::string message;

  std::string to_string() const;
  bool operator==(const Diagnostic&) const = default;
};

/// Every problem of one pass, in the order found, bounded: a hostile file of a million errors
/// keeps the first `kMax` and counts the rest (to_string ends with "… and N more errors").
class Errors {
 public:
  static constexpr std::size_t kMax = 100;

  void add(Diagnostic d) {
    if (list_.size() < kMax) {
      list_.push_back(std::move(d));
    } else {
      ++dropped_;
    }
  }
  void append(const Errors& other) {
    for (const auto& d : other.list_) add(d);
    dropped_ += other.dropped_;
  }
  bool empty() const { return list_.empty() && dropped_ == 0; }
  /// True once kMax errors are held: callers may stop looking for more.
  bool full() const { return list_.size() >= kMax; }
  std::size_t size() const { return list_.size() + dropped_; }
  std::size_t dropped() const { return dropped_; }
  const std::vector<Diagnostic>& list() const { return list_; }
  /// Orders the held diagnostics by position (line, then column), keeping the order of equal
  /// ones: a reader that checks a map's keys before its values still reports in file order.
  void sort_by_position() {
    std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
  }
  /// One line per diagnostic, then "… and N more errors" when some were dropped.
  std::vector<std::string> lines() const;

 private:
  std::vector<Diagnostic> list_;
  std::size_t dropped_ = 0;
};

}  // namespace sonde::core
