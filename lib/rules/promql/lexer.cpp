// PromQL lexer: Prometheus 2.42's state machine (lex.go), one byte at a time, with its error
// messages. Spaces and comments are dropped.
#include "rules/promql/lexer.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>

#include "core/utf8.hpp"
#include "rules/promql/parser.hpp"

namespace sonde::rules::promql {

namespace {

constexpr int kEof = -1;

bool is_alpha(int r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool is_digit(int r) { return r >= '0' && r <= '9'; }
bool is_alnum(int r) { return is_alpha(r) || is_digit(r); }
bool is_space(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }

struct Keyword {
  std::string_view word;
  T type;
};
constexpr std::array<Keyword, 32> kKeywords{{
    {"and", T::land},
    {"or", T::lor},
    {"unless", T::lunless},
    {"atan2", T::atan2},
    {"sum", T::sum},
    {"avg", T::avg},
    {"count", T::count},
    {"min", T::min},
    {"max", T::max},
    {"group", T::group},
    {"stddev", T::stddev},
    {"stdvar", T::stdvar},
    {"topk", T::topk},
    {"bottomk", T::bottomk},
    {"count_values", T::count_values},
    {"quantile", T::quantile},
    {"offset", T::kw_offset},
    {"by", T::kw_by},
    {"without", T::kw_without},
    {"on", T::kw_on},
    {"ignoring", T::kw_ignoring},
    {"group_left", T::kw_group_left},
    {"group_right", T::kw_group_right},
    {"bool", T::kw_bool},
    {"start", T::kw_start},
    {"end", T::kw_end},
    {"inf", T::number},
    {"nan", T::number},
    {"", T::eof},
    {"", T::eof},
    {"", T::eof},
    {"", T::eof},
}};

// The tokens of one character outside braces that need no look-ahead.
struct OneChar {
  char c;
  T type;
};
constexpr std::array<OneChar, 8> kOneChar{{
    {',', T::comma},
    {'*', T::mul},
    {'/', T::div},
    {'%', T::mod},
    {'+', T::add},
    {'-', T::sub},
    {'^', T::pow},
    {'@', T::at},
}};
const T* operator_token(int r) {
  for (const auto& o : kOneChar) {
    if (o.c == r) return &o.type;
  }
  return nullptr;
}

// Go's %q of one rune (a byte here, or a decoded UTF-8 sequence).
std::string quote_rune(std::string_view in, std::size_t at) {
  if (at >= in.size()) return "'\\x00'";
  unsigned char c = in[at];
  if (c < 0x80) {
    switch (c) {
      case '\'':
        return "'\\''";
      case '\\':
        return "'\\\\'";
      case '\n':
        return "'\\n'";
      case '\t':
        return "'\\t'";
      case '\r':
        return "'\\r'";
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) return fmt::format("'\\x{:02x}'", c);
    return fmt::format("'{}'", char(c));
  }
  std::size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (n == 1 || at + n > in.size()) return "'\\ufffd'";
  return fmt::format("'{}'", in.substr(at, n));
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> run() {
    while (step()) {
    }
    return std::move(out_);
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0, start_ = 0;
  int width_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false, bracket_open_ = false, got_colon_ = false;
  char string_open_ = 0;
  std::vector<Token> out_;

  int next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    width_ = 1;
    return static_cast<unsigned char>(in_[pos_++]);
  }
  void backup() { pos_ -= width_; }
  int peek() const { return pos_ < in_.size() ? static_cast<unsigned char>(in_[pos_]) : kEof; }
  bool accept(std::string_view valid) {
    int r = next();
    if (r != kEof && valid.find(char(r)) != std::string_view::npos) return true;
    backup();
    return false;
  }
  void accept_run(std::string_view valid) {
    while (accept(valid)) {
    }
  }
  void emit(T t) {
    out_.push_back(Token{t, std::string(in_.substr(start_, pos_ - start_)), int(start_)});
    start_ = pos_;
  }
  bool error(std::string msg) {
    out_.push_back(Token{T::error, std::move(msg), int(start_)});
    return false;
  }

  /// The token `r` begins: `with` when the next character is `second` (taken too), else
  /// `without`.
  bool emit_if_next(int second, T with, T without) {
    if (peek() == second) {
      next();
      emit(with);
    } else {
      emit(without);
    }
    return true;
  }

  static bool is_quote(int r) { return r == '"' || r == '\'' || r == '`'; }
  bool open_string(int quote) {
    string_open_ = char(quote);
    return quote == '`' ? lex_raw_string() : lex_string();
  }

  bool step() { return brace_open_ ? inside_braces() : statements(); }

  bool line_comment() {
    while (pos_ < in_.size() && in_[pos_] != '\n' && in_[pos_] != '\r') ++pos_;
    start_ = pos_;
    return true;
  }

  bool spaces() {
    while (is_space(peek())) next();
    start_ = pos_;
    return true;
  }

  bool statements() {
    if (peek() == '#') return line_comment();
    int r = next();
    switch (r) {
      case kEof:
        if (paren_depth_ != 0) return error("unclosed left parenthesis");
        if (bracket_open_) return error("unclosed left bracket");
        emit(T::eof);
        return false;
      case '=':
        if (peek() == '~') {
          return error(fmt::format("unexpected character after '=': {}", quote_rune(in_, pos_)));
        }
        return emit_if_next('=', T::eqlc, T::eql);
      case '!': {
        std::size_t at = pos_;
        if (next() == '=') {
          emit(T::neq);
          return true;
        }
        return error(fmt::format("unexpected character after '!': {}", quote_rune(in_, at)));
      }
      case '<':
        return emit_if_next('=', T::lte, T::lss);
      case '>':
        return emit_if_next('=', T::gte, T::gtr);
      case '(':
        emit(T::lparen);
        ++paren_depth_;
        return true;
      case ')':
        emit(T::rparen);
        if (--paren_depth_ < 0) return error("unexpected right parenthesis ')'");
        return true;
      case '{':
        emit(T::lbrace);
        brace_open_ = true;
        return true;
      case '[':
        if (bracket_open_) return error("unexpected left bracket '['");
        got_colon_ = false;
        emit(T::lbracket);
        if (is_space(peek())) spaces();
        bracket_open_ = true;
        return lex_duration();
      case ']':
        if (!bracket_open_) return error("unexpected right bracket ']'");
        emit(T::rbracket);
        bracket_open_ = false;
        return true;
      default:
        break;
    }
    if (const T* t = operator_token(r)) {
      emit(*t);
      return true;
    }
    if (is_quote(r)) return open_string(r);
    if (is_space(r)) return spaces();
    if (is_digit(r) || (r == '.' && is_digit(peek()))) {
      backup();
      return number_or_duration();
    }
    if (is_alpha(r) || r == ':') {
      if (!bracket_open_) {
        backup();
        return keyword_or_identifier();
      }
      if (got_colon_) return error(fmt::format("unexpected colon {}", quote_rune(in_, pos_ - 1)));
      emit(T::colon);
      got_colon_ = true;
      return true;
    }
    return error(fmt::format("unexpected character: {}", quote_rune(in_, pos_ - 1)));
  }

  bool inside_braces() {
    if (peek() == '#') return line_comment();
    int r = next();
    switch (r) {
      case kEof:
        return error("unexpected end of input inside braces");
      case ',':
        emit(T::comma);
        return true;
      case '=':
        return emit_if_next('~', T::eql_regex, T::eql);
      case '!': {
        std::size_t at = pos_;
        int nr = next();
        if (nr == '~') {
          emit(T::neq_regex);
          return true;
        }
        if (nr == '=') {
          emit(T::neq);
          return true;
        }
        return error(
            fmt::format("unexpected character after '!' inside braces: {}", quote_rune(in_, at)));
      }
      case '{':
        return error("unexpected left brace '{'");
      case '}':
        emit(T::rbrace);
        brace_open_ = false;
        return true;
      default:
        break;
    }
    if (is_quote(r)) return open_string(r);
    if (is_space(r)) return spaces();
    if (is_alpha(r)) {
      while (is_alnum(peek())) next();
      emit(T::identifier);
      return true;
    }
    return error(fmt::format("unexpected character inside braces: {}", quote_rune(in_, pos_ - 1)));
  }

  bool lex_escape() {
    int ch = next();
    int n = 0;
    unsigned base = 0, max = 0;
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        return true;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        n = 3, base = 8, max = 255;
        break;
      case 'x':
        ch = next(), n = 2, base = 16, max = 255;
        break;
      case 'u':
        ch = next(), n = 4, base = 16, max = 0x10FFFF;
        break;
      case 'U':
        ch = next(), n = 8, base = 16, max = 0x10FFFF;
        break;
      case kEof:
        return error("escape sequence not terminated");
      default:
        if (ch == string_open_) return true;
        return error(
            fmt::format("unknown escape sequence U+{:04X} {}", ch, quote_rune(in_, pos_ - 1)));
    }
    unsigned x = 0;
    while (n > 0) {
      unsigned d = is_digit(ch)               ? unsigned(ch - '0')
                   : (ch >= 'a' && ch <= 'f') ? unsigned(ch - 'a' + 10)
                   : (ch >= 'A' && ch <= 'F') ? unsigned(ch - 'A' + 10)
                                              : 16;
      if (d >= base) {
        if (ch == kEof) return error("escape sequence not terminated");
        return error(fmt::format("illegal character U+{:04X} {} in escape sequence", ch,
                                 quote_rune(in_, pos_ - 1)));
      }
      x = x * base + d;
      if (--n > 0) ch = next();
    }
    if (x > max || (0xD800 <= x && x < 0xE000))
      return error("escape sequence is an invalid Unicode code point");
    return true;
  }

  // After next() returned the byte `r` inside a string: steps over the rest of its UTF-8
  // sequence, or is false where Go's next() gives utf8.RuneError (a byte that starts no valid
  // sequence, and U+FFFD itself, which decodes to the same rune).
  bool valid_rune(int r) {
    if (r < 0x80) return true;
    const std::size_t n = core::utf8_sequence_length(in_, pos_ - 1);
    if (n == 0 || in_.substr(pos_ - 1, n) == "\xef\xbf\xbd") return false;
    pos_ += n - 1;
    return true;
  }

  bool lex_string() {
    for (;;) {
      int r = next();
      if (r == '\\') {
        if (!lex_escape()) return false;
        continue;
      }
      if (r == kEof || r == '\n') return error("unterminated quoted string");
      if (r == string_open_) break;
      if (!valid_rune(r)) return error("invalid UTF-8 rune");
    }
    emit(T::string);
    return true;
  }

  bool lex_raw_string() {
    for (;;) {
      int r = next();
      if (r == kEof) return error("unterminated raw string");
      if (r == '`') break;
      if (!valid_rune(r)) return error("invalid UTF-8 rune");
    }
    emit(T::string);
    return true;
  }

  bool scan_number() {
    std::string_view digits = "0123456789";
    if (accept("0") && accept("xX")) digits = "0123456789abcdefABCDEF";
    accept_run(digits);
    if (accept(".")) accept_run(digits);
    if (accept("eE")) {
      accept("+-");
      accept_run("0123456789");
    }
    return !is_alnum(peek());
  }

  bool accept_remaining_duration() {
    if (!accept("smhdwy")) return false;
    accept("s");
    while (accept("0123456789")) {
      while (accept("0123456789")) {
      }
      if (!accept("smhdw")) return false;
      accept("s");
    }
    return !is_alnum(next());
  }

  bool number_or_duration() {
    if (scan_number()) {
      emit(T::number);
      return true;
    }
    if (accept_remaining_duration()) {
      backup();
      emit(T::duration);
      return true;
    }
    return error(fmt::format("bad number or duration syntax: {}",
                             go_quote(in_.substr(start_, pos_ - start_))));
  }

  bool lex_duration() {
    if (scan_number()) return error("missing unit character in duration");
    if (!accept_remaining_duration())
      return error(
          fmt::format("bad duration syntax: {}", go_quote(in_.substr(start_, pos_ - start_))));
    backup();
    emit(T::duration);
    return true;
  }

  bool keyword_or_identifier() {
    for (;;) {
      int r = next();
      if (is_alnum(r) || r == ':') continue;
      backup();
      break;
    }
    std::string_view word = in_.substr(start_, pos_ - start_);
    std::string low;
    for (char c : word) low += char(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& k : kKeywords) {
      if (!k.word.empty() && k.word == low) {
        emit(k.type);
        return true;
      }
    }
    emit(word.find(':') == std::string_view::npos ? T::identifier : T::metric_identifier);
    return true;
  }
};

bool is_operator(T t) { return t >= T::add && t <= T::atan2; }
bool is_keyword(T t) { return t >= T::kw_offset && t <= T::kw_bool; }

std::string go_quote_prefix(std::string_view s, std::size_t runes) {
  // %.10q: the first `runes` characters, quoted.
  std::size_t i = 0, n = 0;
  while (i < s.size() && n < runes) {
    unsigned char c = s[i];
    std::size_t w = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    i += w;
    ++n;
  }
  return go_quote(s.substr(0, std::min(i, s.size())));
}

}  // namespace

bool is_label_name(std::string_view s) {
  if (s.empty() || is_digit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!is_alnum(static_cast<unsigned char>(c))) return false;
  return true;
}

bool is_aggregator(T t) { return t >= T::sum && t <= T::quantile; }

std::vector<Token> lex(std::string_view input) { return Lexer(input).run(); }

std::string token_desc(const Token& t) {
  auto item_string = [&]() -> std::string {
    if (t.type == T::eof) return "EOF";
    if (t.type == T::error) return t.val;
    if (t.type == T::identifier || t.type == T::metric_identifier) return go_quote(t.val);
    if (is_keyword(t.type)) return fmt::format("<{}>", t.val);
    if (is_operator(t.type) || t.type == T::at) return fmt::format("<op:{}>", t.val);
    if (is_aggregator(t.type)) return fmt::format("<aggr:{}>", t.val);
    std::size_t runes = 0;
    for (unsigned char c : t.val) runes += (c & 0xC0) != 0x80;
    if (runes > 10) return go_quote_prefix(t.val, 10) + "...";
    return go_quote(t.val);
  };
  switch (t.type) {
    case T::eof:
      return "end of input";
    case T::error:
      return "error " + t.val;
    case T::identifier:
      return "identifier " + item_string();
    case T::metric_identifier:
      return "metric identifier " + item_string();
    case T::string:
      return "string " + item_string();
    case T::number:
      // inf/nan are numbers in the keyword table, hence printed as the other keyword items.
      return "number " + item_string();
    case T::duration:
      return "duration " + item_string();
    default:
      return item_string();
  }
}

}  // namespace sonde::rules::promql
