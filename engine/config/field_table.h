// One table per config struct: each row is a key (dotted path below the struct's JSON object), the
// values it allows, how it is read from JSON and written back. The table drives parsing (defaults
// are the struct's own member initialisers), range checks (one message per rule), the resolved
// JSON form (to_json), the list of key paths (for --set and the key reference in docs/usage.md)
// and the check of a struct built in code.
//
//   FieldTable<Train> t;
//   t.add(integer<Train>("steps", ACL_FIELD(steps), 1, "steps >= 1"));
//   t.add(number<Train>("lr", ACL_FIELD(lr), Range::above(0, "lr > 0")));
//   t.read(j, "train", train);  // "train.lr = 0: expected lr > 0"
//
// Messages: a value of the wrong JSON type "<path>: expected <type> (<allowed>), got <value>"; a
// value out of range "<path> = <value>: expected <allowed>"; an unknown key names the closest valid
// key (JsonObjectReader::finish).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/json_reader.h"
#include "engine/util/strings.h"

// The accessor of a struct member for a table row: ACL_FIELD(scale_crop.s_min).
#define ACL_FIELD(member) \
  [](auto& c_) -> auto& { \
    return c_.member;     \
  }

namespace acl::config {

// A closed interval, or open at either end; `text` is what messages say is allowed ("0 <= p < 1").
// NaN and infinities are never inside.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  bool lo_open = false;
  double hi = std::numeric_limits<double>::infinity();
  bool hi_open = false;
  std::string text;

  bool contains(double x) const {
    return std::isfinite(x) && (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
  }
  static Range above(double lo, std::string text) { return {lo, true, kInf, true, text}; }
  static Range at_least(double lo, std::string text) { return {lo, false, kInf, true, text}; }
  static constexpr double kInf = std::numeric_limits<double>::infinity();
};

// "<path> = <value>: expected <allowed>".
[[noreturn]] inline void out_of_range(const std::string& path, double value,
                                      const std::string& allowed) {
  invalid(path + " = " + strings::format_number(value), "expected " + allowed);
}
inline void check_range(const std::string& path, double value, const Range& r) {
  if (!r.contains(value)) out_of_range(path, value, r.text);
}

// The names of an enum's values, in the order messages list them.
template <typename E>
using Names = std::vector<std::pair<E, std::string>>;

template <typename E>
const std::string& name_of(const Names<E>& names, E v) {
  for (const auto& n : names)
    if (n.first == v) return n.second;
  return names.front().second;
}

// The value named `s`; otherwise throws "<path>: unknown <what> "s"; did you mean "c"? (valid:
// ...)" or, for a value listed in `special`, "<path>: <special[s]>".
template <typename E>
E parse_name(const Names<E>& names, const std::string& s, const std::string& path,
             const std::string& what, const std::map<std::string, std::string>& special = {}) {
  std::vector<std::string> valid;
  for (const auto& n : names) {
    if (n.second == s) return n.first;
    valid.push_back(n.second);
  }
  auto it = special.find(s);
  if (it != special.end()) invalid(path, it->second);
  const std::string listed = valid.size() == 2 ? "\"" + valid[0] + "\" or \"" + valid[1] + "\""
                                               : strings::join(valid, ", ", true);
  invalid(path, "unknown " + what + " \"" + strings::printable(s) + "\"; did you mean \"" +
                    strings::closest(s, valid) + "\"? (valid: " + listed + ")");
}

template <typename T>
struct Field {
  explicit Field(std::string k, std::vector<std::string> sub = {})
      : key(std::move(k)), sub_keys(std::move(sub)) {}

  std::string key;  // dotted path below the table's object ("scale_crop.s_min")
  std::function<void(JsonObjectReader& section, const std::string& leaf, T& out)> read;
  std::function<nlohmann::json(const T&)> write;
  std::function<void(const T&, const std::string& path)> check;  // optional: in-memory value
  std::vector<std::string> sub_keys;  // a nested table's keys (below `key`)
};

template <typename T>
class FieldTable {
 public:
  using Rule = std::function<void(const T&, const std::string& where)>;

  FieldTable& add(Field<T> f) {
    fields_.push_back(std::move(f));
    return *this;
  }
  // A rule over several fields, run after every field has been read; throws naming the key.
  FieldTable& rule(Rule r) {
    rules_.push_back(std::move(r));
    return *this;
  }
  const std::vector<Field<T>>& fields() const { return fields_; }

