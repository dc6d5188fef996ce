// The parser of Go 1.19's text/template/parse (parse.go; the lexer is lex.cpp), ported so that
// the same input fails with the same message at the same line: the token look-ahead, the order of
// checks and the wording follow Go's source. Go stops at the first error with a panic; this port
// throws ParseError internally and turns it into a Result at parse().
#include <algorithm>
#include <array>
#include <cstring>
#include <set>

#include "rules/template/ast.hpp"
#include "rules/template/format.hpp"
#include "rules/template/functions.hpp"
#include "rules/template/lex.hpp"
#include "rules/template/number.hpp"
#include "rules/template/template.hpp"

namespace sonde::rules::tmpl {
namespace {

struct ParseError {
  std::string message;
};

using lex::It;
using lex::Item;
using lex::item_string;
using lex::Lexer;

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
    NumberKind kind = t.typ == It::char_constant ? NumberKind::char_constant
                      : t.typ == It::complex     ? NumberKind::complex
                                                 : NumberKind::number;
    if (std::string err = read_number(kind, *n); !err.empty()) errorf(err);
    return n;
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
