// The lexer and parser of Go 1.19's text/template/parse (lex.go, parse.go), ported so that the
// same input fails with the same message at the same line: the token look-ahead, the order of
// checks and the wording follow Go's source. Go stops at the first error with a panic; this port
// throws ParseError internally and turns it into a Result at parse().
#include <algorithm>
#include <array>
#include <cstring>
#include <set>

#include "rules/template/ast.hpp"
#include "rules/template/format.hpp"
#include "rules/template/functions.hpp"
#include "rules/template/template.hpp"

namespace sonde::rules::tmpl {
namespace {

struct ParseError {
  std::string message;
};

enum class It {
  error,
  boolean,
  char_,
  char_constant,
  comment,
  complex,
  assign,
  declare,
  eof,
  field,
  identifier,
  left_delim,
  left_paren,
  number,
  pipe,
  raw_string,
  right_delim,
  right_paren,
  space,
  string,
  text,
  variable,
  keyword,  // delimits the keywords
  block,
  break_,
  continue_,
  dot,
  define,
  else_,
  end,
  if_,
  nil,
  range,
  template_,
  with,
};

struct Item {
  It typ = It::eof;
  std::size_t pos = 0;
  std::string val;
  int line = 1;
};

std::string item_string(const Item& i) {
  if (i.typ == It::eof) return "EOF";
  if (i.typ == It::error) return i.val;
  if (i.typ > It::keyword) return "<" + i.val + ">";
  // %.10q: at most 10 runes, quoted, then "..."
  std::size_t runes = 0, at = 0;
  while (at < i.val.size() && runes < 10) {
    std::size_t w = 1;
    gofmt::decode_rune(i.val, at, w);
    at += w;
    ++runes;
  }
  if (at < i.val.size()) return gofmt::quote(i.val.substr(0, at)) + "...";
  return gofmt::quote(i.val);
}

const std::map<std::string, It, std::less<>>& keywords() {
  static const std::map<std::string, It, std::less<>> k = {
      {".", It::dot},
      {"block", It::block},
      {"break", It::break_},
      {"continue", It::continue_},
      {"define", It::define},
      {"else", It::else_},
      {"end", It::end},
      {"if", It::if_},
      {"range", It::range},
      {"nil", It::nil},
      {"template", It::template_},
      {"with", It::with},
  };
  return k;
}

constexpr std::string_view kLeft = "{{", kRight = "}}", kLeftComment = "/*", kRightComment = "*/";
constexpr std::size_t kTrimLen = 2;

bool is_space(std::int32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }
bool is_alnum(std::int32_t r) { return r == '_' || gofmt::is_letter(r) || gofmt::is_digit(r); }
bool has_left_trim(std::string_view s) { return s.size() >= 2 && s[0] == '-' && is_space(s[1]); }
bool has_right_trim(std::string_view s) { return s.size() >= 2 && is_space(s[0]) && s[1] == '-'; }

/// Go's lexer (lex.go), run to completion up front: the parser reads the same item sequence.
class Lexer {
 public:
  /// Lexes `input` from byte `start` (the text before it is a prefix already parsed, such as
  /// the alert header; positions stay offsets into the whole input).
  explicit Lexer(std::string_view input, std::size_t start = 0)
      : in_(input), pos_(start), start_(start) {
    run();
  }
  int nesting = 0;  // of actions and parenthesized pipelines, shared by every tree of one parse
  Item next_item() {
    if (next_ < items_.size()) return items_[next_++];
    Item eof;
    eof.typ = It::eof;
    eof.pos = in_.size();
    eof.line = line_at(in_.size());
    return eof;
  }

 private:
  enum class State { text, left_delim, comment, inside, done };
  static constexpr std::int32_t kEof = -1;

