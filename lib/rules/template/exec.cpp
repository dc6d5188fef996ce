// The executor of Go 1.19's text/template (exec.go) over the values of value.hpp, with
// Option("missingkey=zero") as Prometheus sets it. Go aborts execution with a panic and recovers
// it at Execute; this port throws ExecError internally and returns it as a Result at execute().
// Execution is bounded by Limits (output bytes, range iterations, template depth).
#include <algorithm>
#include <optional>

#include "rules/template/ast.hpp"
#include "rules/template/format.hpp"
#include "rules/template/functions.hpp"
#include "rules/template/go_time.hpp"
#include "rules/template/number.hpp"
#include "rules/template/template.hpp"
#include "rules/template/value.hpp"

namespace sonde::rules::tmpl {
namespace {

struct ExecError {
  std::string message;
};
struct BreakSignal {};
struct ContinueSignal {};

using Final = std::optional<Value>;  // absent: Go's missingVal

class State {
 public:
  State(const Program& prog, const Context& ctx) : prog_(prog), env_{ctx}, limits_(ctx.limits) {}

  std::string run(const AlertData& data) {
    Value dot;
    dot.kind = Kind::root;
    dot.root = &data;
    vars_.push_back({"$", dot});
    if (prog_.alert_header) {  // kAlertHeader's declarations, as Go would execute them
      for (const auto& [var, field] : {std::pair{"$labels", "Labels"},
                                       {"$externalLabels", "ExternalLabels"},
                                       {"$externalURL", "ExternalURL"},
                                       {"$value", "Value"}}) {
        vars_.push_back({var, root_field(data, field)});
      }
    }
    tmpl_name_ = prog_.name;
    auto it = prog_.trees.find(prog_.name);
    if (it == prog_.trees.end() || !it->second) {
      throw ExecError{"template: " + prog_.name + ": \"" + prog_.name +
                      "\" is an incomplete or empty template"};
    }
    walk(dot, *it->second);
    return std::move(out_);
  }

 private:
  [[noreturn]] void errorf(const std::string& msg) {
    if (node_ == nullptr) throw ExecError{"template: " + tmpl_name_ + ": " + msg};
    std::size_t pos = std::min(node_->pos, prog_.text.size());
    std::string_view before(prog_.text.data(), pos);
    std::size_t nl = before.rfind('\n');
    std::size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
    int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    throw ExecError{"template: " + prog_.name + ":" + std::to_string(line) + ":" +
                    std::to_string(col) + ": executing \"" + tmpl_name_ + "\" at <" + node_->str() +
                    ">: " + msg};
  }
  void at(const Node* n) { node_ = n; }

  void write(const std::string& s) {
    if (out_.size() + s.size() > limits_.max_output_bytes) {
      node_ = nullptr;
      errorf("output exceeds the limit of " + std::to_string(limits_.max_output_bytes) + " bytes");
    }
    out_ += s;
  }

  // Variables.
  std::size_t mark() const { return vars_.size(); }
  void pop(std::size_t m) { vars_.resize(m); }
  void push(const std::string& name, Value v) { vars_.push_back({name, std::move(v)}); }
  void set_var(const std::string& name, Value v) {
    for (std::size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) {
        vars_[i].second = std::move(v);
        return;
      }
    }
    errorf("undefined variable: " + name);
  }
  void set_top_var(std::size_t n, Value v) { vars_[vars_.size() - n].second = std::move(v); }
  Value var_value(const std::string& name) {
    for (std::size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) return vars_[i].second;
    }
    errorf("undefined variable: " + name);
  }

  void walk(const Value& dot, const Node& node) {
    at(&node);
    switch (node.type) {
      case NodeType::action: {
        const auto& a = static_cast<const ActionNode&>(node);
        Value v = eval_pipeline(dot, a.pipe.get());
        if (a.pipe->decl.empty()) print_value(node, v);
        return;
      }
      case NodeType::break_:
        throw BreakSignal{};
      case NodeType::continue_:
        throw ContinueSignal{};
      case NodeType::if_:
      case NodeType::with:
        walk_if_or_with(dot, static_cast<const BranchNode&>(node));
        return;
      case NodeType::list:
        for (const auto& n : static_cast<const ListNode&>(node).nodes) walk(dot, *n);
        return;
      case NodeType::range:
        walk_range(dot, static_cast<const BranchNode&>(node));
        return;
      case NodeType::template_:
        walk_template(dot, static_cast<const TemplateNode&>(node));
        return;
      case NodeType::text:
        write(static_cast<const TextNode&>(node).text);
        return;
      default:
        errorf("unknown node: " + node.str());
    }
  }