  // Reads the keys `j` gives into `out` (which holds the defaults) in table order, rejects unknown
  // keys, then applies the rules. `where` is the object's key path ("" at the top level).
  void read(const nlohmann::json& j, const std::string& where, T& out) const {
    static const nlohmann::json kEmpty = nlohmann::json::object();
    std::map<std::string, std::unique_ptr<JsonObjectReader>> readers;
    std::vector<JsonObjectReader*> order;
    std::function<JsonObjectReader&(const std::string&)> reader =
        [&](const std::string& section) -> JsonObjectReader& {
      auto it = readers.find(section);
      if (it != readers.end()) return *it->second;
      const nlohmann::json* v = &j;
      if (!section.empty()) {
        const size_t dot = section.rfind('.');
        const std::string parent = dot == std::string::npos ? "" : section.substr(0, dot);
        const std::string leaf = dot == std::string::npos ? section : section.substr(dot + 1);
        v = reader(parent).get_raw(leaf);
        if (!v) v = &kEmpty;
      }
      auto r = std::make_unique<JsonObjectReader>(
          *v, section.empty() ? where : join_path(where, section));
      order.push_back(r.get());
      return *(readers[section] = std::move(r));
    };
    reader("");
    for (const Field<T>& f : fields_) {
      const size_t dot = f.key.rfind('.');
      const std::string section = dot == std::string::npos ? "" : f.key.substr(0, dot);
      f.read(reader(section), f.key.substr(dot == std::string::npos ? 0 : dot + 1), out);
    }
    for (const JsonObjectReader* r : order) r->finish();
    for (const Rule& r : rules_) r(out, where);
  }

  // Every field's range, then every rule, on a struct built in code.
  void check(const T& v, const std::string& where) const {
    for (const Field<T>& f : fields_)
      if (f.check) f.check(v, join_path(where, f.key));
    for (const Rule& r : rules_) r(v, where);
  }

  nlohmann::json write(const T& v) const {
    nlohmann::json out = nlohmann::json::object();
    for (const Field<T>& f : fields_) {
      nlohmann::json* at = &out;
      size_t start = 0, dot;
      while ((dot = f.key.find('.', start)) != std::string::npos) {
        at = &(*at)[f.key.substr(start, dot - start)];
        start = dot + 1;
      }
      (*at)[f.key.substr(start)] = f.write(v);
    }
    return out;
  }

  // Every key path: sections, fields and the keys of nested tables, in table order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    auto add = [&](const std::string& k) {
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
    };
    for (const Field<T>& f : fields_) {
      for (size_t dot = f.key.find('.'); dot != std::string::npos; dot = f.key.find('.', dot + 1))
        add(f.key.substr(0, dot));
      add(f.key);
      for (const std::string& s : f.sub_keys) add(f.key + "." + s);
    }
    return out;
  }

 private:
  std::vector<Field<T>> fields_;
  std::vector<Rule> rules_;
};

// ---- rows --------------------------------------------------------------------------------------

// A number in `range`.
template <typename T, typename Get>
Field<T> number(std::string key, Get get, Range range) {
  Field<T> f(key);
  f.read = [get, range](JsonObjectReader& s, const std::string& leaf, T& out) {
    const nlohmann::json* v = s.get_raw(leaf);
    if (!v) return;
    if (!v->is_number()) s.type_error(leaf, "a number (" + range.text + ")");
    get(out) = v->get<double>();
    check_range(s.path(leaf), get(out), range);
  };
  f.write = [get](const T& c) { return nlohmann::json(get(c)); };
  f.check = [get, range](const T& c, const std::string& path) { check_range(path, get(c), range); };
  return f;
}