  // Items are emitted at non-decreasing positions, so lines are counted incrementally.
  int line_at(std::size_t pos) {
    if (pos < line_pos_) {
      line_pos_ = 0;
      line_ = 1;
    }
    line_ += static_cast<int>(std::count(in_.begin() + static_cast<long>(line_pos_),
                                         in_.begin() + static_cast<long>(pos), '\n'));
    line_pos_ = pos;
    return line_;
  }
  std::int32_t next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    std::size_t w = 1;
    std::int32_t r = gofmt::decode_rune(in_, pos_, w);
    width_ = w;
    pos_ += w;
    return r;
  }
  std::int32_t peek() {
    std::int32_t r = next();
    backup();
    return r;
  }
  void backup() { pos_ -= width_; }
  void emit(It t) {
    items_.push_back(
        Item{t, start_, std::string(in_.substr(start_, pos_ - start_)), line_at(start_)});
    start_ = pos_;
  }
  void ignore() { start_ = pos_; }
  bool accept(std::string_view valid) {
    std::int32_t r = next();
    if (r >= 0 && r < 128 && valid.find(static_cast<char>(r)) != std::string_view::npos)
      return true;
    backup();
    return false;
  }
  void accept_run(std::string_view valid) {
    while (true) {
      std::int32_t r = next();
      if (!(r >= 0 && r < 128 && valid.find(static_cast<char>(r)) != std::string_view::npos)) break;
    }
    backup();
  }
  State errorf(std::string msg) {
    items_.push_back(Item{It::error, start_, std::move(msg), line_at(start_)});
    return State::done;
  }
  bool at_right_delim(bool& trim) {
    trim = false;
    std::string_view rest = in_.substr(pos_);
    if (rest.substr(0, kRight.size()) == kRight) return true;
    if (has_right_trim(rest) && rest.substr(kTrimLen).substr(0, kRight.size()) == kRight) {
      trim = true;
      return true;
    }
    return false;
  }
  bool at_terminator() {
    std::int32_t r = peek();
    if (is_space(r)) return true;
    switch (r) {
      case kEof:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
      default:
        break;
    }
    return r == kRight[0];
  }
  static std::size_t left_trim_length(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && is_space(s[n])) ++n;
    return n;
  }
  static std::size_t right_trim_length(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && is_space(s[s.size() - 1 - n])) ++n;
    return n;
  }

  void run() {
    State s = State::text;
    while (s != State::done) {
      switch (s) {
        case State::text:
          s = lex_text();
          break;
        case State::left_delim:
          s = lex_left_delim();
          break;
        case State::comment:
          s = lex_comment();
          break;
        case State::inside:
          s = lex_inside_action();
          break;
        case State::done:
          break;
      }
    }
  }

  State lex_text() {
    width_ = 0;
    std::size_t x = in_.find(kLeft, pos_);
    if (x != std::string_view::npos) {
      if (x > pos_) {
        pos_ = x;
        std::size_t trim = 0;
        if (has_left_trim(in_.substr(pos_ + kLeft.size()))) {
          trim = right_trim_length(in_.substr(start_, pos_ - start_));
        }
        pos_ -= trim;
        if (pos_ > start_) emit(It::text);
        pos_ += trim;
        ignore();
      }
      return State::left_delim;
    }
    pos_ = in_.size();
    if (pos_ > start_) emit(It::text);
    emit(It::eof);
    return State::done;
  }

  State lex_left_delim() {
    pos_ += kLeft.size();
    bool trim = has_left_trim(in_.substr(pos_));
    std::size_t after = trim ? kTrimLen : 0;
    if (in_.substr(pos_ + after).substr(0, kLeftComment.size()) == kLeftComment) {
      pos_ += after;
      ignore();
      return State::comment;
    }
    emit(It::left_delim);
    pos_ += after;
    ignore();
    paren_depth_ = 0;
    return State::inside;
  }

  State lex_comment() {
    pos_ += kLeftComment.size();
    std::size_t x = in_.find(kRightComment, pos_);
    if (x == std::string_view::npos) return errorf("unclosed comment");
    pos_ = x + kRightComment.size();
    bool trim = false;
    if (!at_right_delim(trim)) return errorf("comment ends before closing delimiter");
    if (trim) pos_ += kTrimLen;
    pos_ += kRight.size();
    if (trim) pos_ += left_trim_length(in_.substr(pos_));
    ignore();
    return State::text;
  }

  State lex_right_delim() {
    bool trim = has_right_trim(in_.substr(pos_));
    if (trim) {
      pos_ += kTrimLen;
      ignore();
    }
    pos_ += kRight.size();
    emit(It::right_delim);
    if (trim) {
      pos_ += left_trim_length(in_.substr(pos_));
      ignore();
    }
    return State::text;
  }

  State lex_space() {
    std::size_t spaces = 0;
    while (is_space(peek())) {
      next();
      ++spaces;
    }
    // A trim-marked closing delimiter has a minus after a space.
    if (has_right_trim(in_.substr(pos_ - 1)) &&
        in_.substr(pos_ - 1 + kTrimLen).substr(0, kRight.size()) == kRight) {
      backup();  // before the space
      if (spaces == 1) return lex_right_delim();
    }
    emit(It::space);
    return State::inside;
  }

  State lex_inside_action() {
    bool trim = false;
    if (at_right_delim(trim)) {
      if (paren_depth_ == 0) return lex_right_delim();
      return errorf("unclosed left paren");
    }
    std::int32_t r = next();
    if (r == kEof) return errorf("unclosed action");
    if (is_space(r)) {
      backup();
      return lex_space();
    }
    switch (r) {
      case '=':
        emit(It::assign);
        return State::inside;
      case ':':
        if (next() != '=') return errorf("expected :=");
        emit(It::declare);
        return State::inside;
      case '|':
        emit(It::pipe);
        return State::inside;
      case '"':
        return lex_quote();
      case '`':
        return lex_raw_quote();
      case '$':
        return lex_variable();
      case '\'':
        return lex_char();
      case '(':
        emit(It::left_paren);
        ++paren_depth_;
        return State::inside;
      case ')':
        emit(It::right_paren);
        --paren_depth_;
        if (paren_depth_ < 0) return errorf("unexpected right paren " + gofmt::sharp_u(r));
        return State::inside;
      default:
        break;
    }
    if (r == '.') {
      if (pos_ < in_.size()) {
        char c = in_[pos_];
        if (c < '0' || '9' < c) return lex_field_or_variable(It::field);
      }
      backup();
      return lex_number();
    }
    if (r == '+' || r == '-' || ('0' <= r && r <= '9')) {
      backup();
      return lex_number();
    }
    if (is_alnum(r)) {
      backup();
      return lex_identifier();
    }
    if (r < 128 && r >= 0x20 && r < 0x7f) {
      emit(It::char_);
      return State::inside;
    }
    return errorf("unrecognized character in action: " + gofmt::sharp_u(r));
  }

  State lex_identifier() {
    while (true) {
      std::int32_t r = next();
      if (is_alnum(r)) continue;
      backup();
      std::string_view word = in_.substr(start_, pos_ - start_);
      if (!at_terminator()) return errorf("bad character " + gofmt::sharp_u(r));
      auto k = keywords().find(word);
      if (k != keywords().end() && k->second > It::keyword) {
        emit(k->second);
      } else if (word[0] == '.') {
        emit(It::field);
      } else if (word == "true" || word == "false") {
        emit(It::boolean);
      } else {
        emit(It::identifier);
      }
      return State::inside;
    }
  }

  State lex_variable() {
    if (at_terminator()) {
      emit(It::variable);
      return State::inside;
    }
    return lex_field_or_variable(It::variable);
  }

  State lex_field_or_variable(It typ) {
    if (at_terminator()) {
      emit(typ == It::variable ? It::variable : It::dot);
      return State::inside;
    }
    std::int32_t r;
    while (true) {
      r = next();
      if (!is_alnum(r)) {
        backup();
        break;
      }
    }
    if (!at_terminator()) return errorf("bad character " + gofmt::sharp_u(r));
    emit(typ);
    return State::inside;
  }

  State lex_char() {
    while (true) {
      std::int32_t r = next();
      if (r == '\\') {
        std::int32_t e = next();
        if (e != kEof && e != '\n') continue;
        return errorf("unterminated character constant");
      }
      if (r == kEof || r == '\n') return errorf("unterminated character constant");
      if (r == '\'') break;
    }
    emit(It::char_constant);
    return State::inside;
  }

  bool scan_number() {
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (accept("oO")) {
        digits = "01234567_";
      } else if (accept("bB")) {
        digits = "01_";
      }
    }
    accept_run(digits);
    if (accept(".")) accept_run(digits);
    if (digits.size() == 11 && accept("eE")) {
      accept("+-");
      accept_run("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
      accept("+-");
      accept_run("0123456789_");
    }
    accept("i");
    if (is_alnum(peek())) {
      next();
      return false;
    }
    return true;
  }

  State lex_number() {
    if (!scan_number()) {
      return errorf("bad number syntax: " + gofmt::quote(in_.substr(start_, pos_ - start_)));
    }
    std::int32_t sign = peek();
    if (sign == '+' || sign == '-') {
      if (!scan_number() || in_[pos_ - 1] != 'i') {
        return errorf("bad number syntax: " + gofmt::quote(in_.substr(start_, pos_ - start_)));
      }
      emit(It::complex);
    } else {
      emit(It::number);
    }
    return State::inside;
  }

  State lex_quote() {
    while (true) {
      std::int32_t r = next();
      if (r == '\\') {
        std::int32_t e = next();
        if (e != kEof && e != '\n') continue;
        return errorf("unterminated quoted string");
      }
      if (r == kEof || r == '\n') return errorf("unterminated quoted string");
      if (r == '"') break;
    }
    emit(It::string);
    return State::inside;
  }

  State lex_raw_quote() {
    while (true) {
      std::int32_t r = next();
      if (r == kEof) return errorf("unterminated raw quoted string");
      if (r == '`') break;
    }
    emit(It::raw_string);
    return State::inside;
  }

  std::string_view in_;
  std::size_t pos_ = 0, start_ = 0, width_ = 0;
  std::size_t line_pos_ = 0;
  int line_ = 1;
  int paren_depth_ = 0;
  std::vector<Item> items_;
  std::size_t next_ = 0;
};