  void print_value(const Node& n, const Value& v) {
    at(&n);
    write(tmpl::print_action(v));
  }

  void walk_if_or_with(const Value& dot, const BranchNode& b) {
    Deeper deeper(*this);
    std::size_t m = mark();
    Value val = eval_pipeline(dot, b.pipe.get());
    if (truth(val)) {
      walk(b.type == NodeType::with ? val : dot, *b.list);
    } else if (b.else_list) {
      walk(dot, *b.else_list);
    }
    pop(m);
  }

  void iteration() {
    if (++iterations_ > limits_.max_iterations) {
      errorf("range iterations exceed the limit of " + std::to_string(limits_.max_iterations));
    }
  }

  void walk_range(const Value& dot, const BranchNode& r) {
    at(&r);
    Deeper deeper(*this);
    std::size_t outer = mark();
    Value val = eval_pipeline(dot, r.pipe.get());
    if (val.kind == Kind::sample && !val.sample) val = Value{};
    std::size_t m = mark();
    auto one = [&](const Value& index, const Value& elem) -> bool {
      iteration();
      if (!r.pipe->decl.empty()) set_top_var(1, elem);
      if (r.pipe->decl.size() > 1) set_top_var(2, index);
      bool stop = false;
      try {
        walk(elem, *r.list);
      } catch (const ContinueSignal&) {
      } catch (const BreakSignal&) {
        stop = true;
      }
      pop(m);
      return !stop;
    };
    bool iterated = false;
    switch (val.kind) {
      case Kind::samples:
        if (val.samples && !val.samples->empty()) {
          iterated = true;
          auto list = val.samples;  // keep alive
          for (std::size_t i = 0; i < list->size(); ++i) {
            Value e;
            e.kind = Kind::sample;
            e.sample = (*list)[i];
            if (!one(Value::integer(static_cast<std::int64_t>(i)), e)) break;
          }
        }
        break;
      case Kind::labels:
        if (!val.labels->empty()) {
          iterated = true;
          auto l = val.labels;
          for (const auto& [k, v] : *l) {
            if (!one(Value::string(k), Value::string(v))) break;
          }
        }
        break;
      case Kind::any_map:
        if (!val.map->entries.empty()) {
          iterated = true;
          auto mp = val.map;
          for (const auto& [k, v] : mp->entries) {
            if (!one(Value::string(k), v)) break;
          }
        }
        break;
      case Kind::invalid:
      case Kind::nil:
        break;
      default:
        errorf("range can't iterate over " + tmpl::print_action(val));
    }
    if (!iterated && r.else_list) walk(dot, *r.else_list);
    pop(outer);
  }

  void walk_template(const Value& dot, const TemplateNode& t) {
    at(&t);
    auto it = prog_.trees.find(t.name);
    if (it == prog_.trees.end() || !it->second) {
      errorf("template " + gofmt::quote(t.name) + " not defined");
    }
    if (depth_ >= limits_.max_depth) {
      errorf("exceeded maximum template depth (" + std::to_string(limits_.max_depth) + ")");
    }
    Value new_dot = t.pipe ? eval_pipeline(dot, t.pipe.get()) : Value{};
    auto saved_vars = std::move(vars_);
    std::string saved_name = tmpl_name_;
    vars_.clear();
    vars_.push_back({"$", new_dot});
    tmpl_name_ = t.name;
    ++depth_;
    walk(new_dot, *it->second);
    --depth_;
    tmpl_name_ = saved_name;
    vars_ = std::move(saved_vars);
  }

  struct Deeper {  // one level of recursion, bounded by Limits::max_depth
    explicit Deeper(State& st) : s(st) {
      if (++s.depth_ > s.limits_.max_depth) {
        s.errorf("exceeded maximum template depth (" + std::to_string(s.limits_.max_depth) + ")");
      }
    }
    ~Deeper() { --s.depth_; }
    State& s;
  };

