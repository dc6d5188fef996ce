// yaml-cpp's parser events into a small tree of our own, with each node's position: the input of
// the decoders that emulate Go's YAML libraries (rule files as yaml.v3 reads them, rule unit-test
// files as yaml.v2 reads them). Building yaml-cpp's YAML::Node tree costs more than the decoding
// does (see docs/performance.md).
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/rule_file_spec.hpp"

namespace sonde::config::yaml_tree {

// A YAML node as yaml-cpp's parser reports it (its events).
struct Node {
  enum class Kind : std::uint8_t { null, scalar, sequence, map };
  Kind kind = Kind::null;
  std::string tag;  // scalars: "?" plain, "!" quoted, or an explicit tag as yaml-cpp resolves it
  std::string value;
  YAML::Mark mark;
  std::vector<const Node*> children;  // a sequence's items, or a map's keys and values in turn
  std::vector<bool> aliased;          // per child: reached through an alias (`*name`)

  bool IsNull() const { return kind == Kind::null; }
  bool IsScalar() const { return kind == Kind::scalar; }
  bool IsSequence() const { return kind == Kind::sequence; }
  bool IsMap() const { return kind == Kind::map; }
  const std::string& Scalar() const { return value; }
  /// A string field as both Go YAML libraries decode it: null clears it, a scalar is taken as
  /// written; false for a sequence or a map (the decoder reports its own type error).
  bool decode_string(std::string& out) const {
    if (IsNull()) {
      out.clear();
    } else if (IsScalar()) {
      out = value;
    } else {
      return false;
    }
    return true;
  }
  const std::string& Tag() const { return tag; }
  const YAML::Mark& Mark() const { return mark; }
  std::size_t pairs() const { return children.size() / 2; }
  const Node& key(std::size_t i) const { return *children[2 * i]; }
  const Node& val(std::size_t i) const { return *children[2 * i + 1]; }
  bool key_aliased(std::size_t i) const { return aliased[2 * i]; }
  bool val_aliased(std::size_t i) const { return aliased[2 * i + 1]; }
};

class TreeBuilder final : public YAML::EventHandler {
 public:
  /// The document's root; a null node for an empty document.
  const Node& root() const { return root_ != nullptr ? *root_ : empty_; }
  /// The node that starts last in the text (events come in the text's order); null when empty.
  const Node* last() const { return nodes_.empty() ? nullptr : &nodes_.back(); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(Node::Kind::null, mark, anchor);
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    const auto it = anchors_.find(anchor);
    // The target may be an ancestor still open (`a: &x {b: *x}`): the tree then has a cycle.
    // yaml.v3 accepts that too; the decoder below follows rulefmt's schema, of fixed depth, so
    // it stops at the type error such a node meets, as yaml.v3 does. Nothing walks it unbounded.
    attach(it != anchors_.end() ? it->second : &empty_, true);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Node* n = add(Node::Kind::scalar, mark, anchor);
    n->tag = tag;
    n->value = value;
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open_.push_back(add(Node::Kind::sequence, mark, anchor));
  }
  void OnSequenceEnd() override { open_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open_.push_back(add(Node::Kind::map, mark, anchor));
  }
  void OnMapEnd() override { open_.pop_back(); }

 private:
  Node* add(Node::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    Node& n = nodes_.emplace_back();
    n.kind = kind;
    n.mark = mark;
    if (anchor != YAML::NullAnchor) anchors_[anchor] = &n;
    attach(&n);
    return &n;
  }
  void attach(const Node* n, bool alias = false) {
    if (!open_.empty()) {
      open_.back()->children.push_back(n);
      open_.back()->aliased.push_back(alias);
    } else if (root_ == nullptr) {
      root_ = n;
    }
  }

  std::deque<Node> nodes_;  // stable addresses
  std::vector<Node*> open_;
  std::unordered_map<YAML::anchor_t, const Node*> anchors_;
  const Node* root_ = nullptr;
  Node empty_;
};

inline rules::SpecPos pos_of(const Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

/// Whether the quoted scalar starting at text[at] is closed (true when text[at] is no quote).
/// yaml-cpp 0.7 accepts a quoted scalar left open at the end of a text that ends with a newline;
/// Go's YAML libraries reject it.
inline bool closed_quote(std::string_view text, std::size_t at) {
  if (at >= text.size() || (text[at] != '"' && text[at] != '\'')) return true;
  const char q = text[at];
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (q == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == q) {
      if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' inside single quotes
      } else {
        return true;
      }
    }
  }
  return false;
}

/// yamlStyleFloat of yaml.v2 and yaml.v3 (resolve.go):
/// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
inline bool yaml_style_float(std::string_view s) {
  auto dec = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && dec(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && dec(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const std::size_t exp_begin = i;
    while (i < s.size() && dec(s[i])) ++i;
    if (i == exp_begin) return false;
  }
  return i == s.size();
}

/// A YAML syntax error, worded as Go's YAML libraries word it: "yaml: line N: ...".
struct SyntaxError {
  int line = 0;
  int column = 0;
  std::string message;
};

/// Parses the first document of `yaml` (the only one Prometheus's decoders read) into `tree`.
inline std::optional<SyntaxError> parse_first_document(std::string_view yaml, TreeBuilder& tree) {
  try {
    std::istringstream in{std::string(yaml)};
    YAML::Parser parser(in);
    parser.HandleNextDocument(tree);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's wording differs from libyaml's; the line is the same.
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    const int column = e.mark.is_null() ? 0 : e.mark.column + 1;
    return SyntaxError{line, column, "yaml: line " + std::to_string(line) + ": " + e.msg};
  }
  // A quoted scalar left open runs to the end, so it is the document's last node.
  const Node* last = tree.last();
  if (last != nullptr && last->IsScalar() && last->Tag() == "!" && !last->Mark().is_null() &&
      !closed_quote(yaml, static_cast<std::size_t>(last->Mark().pos))) {
    const int line = last->Mark().line + 1;
    return SyntaxError{line, last->Mark().column + 1,
                       "yaml: line " + std::to_string(line) + ": found unexpected end of stream"};
  }
  return std::nullopt;
}

}  // namespace sonde::config::yaml_tree