/// One Go parse.Tree: its own three-token look-ahead over the shared lexer.
class Tree {
 public:
  Tree(std::string name, std::string parse_name, Lexer& lex, Program& prog)
      : name_(std::move(name)), parse_name_(std::move(parse_name)), lex_(lex), prog_(prog) {
    vars_.push_back("$");
  }

  /// The top tree of an alert template: the variables kAlertHeader declares are in scope, and
  /// the tree is never empty (the header's actions are in it, as in Go).
  void with_alert_header() {
    header_ = true;
    for (const char* v : {"$labels", "$externalLabels", "$externalURL", "$value"}) {
      vars_.push_back(v);
    }
  }

  void parse_top() {
    root_ = std::make_unique<ListNode>(peek().pos);
    while (peek().typ != It::eof) {
      if (peek().typ == It::left_delim) {
        Item delim = next();
        if (next_non_space().typ == It::define) {
          Tree def("definition", parse_name_, lex_, prog_);
          def.parse_definition();
          continue;
        }
        backup2(delim);
      }
      NodePtr n = text_or_action();
      if (n->type == NodeType::end || n->type == NodeType::else_) {
        errorf("unexpected " + n->str());
      }
      root_->nodes.push_back(std::move(n));
    }
    add();
  }

 private:
  [[noreturn]] void errorf(const std::string& msg) {
    throw ParseError{"template: " + parse_name_ + ":" + std::to_string(token_[0].line) + ": " +
                     msg};
  }
  [[noreturn]] void unexpected(const Item& token, const std::string& context) {
    if (token.typ == It::error) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != token.line) {
        extra = " in action started at " + parse_name_ + ":" + std::to_string(action_line_);
        if (token.val.size() >= 7 && token.val.compare(token.val.size() - 7, 7, " action") == 0) {
          extra = extra.substr(std::strlen(" in action"));
        }
      }
      errorf(item_string(token) + extra);
    }
    errorf("unexpected " + item_string(token) + " in " + context);
  }

  Item next() {
    if (peek_count_ > 0) {
      --peek_count_;
    } else {
      token_[0] = lex_.next_item();
    }
    return token_[peek_count_];
  }
  void backup() { ++peek_count_; }
  void backup2(Item t1) {
    token_[1] = std::move(t1);
    peek_count_ = 2;
  }
  void backup3(Item t2, Item t1) {
    token_[1] = std::move(t1);
    token_[2] = std::move(t2);
    peek_count_ = 3;
  }
  Item peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = lex_.next_item();
    return token_[0];
  }
  Item next_non_space() {
    Item t;
    do {
      t = next();
    } while (t.typ == It::space);
    return t;
  }
  Item peek_non_space() {
    Item t = next_non_space();
    backup();
    return t;
  }
  Item expect(It expected, const std::string& context) {
    Item t = next_non_space();
    if (t.typ != expected) unexpected(t, context);
    return t;
  }

  static bool is_empty_tree(const Node* n) {
    if (n == nullptr) return true;
    if (n->type == NodeType::list) {
      for (const auto& c : static_cast<const ListNode*>(n)->nodes) {
        if (!is_empty_tree(c.get())) return false;
      }
      return true;
    }
    if (n->type == NodeType::text) {
      const auto& t = static_cast<const TextNode*>(n)->text;
      return std::all_of(t.begin(), t.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
      });
    }
    return false;
  }

  void add() {
    auto it = prog_.trees.find(name_);
    if (it == prog_.trees.end() || is_empty_tree(it->second.get())) {
      prog_.trees[name_] = std::move(root_);
      return;
    }
    if (header_ || !is_empty_tree(root_.get())) {
      errorf("template: multiple definition of template " + gofmt::quote(name_));
    }
  }

  void parse_definition() {
    const std::string context = "define clause";
    Item name = next_non_space();
    if (name.typ != It::string && name.typ != It::raw_string) unexpected(name, context);
    std::string unq;
    if (!gofmt::unquote(name.val, unq)) errorf("invalid syntax");
    name_ = unq;
    expect(It::right_delim, context);
    auto [list, end] = item_list();
    root_ = std::move(list);
    if (end->type != NodeType::end) errorf("unexpected " + end->str() + " in " + context);
    add();
  }

  std::pair<std::unique_ptr<ListNode>, NodePtr> item_list() {
    auto list = std::make_unique<ListNode>(peek_non_space().pos);
    while (peek_non_space().typ != It::eof) {
      NodePtr n = text_or_action();
      if (n->type == NodeType::end || n->type == NodeType::else_) {
        return {std::move(list), std::move(n)};
      }
      list->nodes.push_back(std::move(n));
    }
    errorf("unexpected EOF");
  }

  /// Bounds recursion (nested control structures and parentheses) so that hostile input
  /// cannot exhaust the stack; Go's parser has a similar bound (maxStackDepth).
  struct Nest {
    explicit Nest(Tree& t) : tree(t) {
      if (++tree.lex_.nesting > kMaxNesting) tree.errorf("max expression depth exceeded");
    }
    ~Nest() { --tree.lex_.nesting; }
    Tree& tree;
  };
  static constexpr int kMaxNesting = 200;

  NodePtr text_or_action() {
    Nest nest(*this);
    Item token = next_non_space();
    switch (token.typ) {
      case It::text:
        return std::make_unique<TextNode>(token.pos, token.val);
      case It::left_delim: {
        action_line_ = token.line;  // for "unclosed action started at ..."
        NodePtr n = action();
        action_line_ = 0;  // Go clears it when the action (and any nested one) ends
        return n;
      }
      default:
        unexpected(token, "input");
    }
  }

  NodePtr action() {
    Item token = next_non_space();
    switch (token.typ) {
      case It::block:
        return block_control();
      case It::break_:
        return break_control(token, "{{break}}", NodeType::break_);
      case It::continue_:
        return break_control(token, "{{continue}}", NodeType::continue_);
      case It::else_:
        return else_control();
      case It::end:
        return std::make_unique<SimpleNode>(NodeType::end, expect(It::right_delim, "end").pos, 0);
      case It::if_:
        return branch(NodeType::if_, true, "if");
      case It::range:
        return branch(NodeType::range, false, "range");
      case It::template_:
        return template_control();
      case It::with:
        return branch(NodeType::with, false, "with");
      default:
        break;
    }
    backup();
    Item t = peek();
    auto pipe = pipeline("command", It::right_delim);
    return std::make_unique<ActionNode>(t.pos, t.line, std::move(pipe));
  }

  NodePtr break_control(const Item& kw, const std::string& what, NodeType type) {
    Item t = next_non_space();
    if (t.typ != It::right_delim) unexpected(t, what);
    if (range_depth_ == 0) errorf(what + " outside {{range}}");
    return std::make_unique<SimpleNode>(type, kw.pos, kw.line);
  }

  NodePtr else_control() {
    Item p = peek_non_space();
    if (p.typ == It::if_) return std::make_unique<SimpleNode>(NodeType::else_, p.pos, p.line);
    Item t = expect(It::right_delim, "else");
    return std::make_unique<SimpleNode>(NodeType::else_, t.pos, t.line);
  }

  NodePtr branch(NodeType type, bool allow_else_if, const std::string& context) {
    std::size_t vars_len = vars_.size();
    auto node = std::make_unique<BranchNode>(type, 0, 0);
    node->pipe = pipeline(context, It::right_delim);
    if (context == "range") ++range_depth_;
    auto [list, next_node] = item_list();
    if (context == "range") --range_depth_;
    node->list = std::move(list);
    if (next_node->type == NodeType::else_) {
      bool done = false;
      if (allow_else_if && peek().typ == It::if_) {
        next();  // the "if"; only one {{end}} is needed for the chain
        node->else_list = std::make_unique<ListNode>(next_node->pos);
        node->else_list->nodes.push_back(branch(NodeType::if_, true, "if"));
        done = true;
      }
      if (!done) {
        auto [else_list, end] = item_list();
        node->else_list = std::move(else_list);
        if (end->type != NodeType::end) errorf("expected end; found " + end->str());
      }
    }
    vars_.resize(vars_len);
    node->pos = node->pipe->pos;
    node->line = node->pipe->line;
    return node;
  }

  std::string template_name(const Item& token, const std::string& context) {
    if (token.typ != It::string && token.typ != It::raw_string) unexpected(token, context);
    std::string s;
    if (!gofmt::unquote(token.val, s)) errorf("invalid syntax");
    return s;
  }

  NodePtr template_control() {
    const std::string context = "template clause";
    Item token = next_non_space();
    std::string name = template_name(token, context);
    std::unique_ptr<PipeNode> pipe;
    if (next_non_space().typ != It::right_delim) {
      backup();
      pipe = pipeline(context, It::right_delim);
    }
    return std::make_unique<TemplateNode>(token.pos, token.line, name, std::move(pipe));
  }

  NodePtr block_control() {
    const std::string context = "block clause";
    Item token = next_non_space();
    std::string name = template_name(token, context);
    auto pipe = pipeline(context, It::right_delim);
    Tree block(name, parse_name_, lex_, prog_);
    auto [list, end] = block.item_list();
    block.root_ = std::move(list);
    if (end->type != NodeType::end) errorf("unexpected " + end->str() + " in " + context);
    block.add();
    return std::make_unique<TemplateNode>(token.pos, token.line, name, std::move(pipe));
  }

  std::unique_ptr<PipeNode> pipeline(const std::string& context, It end) {
    Nest nest(*this);
    Item token = peek_non_space();
    auto pipe = std::make_unique<PipeNode>(token.pos, token.line);
    while (true) {  // declarations
      Item v = peek_non_space();
      if (v.typ != It::variable) break;
      next();
      Item after = peek();
      Item nx = peek_non_space();
      if (nx.typ == It::assign || nx.typ == It::declare) {
        pipe->is_assign = nx.typ == It::assign;
        next_non_space();
        pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, split_var(v.val)));
        vars_.push_back(v.val);
      } else if (nx.typ == It::char_ && nx.val == ",") {
        next_non_space();
        pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, split_var(v.val)));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          It p = peek_non_space().typ;
          if (p == It::variable || p == It::right_delim || p == It::right_paren) continue;
          errorf("range can only initialize variables");
        }
        errorf("too many declarations in " + context);
      } else if (after.typ == It::space) {
        backup3(v, after);
      } else {
        backup2(v);
      }
      break;
    }
    while (true) {
      Item t = next_non_space();
      if (t.typ == end) {
        check_pipeline(*pipe, context);
        return pipe;
      }
      switch (t.typ) {
        case It::boolean:
        case It::char_constant:
        case It::complex:
        case It::dot:
        case It::field:
        case It::identifier:
        case It::number:
        case It::nil:
        case It::raw_string:
        case It::string:
        case It::variable:
        case It::left_paren:
          backup();
          pipe->cmds.push_back(command());
          break;
        default:
          unexpected(t, context);
      }
    }
  }

  void check_pipeline(const PipeNode& pipe, const std::string& context) {
    if (pipe.cmds.empty()) errorf("missing value for " + context);
    for (std::size_t i = 1; i < pipe.cmds.size(); ++i) {
      switch (pipe.cmds[i]->args[0]->type) {
        case NodeType::boolean:
        case NodeType::dot:
        case NodeType::nil:
        case NodeType::number:
        case NodeType::string:
          errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default:
          break;
      }
    }
  }

  std::unique_ptr<CommandNode> command() {
    auto cmd = std::make_unique<CommandNode>(peek_non_space().pos);
    while (true) {
      peek_non_space();
      NodePtr op = operand();
      if (op) cmd->args.push_back(std::move(op));
      Item t = next();
      if (t.typ == It::space) continue;
      if (t.typ == It::right_delim || t.typ == It::right_paren) {
        backup();
      } else if (t.typ != It::pipe) {
        unexpected(t, "operand");
      }
      break;
    }
    if (cmd->args.empty()) errorf("empty command");
    return cmd;
  }

  static std::vector<std::string> split_fields(std::string_view s) {  // ".a.b" -> {a, b}
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
      std::size_t j = s.find('.', i + 1);
      if (j == std::string_view::npos) j = s.size();
      out.emplace_back(s.substr(i + 1, j - i - 1));
      i = j;
    }
    return out;
  }
  static std::vector<std::string> split_var(std::string_view s) {  // "$x.a.b" -> {$x, a, b}
    std::size_t dot = s.find('.');
    std::vector<std::string> out{std::string(s.substr(0, dot))};
    if (dot != std::string_view::npos) {
      auto rest = split_fields(s.substr(dot));
      out.insert(out.end(), rest.begin(), rest.end());
    }
    return out;
  }

  NodePtr operand() {
    NodePtr node = term();
    if (!node) return nullptr;
    if (peek().typ == It::field) {
      auto chain = std::make_unique<ChainNode>(peek().pos, nullptr);
      while (peek().typ == It::field) chain->field.push_back(next().val.substr(1));
      switch (node->type) {
        case NodeType::field: {
          auto* f = static_cast<FieldNode*>(node.get());
          f->ident.insert(f->ident.end(), chain->field.begin(), chain->field.end());
          f->pos = chain->pos;
          return node;
        }
        case NodeType::variable: {
          auto* v = static_cast<VariableNode*>(node.get());
          v->ident.insert(v->ident.end(), chain->field.begin(), chain->field.end());
          v->pos = chain->pos;
          return node;
        }
        case NodeType::boolean:
        case NodeType::string:
        case NodeType::number:
        case NodeType::nil:
        case NodeType::dot:
          errorf("unexpected . after term " + gofmt::quote(node->str()));
        default:
          chain->node = std::move(node);
          return chain;
      }
    }
    return node;
  }

  NodePtr term() {
    Item t = next_non_space();
    switch (t.typ) {
      case It::identifier:
        if (!is_function(t.val)) errorf("function " + gofmt::quote(t.val) + " not defined");
        return std::make_unique<IdentifierNode>(t.pos, t.val);
      case It::dot:
        return std::make_unique<DotNode>(t.pos);
      case It::nil:
        return std::make_unique<NilNode>(t.pos);
      case It::variable: {
        auto v = std::make_unique<VariableNode>(t.pos, split_var(t.val));
        if (std::find(vars_.begin(), vars_.end(), v->ident[0]) == vars_.end()) {
          errorf("undefined variable " + gofmt::quote(v->ident[0]));
        }
        return v;
      }
      case It::field:
        return std::make_unique<FieldNode>(t.pos, split_fields(t.val));
      case It::boolean:
        return std::make_unique<BoolNode>(t.pos, t.val == "true");
      case It::char_constant:
      case It::complex:
      case It::number:
        return number(t);
      case It::left_paren:
        return pipeline("parenthesized pipeline", It::right_paren);
      case It::string:
      case It::raw_string: {
        std::string s;
        if (!gofmt::unquote(t.val, s)) errorf("invalid syntax");
        return std::make_unique<StringNode>(t.pos, t.val, s);
      }
      default:
        backup();
        return nullptr;
    }
  }

  NodePtr number(const Item& t) {
    auto n = std::make_unique<NumberNode>(t.pos, t.val);
    if (t.typ == It::char_constant) {
      std::int32_t r = gofmt::unquote_char_constant(t.val);
      if (r == -2) errorf("malformed character constant: " + t.val);
      if (r < 0) errorf("invalid syntax");
      n->is_int = n->is_uint = n->is_float = true;
      n->i = r;
      n->u = static_cast<std::uint64_t>(r);
      n->f = r;
      return n;
    }
    if (t.typ == It::complex) {  // "1+2i": split before the imaginary part's sign
      const std::string& x = t.val;
      std::size_t cut = std::string::npos;
      for (std::size_t k = x.size() - 1; k > 0; --k) {
        char c = static_cast<char>(x[k - 1] | 0x20);
        if ((x[k] == '+' || x[k] == '-') && c != 'e' && c != 'p') {
          cut = k;
          break;
        }
      }
      double re = 0, im = 0;
      if (cut == std::string::npos || !parse_float(x.substr(0, cut), re) ||
          !parse_float(x.substr(cut, x.size() - cut - 1), im)) {
        errorf("illegal number syntax: " + gofmt::quote(x));
      }
      n->is_complex = true;
      n->f = re;
      n->imag = im;
      return n;
    }
    parse_go_number(*n);
    return n;
  }

  void parse_go_number(NumberNode& n) {
    std::string text = n.text;
    if (!text.empty() && text.back() == 'i') {  // an imaginary literal
      double im = 0;
      if (parse_float(text.substr(0, text.size() - 1), im)) {
        n.is_complex = true;
        n.imag = im;
        return;
      }
    }
    std::uint64_t u = 0;
    std::int64_t i = 0;
    if (parse_uint(text, u)) {
      n.is_uint = true;
      n.u = u;
    }
    if (parse_int(text, i)) {
      n.is_int = true;
      n.i = i;
      if (i == 0) {
        n.is_uint = true;
        n.u = 0;
      }
    }
    if (n.is_int) {
      n.is_float = true;
      n.f = static_cast<double>(n.i);
    } else if (n.is_uint) {
      n.is_float = true;
      n.f = static_cast<double>(n.u);
    } else {
      double f = 0;
      if (parse_float(text, f)) {
        if (text.find_first_of(".eEpP") == std::string::npos) {
          errorf("integer overflow: " + gofmt::quote(text));
        }
        n.is_float = true;
        n.f = f;
        if (f >= -9.2233720368547758e18 && f < 9.2233720368547758e18 &&
            static_cast<double>(static_cast<std::int64_t>(f)) == f) {
          n.is_int = true;
          n.i = static_cast<std::int64_t>(f);
        }
        if (f >= 0 && f < 1.8446744073709552e19 &&
            static_cast<double>(static_cast<std::uint64_t>(f)) == f) {
          n.is_uint = true;
          n.u = static_cast<std::uint64_t>(f);
        }
      }
    }
    if (!n.is_int && !n.is_uint && !n.is_float)
      errorf("illegal number syntax: " + gofmt::quote(text));
  }

  // strconv.ParseUint/ParseInt(text, 0, 64): base prefixes, '_' only between digits after a
  // prefix or in base-0 decimal, leading 0 means octal.
  static bool digits_value(std::string_view s, std::uint64_t& out) {
    int base = 10;
    bool prefixed = false;
    if (s.size() >= 2 && s[0] == '0') {
      char c = static_cast<char>(s[1] | 0x20);
      if (c == 'x') {
        base = 16;
        s.remove_prefix(2);
        prefixed = true;
      } else if (c == 'o') {
        base = 8;
        s.remove_prefix(2);
        prefixed = true;
      } else if (c == 'b') {
        base = 2;
        s.remove_prefix(2);
        prefixed = true;
      } else {
        base = 8;
        s.remove_prefix(1);
        prefixed = true;
      }
    }
    if (s.empty()) return false;
    std::uint64_t v = 0;
    bool last_underscore = prefixed;  // "0x_1" is allowed; "_1" is not
    bool any = false;
    for (char c : s) {
      if (c == '_') {
        if (last_underscore && any) return false;
        last_underscore = true;
        continue;
      }
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        d = (c | 0x20) - 'a' + 10;
      } else {
        return false;
      }
      if (d >= base) return false;
      if (v > (UINT64_MAX - static_cast<unsigned>(d)) / static_cast<unsigned>(base)) return false;
      v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
      last_underscore = false;
      any = true;
    }
    if (last_underscore || !any) return false;
    out = v;
    return true;
  }
  static bool parse_uint(std::string_view s, std::uint64_t& out) {
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) return false;
    return digits_value(s, out);
  }
  static bool parse_int(std::string_view s, std::int64_t& out) {
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
      neg = s[0] == '-';
      s.remove_prefix(1);
    }
    std::uint64_t u = 0;
    if (!digits_value(s, u)) return false;
    if (!neg && u > static_cast<std::uint64_t>(INT64_MAX)) return false;
    if (neg && u > static_cast<std::uint64_t>(INT64_MAX) + 1) return false;
    out = neg ? static_cast<std::int64_t>(0 - u) : static_cast<std::int64_t>(u);
    return true;
  }
  static bool parse_float(std::string_view s, double& out) {
    if (!gofmt::underscore_ok(s)) return false;
    std::string clean;
    for (char c : s) {
      if (c != '_') clean += c;
    }
    if (clean.empty()) return false;
    // Go rejects leading-zero octal-looking floats? No: "012.5" is 12.5 in Go. strtod agrees.
    char* end = nullptr;
    out = std::strtod(clean.c_str(), &end);
    if (end != clean.c_str() + clean.size()) return false;
    std::string_view body = clean;
    if (body[0] == '+' || body[0] == '-') body.remove_prefix(1);
    if (body.empty() || body[0] == 'i' || body[0] == 'I' || body[0] == 'n' || body[0] == 'N') {
      return false;
    }
    bool hex = body.size() > 1 && body[0] == '0' && (body[1] | 0x20) == 'x';
    if (hex && clean.find_first_of("pP") == std::string::npos) return false;
    return true;
  }

  static bool is_function(const std::string& name) { return template_function_known(name); }

  std::string name_;
  std::string parse_name_;
  Lexer& lex_;
  Program& prog_;
  std::unique_ptr<ListNode> root_;
  std::array<Item, 3> token_;
  int peek_count_ = 0;
  std::vector<std::string> vars_;
  bool header_ = false;  // with_alert_header()
  int action_line_ = 0;
  int range_depth_ = 0;
};

}  // namespace