  Value eval_pipeline(const Value& dot, const PipeNode* pipe) {
    if (pipe == nullptr) return Value{};
    at(pipe);
    Deeper deeper(*this);
    Final value;
    for (const auto& cmd : pipe->cmds) value = eval_command(dot, *cmd, value);
    Value v = value ? *value : Value{};
    for (const auto& var : pipe->decl) {
      if (pipe->is_assign) {
        set_var(var->ident[0], v);
      } else {
        push(var->ident[0], v);
      }
    }
    return v;
  }

  void not_a_function(const std::vector<NodePtr>& args, const Final& final) {
    if (args.size() > 1 || final) errorf("can't give argument to non-function " + args[0]->str());
  }

  Value eval_command(const Value& dot, const CommandNode& cmd, const Final& final) {
    const Node& first = *cmd.args[0];
    switch (first.type) {
      case NodeType::field:
        at(&first);
        return eval_field_chain(dot, dot, first, static_cast<const FieldNode&>(first).ident, 0,
                                &cmd.args, final);
      case NodeType::chain:
        return eval_chain(dot, static_cast<const ChainNode&>(first), &cmd.args, final);
      case NodeType::identifier:
        return eval_function(dot, static_cast<const IdentifierNode&>(first), cmd, &cmd.args, final);
      case NodeType::pipe:
        not_a_function(cmd.args, final);
        return eval_pipeline(dot, static_cast<const PipeNode*>(&first));
      case NodeType::variable:
        return eval_variable(dot, static_cast<const VariableNode&>(first), &cmd.args, final);
      default:
        break;
    }
    at(&first);
    not_a_function(cmd.args, final);
    switch (first.type) {
      case NodeType::boolean:
        return Value::boolean(static_cast<const BoolNode&>(first).value);
      case NodeType::dot:
        return dot;
      case NodeType::nil:
        errorf("nil is not a command");
      case NodeType::number:
        return ideal_constant(static_cast<const NumberNode&>(first));
      case NodeType::string:
        return Value::string(static_cast<const StringNode&>(first).text);
      default:
        errorf("can't evaluate command " + gofmt::quote(first.str()));
    }
  }

  Value ideal_constant(const NumberNode& c) {
    at(&c);
    Value v;
    if (std::string err = ideal_constant_value(c, v); !err.empty()) errorf(err);
    return v;
  }

  Value eval_chain(const Value& dot, const ChainNode& chain, const std::vector<NodePtr>* args,
                   const Final& final) {
    at(&chain);
    if (chain.node->type == NodeType::nil) {
      errorf("indirection through explicit nil in " + chain.str());
    }
    Value pipe = eval_arg(dot, Param::any, *chain.node, true);
    return eval_field_chain(dot, pipe, chain, chain.field, 0, args, final);
  }

  Value eval_variable(const Value& dot, const VariableNode& v, const std::vector<NodePtr>* args,
                      const Final& final) {
    at(&v);
    Value value = var_value(v.ident[0]);
    if (v.ident.size() == 1) {
      if (args) not_a_function(*args, final);
      return value;
    }
    return eval_field_chain(dot, value, v, v.ident, 1, args, final);
  }

  Value eval_field_chain(const Value& dot, Value receiver, const Node& node,
                         const std::vector<std::string>& ident, std::size_t from,
                         const std::vector<NodePtr>* args, const Final& final) {
    for (std::size_t i = from; i + 1 < ident.size(); ++i) {
      receiver = eval_field(dot, ident[i], node, nullptr, std::nullopt, receiver);
    }
    return eval_field(dot, ident.back(), node, args, final, receiver);
  }

  Value time_method(const Value& dot, const std::string& name, const Value& t,
                    const std::vector<NodePtr>* args, const Final& final) {
    std::size_t nargs = (args ? args->size() - 1 : 0) + (final ? 1 : 0);
    if (name == "Format") {
      if (nargs != 1) {
        errorf("wrong number of args for Format: want 1 got " + std::to_string(nargs));
      }
      Value layout =
          final ? validate_type(*final, Param::string) : eval_arg(dot, Param::string, *(*args)[1]);
      return Value::string(time_format(t.i, layout.s));
    }
    if (nargs > 0) {
      errorf("wrong number of args for " + name + ": want 0 got " +
             std::to_string((args ? args->size() - 1 : 0) + (final ? 1 : 0)));
    }
    if (name == "String") return Value::string(time_string(t.i));
    if (auto v = time_int_method(t.i, name)) return Value::integer(*v);
    return Value{};
  }

