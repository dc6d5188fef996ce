// The parse trees of text/template (Go's text/template/parse node.go), internal to
// lib/rules/template. String() reproduces Go's Node.String(), which execution errors quote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sonde::rules::tmpl {

enum class NodeType {
  text,
  action,
  boolean,
  chain,
  command,
  dot,
  field,
  identifier,
  if_,
  list,
  nil,
  number,
  pipe,
  range,
  string,
  template_,
  variable,
  with,
  break_,
  continue_,
  else_,  // parser only
  end,    // parser only
};

struct Node {
  Node(NodeType t, std::size_t p, int l) : type(t), pos(p), line(l) {}
  virtual ~Node() = default;
  virtual std::string str() const = 0;
  NodeType type;
  std::size_t pos;  // byte offset in the template text
  int line;
};
using NodePtr = std::unique_ptr<Node>;

struct ListNode : Node {
  ListNode(std::size_t p) : Node(NodeType::list, p, 0) {}
  std::string str() const override {
    std::string s;
    for (const auto& n : nodes) s += n->str();
    return s;
  }
  std::vector<NodePtr> nodes;
};

struct TextNode : Node {
  TextNode(std::size_t p, std::string t) : Node(NodeType::text, p, 0), text(std::move(t)) {}
  std::string str() const override;  // Go: fmt.Sprintf(textFormat, t.Text) with %q
  std::string text;
};

struct VariableNode : Node {
  VariableNode(std::size_t p, std::vector<std::string> id)
      : Node(NodeType::variable, p, 0), ident(std::move(id)) {}
  std::string str() const override {
    std::string s;
    for (std::size_t i = 0; i < ident.size(); ++i) {
      if (i > 0) s += '.';
      s += ident[i];
    }
    return s;
  }
  std::vector<std::string> ident;  // "$x", then field names
};

struct CommandNode;
struct PipeNode : Node {
  PipeNode(std::size_t p, int l) : Node(NodeType::pipe, p, l) {}
  std::string str() const override;
  bool is_assign = false;
  std::vector<std::unique_ptr<VariableNode>> decl;
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

struct CommandNode : Node {
  CommandNode(std::size_t p) : Node(NodeType::command, p, 0) {}
  std::string str() const override {
    std::string s;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (i > 0) s += ' ';
      if (args[i]->type == NodeType::pipe) {
        s += '(' + args[i]->str() + ')';
      } else {
        s += args[i]->str();
      }
    }
    return s;
  }
  std::vector<NodePtr> args;
};

inline std::string PipeNode::str() const {
  std::string s;
  if (!decl.empty()) {
    for (std::size_t i = 0; i < decl.size(); ++i) {
      if (i > 0) s += ", ";
      s += decl[i]->str();
    }
    s += " := ";
  }
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    if (i > 0) s += " | ";
    s += cmds[i]->str();
  }
  return s;
}

struct ActionNode : Node {
  ActionNode(std::size_t p, int l, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::action, p, l), pipe(std::move(pp)) {}
  std::string str() const override { return "{{" + pipe->str() + "}}"; }
  std::unique_ptr<PipeNode> pipe;
};

struct IdentifierNode : Node {
  IdentifierNode(std::size_t p, std::string id)
      : Node(NodeType::identifier, p, 0), ident(std::move(id)) {}
  std::string str() const override { return ident; }
  std::string ident;
};

struct DotNode : Node {
  DotNode(std::size_t p) : Node(NodeType::dot, p, 0) {}
  std::string str() const override { return "."; }
};

struct NilNode : Node {
  NilNode(std::size_t p) : Node(NodeType::nil, p, 0) {}
  std::string str() const override { return "nil"; }
};

struct FieldNode : Node {
  FieldNode(std::size_t p, std::vector<std::string> id)
      : Node(NodeType::field, p, 0), ident(std::move(id)) {}
  std::string str() const override {
    std::string s;
    for (const auto& f : ident) s += "." + f;
    return s;
  }
  std::vector<std::string> ident;  // names without the dots
};

struct ChainNode : Node {
  ChainNode(std::size_t p, NodePtr n) : Node(NodeType::chain, p, 0), node(std::move(n)) {}
  std::string str() const override {
    std::string s = node->str();
    if (node->type == NodeType::pipe) s = "(" + s + ")";
    for (const auto& f : field) s += "." + f;
    return s;
  }
  NodePtr node;
  std::vector<std::string> field;
};

struct BoolNode : Node {
  BoolNode(std::size_t p, bool v) : Node(NodeType::boolean, p, 0), value(v) {}
  std::string str() const override { return value ? "true" : "false"; }
  bool value;
};

struct NumberNode : Node {
  NumberNode(std::size_t p, std::string t) : Node(NodeType::number, p, 0), text(std::move(t)) {}
  std::string str() const override { return text; }
  bool is_int = false, is_uint = false, is_float = false, is_complex = false;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double f = 0;
  double imag = 0;  // complex constants: f is the real part
  std::string text;
};

struct StringNode : Node {
  StringNode(std::size_t p, std::string q, std::string t)
      : Node(NodeType::string, p, 0), quoted(std::move(q)), text(std::move(t)) {}
  std::string str() const override { return quoted; }
  std::string quoted, text;
};

struct BranchNode : Node {  // if, range, with
  BranchNode(NodeType t, std::size_t p, int l) : Node(t, p, l) {}
  std::string str() const override {
    const char* name = type == NodeType::if_ ? "if" : type == NodeType::range ? "range" : "with";
    std::string s = std::string("{{") + name + " " + pipe->str() + "}}" + list->str();
    if (else_list) s += "{{else}}" + else_list->str();
    return s + "{{end}}";
  }
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list, else_list;
};

struct TemplateNode : Node {
  TemplateNode(std::size_t p, int l, std::string n, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::template_, p, l), name(std::move(n)), pipe(std::move(pp)) {}
  std::string str() const override;  // {{template "name" pipe}}
  std::string name;
  std::unique_ptr<PipeNode> pipe;  // may be null
};

struct SimpleNode : Node {  // break, continue, else, end
  SimpleNode(NodeType t, std::size_t p, int l) : Node(t, p, l) {}
  std::string str() const override {
    switch (type) {
      case NodeType::break_:
        return "{{break}}";
      case NodeType::continue_:
        return "{{continue}}";
      case NodeType::else_:
        return "{{else}}";
      default:
        return "{{end}}";
    }
  }
};

/// Every tree of one parse: the top level under the template's name, plus the definitions.
class Program {
 public:
  std::string name;
  std::string text;
  /// `text` begins with kAlertHeader, whose four declarations are not in the top tree: the
  /// executor declares $labels, $externalLabels, $externalURL and $value before walking it.
  bool alert_header = false;
  std::map<std::string, std::unique_ptr<ListNode>> trees;
};

}  // namespace sonde::rules::tmpl