// An integer (int, int64_t or uint64_t member) in [min, max]; `allowed` says so in messages.
template <typename T, typename Get>
Field<T> integer(std::string key, Get get, int64_t min, std::string allowed,
                 int64_t max = std::numeric_limits<int64_t>::max()) {
  using M = std::decay_t<decltype(get(std::declval<T&>()))>;
  Field<T> f(key);
  f.read = [=](JsonObjectReader& s, const std::string& leaf, T& out) {
    const nlohmann::json* v = s.get_raw(leaf);
    if (!v) return;
    const bool fits = v->is_number_integer() &&
                      (std::is_unsigned_v<M>
                           ? v->is_number_unsigned() || v->get<int64_t>() >= 0
                           : !v->is_number_unsigned() ||
                                 v->get<uint64_t>() <=
                                     static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
    if (!fits) s.type_error(leaf, "an integer (" + allowed + ")");
    if constexpr (std::is_unsigned_v<M>) {
      get(out) = v->get<M>();
    } else {
      const int64_t x = v->get<int64_t>();
      const int64_t top = std::min<int64_t>(max, std::numeric_limits<M>::max());
      if (x < min) invalid(s.path(leaf) + " = " + std::to_string(x), "expected " + allowed);
      if (x > top) {
        invalid(s.path(leaf) + " = " + std::to_string(x),
                "expected " + allowed + ", at most " + std::to_string(top));
      }
      get(out) = static_cast<M>(x);
    }
  };
  f.write = [get](const T& c) { return nlohmann::json(get(c)); };
  f.check = [=](const T& c, const std::string& path) {
    const auto x = get(c);
    if constexpr (!std::is_unsigned_v<M>) {
      if (x < min || static_cast<int64_t>(x) > max)
        invalid(path + " = " + std::to_string(x), "expected " + allowed);
    }
  };
  return f;
}

template <typename T, typename Get>
Field<T> boolean(std::string key, Get get) {
  Field<T> f(key);
  f.read = [get](JsonObjectReader& s, const std::string& leaf, T& out) {
    get(out) = s.get_bool(leaf, get(out));
  };
  f.write = [get](const T& c) { return nlohmann::json(get(c)); };
  return f;
}

// A string; `required_what` non-empty: an empty string is an error saying what is needed.
template <typename T, typename Get>
Field<T> string(std::string key, Get get, std::string required_what = "") {
  Field<T> f(key);
  f.read = [get, required_what](JsonObjectReader& s, const std::string& leaf, T& out) {
    get(out) = s.get_string(leaf, get(out));
    if (!required_what.empty() && get(out).empty()) invalid(s.path(leaf), required_what);
  };
  f.write = [get](const T& c) { return nlohmann::json(get(c)); };
  if (!required_what.empty()) {
    f.check = [get, required_what](const T& c, const std::string& path) {
      if (get(c).empty()) invalid(path, required_what);
    };
  }
  return f;
}

// One of an enum's names.
template <typename T, typename E, typename Get>
Field<T> choice(std::string key, Get get, const Names<E>& names, std::string what,
                std::map<std::string, std::string> special = {}) {
  Field<T> f(key);
  f.read = [get, names, what, special](JsonObjectReader& s, const std::string& leaf, T& out) {
    const nlohmann::json* v = s.get_raw(leaf);
    if (!v) return;
    if (!v->is_string()) s.type_error(leaf, "a string");
    get(out) = parse_name(names, v->get<std::string>(), s.path(leaf), what, special);
  };
  f.write = [get, names](const T& c) { return nlohmann::json(name_of(names, get(c))); };
  return f;
}

// An array of integers >= min (non-empty).
template <typename T, typename Get>
Field<T> int_list(std::string key, Get get, int min) {
  Field<T> f(key);
  f.read = [get, min](JsonObjectReader& s, const std::string& leaf, T& out) {
    get(out) = s.get_int_array(leaf, get(out), min);
  };
  f.write = [get](const T& c) { return nlohmann::json(get(c)); };
  f.check = [get, min](const T& c, const std::string& path) {
    if (get(c).empty()) invalid(path, "must not be empty");
    for (int x : get(c))
      if (x < min) invalid(path, "entries must be >= " + std::to_string(min));
  };
  return f;
}

// A whole config file's object read through its table: j must be a JSON object; every error is
// prefixed with `where` (the file name) when it is not empty.
template <typename T>
T read_config(const FieldTable<T>& table, const nlohmann::json& j, const std::string& where) {
  try {
    if (!j.is_object()) {
      throw std::invalid_argument("expected a JSON object at the top level, got " +
                                  describe_json(j));
    }
    T c;
    table.read(j, "", c);
    return c;
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where.empty() ? e.what() : where + ": " + e.what());
  }
}

}  // namespace acl::config