  Value eval_field(const Value& dot, const std::string& field, const Node& node,
                   const std::vector<NodePtr>* args, const Final& final, const Value& receiver) {
    (void)node;
    if (!receiver.valid() || receiver.kind == Kind::nil) return Value{};
    bool has_args = (args && args->size() > 1) || final;
    std::string typ = type_name(receiver);
    if (receiver.kind == Kind::time && is_time_method(field)) {
      return time_method(dot, field, receiver, args, final);
    }
    Value out;
    if (std::string err = field_value(receiver, field, has_args, out); !err.empty()) errorf(err);
    return out;
  }

  Value eval_function(const Value& dot, const IdentifierNode& id, const Node& cmd,
                      const std::vector<NodePtr>* args, const Final& final) {
    at(&id);
    const Function* fn = find_function(id.ident);
    if (fn == nullptr) errorf(gofmt::quote(id.ident) + " is not a defined function");
    return eval_call(dot, *fn, cmd, id.ident, args, final);
  }

  Value validate_type(const Value& value, Param p) {
    Value out;
    if (std::string err = validate_param(value, p, out); !err.empty()) errorf(err);
    return out;
  }

  Value eval_arg(const Value& dot, Param p, const Node& n, bool untyped = false) {
    at(&n);
    switch (n.type) {
      case NodeType::dot:
        return untyped ? dot : validate_type(dot, p);
      case NodeType::nil:
        if (untyped) errorf("cannot assign nil to <nil>");
        if (p == Param::rvalue) return Value{};  // builtins take nil as no value
        if (param_can_be_nil(p)) return param_zero(p);
        errorf("cannot assign nil to " + param_type_name(p));
      case NodeType::field: {
        const auto& f = static_cast<const FieldNode&>(n);
        Value v = eval_field_chain(dot, dot, n, f.ident, 0, nullptr, std::nullopt);
        return untyped ? v : validate_type(v, p);
      }
      case NodeType::variable: {
        Value v = eval_variable(dot, static_cast<const VariableNode&>(n), nullptr, std::nullopt);
        return untyped ? v : validate_type(v, p);
      }
      case NodeType::pipe: {
        Value v = eval_pipeline(dot, static_cast<const PipeNode*>(&n));
        return untyped ? v : validate_type(v, p);
      }
      case NodeType::identifier: {
        const auto& id = static_cast<const IdentifierNode&>(n);
        Value v = eval_function(dot, id, id, nullptr, std::nullopt);
        return untyped ? v : validate_type(v, p);
      }
      case NodeType::chain: {
        Value v = eval_chain(dot, static_cast<const ChainNode&>(n), nullptr, std::nullopt);
        return untyped ? v : validate_type(v, p);
      }
      default:
        break;
    }
    if (untyped) return eval_empty_interface(dot, n);
    switch (p) {
      case Param::any:
      case Param::rvalue:
        return eval_empty_interface(dot, n);
      case Param::string:
        if (n.type == NodeType::string) {
          return Value::string(static_cast<const StringNode&>(n).text);
        }
        errorf("expected string; found " + n.str());
      case Param::float64:
        if (n.type == NodeType::number && static_cast<const NumberNode&>(n).is_float) {
          return Value::floating(static_cast<const NumberNode&>(n).f);
        }
        errorf("expected float; found " + n.str());
      case Param::integer:
        if (n.type == NodeType::number && static_cast<const NumberNode&>(n).is_int) {
          return Value::integer(static_cast<const NumberNode&>(n).i);
        }
        errorf("expected integer; found " + n.str());
      default:
        errorf("can't handle " + n.str() + " for arg of type " + param_type_name(p));
    }
  }