std::string TextNode::str() const { return text; }  // Go's textFormat is "%s"

std::string TemplateNode::str() const {
  if (!pipe) return "{{template " + gofmt::quote(name) + "}}";
  return "{{template " + gofmt::quote(name) + " " + pipe->str() + "}}";
}

const std::string& Template::name() const { return program_->name; }

namespace {

core::Result<std::shared_ptr<Program>> parse_program(std::string name, std::string text,
                                                     bool alert_header) {
  auto prog = std::make_shared<Program>();
  prog->name = std::move(name);
  prog->text = std::move(text);
  prog->alert_header = alert_header;
  try {
    // The header is the same for every alert template: it is not lexed and parsed again each
    // time; the executor declares its variables (Program::alert_header).
    Lexer lex(prog->text, alert_header ? kAlertHeader.size() : 0);
    Tree top(prog->name, prog->name, lex, *prog);
    if (alert_header) top.with_alert_header();
    top.parse_top();
  } catch (const ParseError& e) {
    return core::error(e.message);
  }
  return prog;
}

}  // namespace

core::Result<Template> parse(std::string_view name, std::string_view text) {
  auto prog = parse_program(std::string(name), std::string(text), false);
  if (!prog) return prog.error();
  return Template(std::move(*prog));
}

std::string alert_template_name(std::string_view alert_name) {
  return "__alert_" + std::string(alert_name);
}

core::Result<Template> parse_alert_template(std::string_view alert_name, std::string_view text) {
  std::string full(kAlertHeader);
  full += text;
  auto prog = parse_program(alert_template_name(alert_name), std::move(full), true);
  if (!prog) return prog.error();
  return Template(std::move(*prog));
}

}  // namespace sonde::rules::tmpl
