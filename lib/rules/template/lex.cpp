// The lexer of Go 1.19's text/template/parse (lex.go): the states, the order of checks and the
// error wording follow Go's source (lex.hpp).
#include "rules/template/lex.hpp"

#include <algorithm>
#include <cstdint>
#include <map>

#include "rules/template/format.hpp"

namespace sonde::rules::tmpl::lex {

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

namespace {

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

/// The state machine of Go's lex.go, run to completion by its constructor.
class Scanner {
 public:
  Scanner(std::string_view input, std::size_t start) : in_(input), pos_(start), start_(start) {
    run();
  }
  std::vector<Item> take() { return std::move(items_); }
  /// The item past the last one: eof at the end of the input.
  Item eof_item() {
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
};

}  // namespace

Lexer::Lexer(std::string_view input, std::size_t start) {
  Scanner s(input, start);
  eof_ = s.eof_item();
  items_ = s.take();
}

Item Lexer::next_item() { return next_ < items_.size() ? items_[next_++] : eof_; }

}  // namespace sonde::rules::tmpl::lex