  Value eval_empty_interface(const Value& dot, const Node& n) {
    at(&n);
    switch (n.type) {
      case NodeType::boolean:
        return Value::boolean(static_cast<const BoolNode&>(n).value);
      case NodeType::number:
        return ideal_constant(static_cast<const NumberNode&>(n));
      case NodeType::string:
        return Value::string(static_cast<const StringNode&>(n).text);
      default:
        (void)dot;
        errorf("can't handle assignment of " + n.str() + " to empty interface argument");
    }
  }

  Value eval_call(const Value& dot, const Function& fn, const Node& node, const std::string& name,
                  const std::vector<NodePtr>* all_args, const Final& final) {
    std::vector<const Node*> args;
    if (all_args) {
      for (std::size_t i = 1; i < all_args->size(); ++i) args.push_back((*all_args)[i].get());
    }
    std::size_t num_in = args.size() + (final ? 1 : 0);
    std::size_t num_params = fn.params.size();
    std::size_t num_fixed = args.size();
    if (fn.variadic) {
      num_fixed = num_params - 1;
      if (num_in < num_fixed) {
        errorf("wrong number of args for " + name + ": want at least " +
               std::to_string(num_params - 1) + " got " + std::to_string(args.size()));
      }
    } else if (num_in != num_params) {
      errorf("wrong number of args for " + name + ": want " + std::to_string(num_params) + " got " +
             std::to_string(num_in));
    }
    // and/or short-circuit (Go 1.18+).
    if (fn.builtin && (name == "and" || name == "or")) {
      Value v;
      for (const Node* a : args) {
        v = eval_arg(dot, Param::rvalue, *a);
        if (truth(v) == (name == "or")) return v;
      }
      if (final) v = *final;
      return v;
    }
    std::vector<Value> argv;
    argv.reserve(num_in);
    std::size_t i = 0;
    for (; i < num_fixed && i < args.size(); ++i) {
      argv.push_back(eval_arg(dot, fn.params[i], *args[i]));
    }
    if (fn.variadic) {
      Param elem = fn.params.back();
      for (; i < args.size(); ++i) argv.push_back(eval_arg(dot, elem, *args[i]));
    }
    if (final) {
      // The piped value is the last argument: a fixed parameter's type, or the variadic one's.
      Param t = fn.params.empty() ? Param::any : fn.params.back();
      if (fn.variadic && num_in - 1 < num_fixed) t = fn.params[num_in - 1];
      argv.push_back(validate_type(*final, t));
    }
    Value result;
    try {
      result = fn.fn(env_, argv);
    } catch (const FuncError& e) {
      at(&node);
      errorf("error calling " + name + ": " + e.message);
    }
    // A string is bounded like the output: a pipeline that doubles a variable in a loop must
    // not grow it past what could ever be written.
    if (result.s.size() > limits_.max_output_bytes) {
      at(&node);
      errorf("result of " + name + " exceeds the limit of " +
             std::to_string(limits_.max_output_bytes) + " bytes");
    }
    return result;
  }

  const Program& prog_;
  CallEnv env_;
  const Limits& limits_;
  std::string out_;
  std::vector<std::pair<std::string, Value>> vars_;
  const Node* node_ = nullptr;
  std::string tmpl_name_;
  std::size_t depth_ = 0;
  std::size_t iterations_ = 0;
};

}  // namespace

core::Result<std::string> execute(const Template& t, const AlertData& data, const Context& ctx) {
  State s(t.program(), ctx);
  try {
    return s.run(data);
  } catch (const ExecError& e) {
    return core::error(e.message);
  } catch (const BreakSignal&) {
    return core::error("template: " + t.name() + ": {{break}} outside {{range}}");
  } catch (const ContinueSignal&) {
    return core::error("template: " + t.name() + ": {{continue}} outside {{range}}");
  }
}

std::string expand_alert(std::string_view alert_name, std::string_view text, const AlertData& data,
                         const Context& ctx) {
  std::string name = alert_template_name(alert_name);
  auto parsed = parse_alert_template(alert_name, text);
  if (!parsed.ok()) {
    return "<error expanding template: error parsing template " + name + ": " + parsed.message() +
           ">";
  }
  auto out = execute(*parsed, data, ctx);
  if (!out.ok()) {
    return "<error expanding template: error executing template " + name + ": " + out.message() +
           ">";
  }
  return std::move(out).value();
}

}  // namespace sonde::rules::tmpl
