#include <catch2/catch.hpp>
#include <vector>

#include "rules/template/lex.hpp"

using namespace sonde::rules::tmpl::lex;

namespace {
std::vector<It> types(std::string_view text) {
  Lexer l(text);
  std::vector<It> out;
  for (Item i = l.next_item(); i.typ != It::eof && i.typ != It::error; i = l.next_item()) {
    out.push_back(i.typ);
  }
  return out;
}
}  // namespace

TEST_CASE("template lexer yields Go's items, spaces inside actions included", "[rules][template]") {
  CHECK(types("a{{ .x }}b") == std::vector<It>{It::text, It::left_delim, It::space, It::field,
                                               It::space, It::right_delim, It::text});
  CHECK(types("{{if $v}}{{end}}") == std::vector<It>{It::left_delim, It::if_, It::space,
                                                     It::variable, It::right_delim, It::left_delim,
                                                     It::end, It::right_delim});
  CHECK(types("{{ 1.5 \"s\" `r` 'c' }}") ==
        std::vector<It>{It::left_delim, It::space, It::number, It::space, It::string, It::space,
                        It::raw_string, It::space, It::char_constant, It::space, It::right_delim});
}

TEST_CASE("template lexer counts lines and ends with eof at the end of the input",
          "[rules][template]") {
  Lexer l("a\nb{{.x}}");
  Item text = l.next_item();
  CHECK(text.typ == It::text);
  CHECK(text.line == 1);
  CHECK(l.next_item().line == 2);  // {{ on the second line
  l.next_item();
  l.next_item();
  Item eof = l.next_item();
  CHECK(eof.typ == It::eof);
  CHECK(eof.pos == 9);
  CHECK(l.next_item().typ == It::eof);  // and stays there
}

TEST_CASE("template lexer reports Go's errors as one error item", "[rules][template]") {
  Lexer l("{{ .x");
  Item i = l.next_item();
  while (i.typ != It::error && i.typ != It::eof) i = l.next_item();
  REQUIRE(i.typ == It::error);
  CHECK(i.val == "unclosed action");
  CHECK(item_string(i) == "unclosed action");
  Lexer q("{{ \"abc }}");
  for (i = q.next_item(); i.typ != It::error && i.typ != It::eof;) i = q.next_item();
  CHECK(i.val == "unterminated quoted string");
}

TEST_CASE("template item_string quotes at most ten runes", "[rules][template]") {
  Item t{It::text, 0, "abcdefghijklmno", 1};
  CHECK(item_string(t) == "\"abcdefghij\"...");
  Item s{It::text, 0, "short", 1};
  CHECK(item_string(s) == "\"short\"");
  Item k{It::if_, 0, "if", 1};
  CHECK(item_string(k) == "<if>");
}
