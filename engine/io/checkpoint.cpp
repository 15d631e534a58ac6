#include "engine/io/checkpoint.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <stdexcept>

#include "engine/io/safetensors.h"

namespace acl {
namespace {

const std::string kOptimizerPrefix = "optimizer.";
const std::string kRngPrefix = "rng.";
const std::string kExtraPrefix = "extra.";

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string entry_str(const SafetensorsEntry& e) {
  std::string s = e.dtype + "[";
  for (size_t i = 0; i < e.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(e.shape[i]);
  return s + "]";
}

std::string tensor_str(const Tensor& t) {
  return std::string(dtype_name(t.dtype())) + t.shape().str();
}

// Strict decimal uint64: digits only, no sign, no leading zeros (except "0"), no overflow.
bool parse_u64(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

[[noreturn]] void train_state_fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("load_train_state: " + path + ": " + what);
}

}  // namespace

// ---- state dicts --------------------------------------------------------------------------------

void save_state_dict(const std::string& path, const NamedTensors& named,
                     const StringMap& metadata) {
  SafetensorsFile file;
  for (const auto& [name, t] : named) {
    if (name.empty())
      throw std::invalid_argument("save_state_dict: " + path + ": empty tensor name");
    if (!t.defined())
      throw std::invalid_argument("save_state_dict: " + path + ": tensor '" + name +
                                  "' is undefined");
    SafetensorsEntry e;
    if (t.dtype() == DType::i32) {
      std::vector<int32_t> v = t.to_vector<int32_t>();
      e = SafetensorsEntry::from_i64(std::vector<int64_t>(v.begin(), v.end()),
                                     t.shape().to_vector());
    } else {
      e = SafetensorsEntry::from_tensor(t);
    }
    if (!file.tensors.emplace(name, std::move(e)).second)
      throw std::invalid_argument("save_state_dict: " + path + ": name '" + name + "' given twice");
  }
  for (const auto& [k, v] : metadata) {
    if (k == "format" || k == "format_version") {
      throw std::invalid_argument("save_state_dict: " + path + ": metadata key '" + k +
                                  "' is reserved");
    }
    file.metadata[k] = v;
  }
  file.metadata["format"] = kStateDictFormat;
  file.metadata["format_version"] = std::to_string(kCheckpointFormatVersion);
  write_safetensors(path, file);
}

StringMap load_state_dict(const std::string& path, const NamedTensors& named,
                          const LoadStateDictOptions& options) {
  SafetensorsFile file = read_safetensors(path);
  std::vector<std::string> missing, mismatched, unexpected;
  std::set<std::string> wanted;
  for (const auto& [name, t] : named) {
    if (!t.defined())
      throw std::invalid_argument("load_state_dict: destination '" + name + "' is undefined");
    if (!wanted.insert(name).second)
      throw std::invalid_argument("load_state_dict: destination name '" + name + "' given twice");
    auto it = file.tensors.find(name);
    if (it == file.tensors.end()) {
      missing.push_back(name + " " + tensor_str(t));
      continue;
    }
    const SafetensorsEntry& e = it->second;
    const bool dtype_ok =
        e.dtype == safetensors_dtype(t.dtype()) || (t.dtype() == DType::i32 && e.dtype == "I64");
    if (!dtype_ok || e.shape != t.shape().to_vector())
      mismatched.push_back(name + ": file " + entry_str(e) + ", model " + tensor_str(t));
  }
  if (!options.allow_unexpected) {
    for (const auto& [name, e] : file.tensors)
      if (!wanted.count(name)) unexpected.push_back(name + " " + entry_str(e));
  }
  if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
    std::string msg = "load_state_dict: " + path +
                      " does not match the model: " + std::to_string(missing.size()) +
                      " missing, " + std::to_string(unexpected.size()) + " unexpected, " +
                      std::to_string(mismatched.size()) + " mismatched";
    for (const std::string& s : missing) msg += "\n  missing:    " + s;
    for (const std::string& s : unexpected) msg += "\n  unexpected: " + s;
    for (const std::string& s : mismatched) msg += "\n  mismatched: " + s;
    throw std::runtime_error(msg);
  }
  // Convert everything first (I64 range checks can fail), then copy.
  std::vector<Tensor> values;
  values.reserve(named.size());
  for (const auto& [name, t] : named) {
    try {
      values.push_back(file.tensors.at(name).to_tensor());
    } catch (const std::exception& ex) {
      throw std::runtime_error("load_state_dict: " + path + ": tensor '" + name +
                               "': " + ex.what());
    }
  }
  for (size_t i = 0; i < named.size(); ++i) {
    Tensor dst = named[i].second;
    dst.copy_from(values[i]);
  }
  return file.metadata;
}

// ---- training state -----------------------------------------------------------------------------

RngState rng_state(const Rng& rng) {
  return RngState{rng.seed(), rng.stream(), rng.counter()};
}

Rng rng_from_state(const RngState& s) {
  Rng rng(s.seed, s.stream);
  rng.set_counter(s.counter);
  return rng;
}

void save_train_state(const std::string& path, const TrainState& state) {
  SafetensorsFile file;
  StringMap& m = file.metadata;
  m["format"] = kTrainStateFormat;
  m["format_version"] = std::to_string(kCheckpointFormatVersion);
  m["step"] = std::to_string(state.step);
  m["optimizer.kind"] = state.optimizer.kind;
  m["optimizer.step"] = std::to_string(state.optimizer.step);
  for (const auto& [name, value] : state.optimizer.counters)
    m[kOptimizerPrefix + name] = std::to_string(value);
  for (const auto& [name, t] : state.optimizer.tensors) {
    if (!file.tensors.emplace(kOptimizerPrefix + name, SafetensorsEntry::from_tensor(t)).second)
      throw std::invalid_argument("save_train_state: optimizer tensor '" + name + "' given twice");
  }
  for (const auto& [name, r] : state.rngs) {
    if (name.empty()) throw std::invalid_argument("save_train_state: empty RNG name");
    m[kRngPrefix + name + ".seed"] = std::to_string(r.seed);
    m[kRngPrefix + name + ".stream"] = std::to_string(r.stream);
    m[kRngPrefix + name + ".counter"] = std::to_string(r.counter);
  }
  m["data.epoch"] = std::to_string(state.data.epoch);
  m["data.index"] = std::to_string(state.data.index);
  m["config"] = state.config_json;
  for (const auto& [k, v] : state.extra) m[kExtraPrefix + k] = v;
  write_safetensors(path, file);
}

TrainState load_train_state(const std::string& path) {
  SafetensorsFile file = read_safetensors(path);
  StringMap m = file.metadata;
  auto take = [&](const std::string& key) {
    auto it = m.find(key);
    if (it == m.end()) train_state_fail(path, "metadata key '" + key + "' is missing");
    std::string v = it->second;
    m.erase(it);
    return v;
  };
  auto take_u64 = [&](const std::string& key) {
    std::string v = take(key);
    uint64_t out;
    if (!parse_u64(v, &out))
      train_state_fail(path, "metadata key '" + key + "' = '" + v + "' is not a uint64");
    return out;
  };
  if (std::string f = take("format"); f != kTrainStateFormat)
    train_state_fail(path,
                     "metadata 'format' is '" + f + "', expected '" + kTrainStateFormat + "'");
  if (std::string v = take("format_version"); v != std::to_string(kCheckpointFormatVersion)) {
    train_state_fail(path, "metadata 'format_version' is '" + v + "', this build reads version " +
                               std::to_string(kCheckpointFormatVersion));
  }
  TrainState s;
  s.step = take_u64("step");
  s.optimizer.kind = take("optimizer.kind");
  s.optimizer.step = take_u64("optimizer.step");
  s.data.epoch = take_u64("data.epoch");
  s.data.index = take_u64("data.index");
  s.config_json = take("config");

  // The remaining keys: optimizer counters, RNGs, extras; anything else is an error.
  std::vector<std::string> keys;
  for (const auto& kv : m) keys.push_back(kv.first);
  for (const std::string& key : keys) {
    if (starts_with(key, kOptimizerPrefix)) {
      s.optimizer.counters[key.substr(kOptimizerPrefix.size())] = take_u64(key);
    } else if (starts_with(key, kExtraPrefix)) {
      s.extra[key.substr(kExtraPrefix.size())] = take(key);
    } else if (starts_with(key, kRngPrefix) && !m.count(key)) {
      continue;  // taken with its siblings below
    } else if (starts_with(key, kRngPrefix)) {
      const size_t dot = key.find_last_of('.');
      const std::string name = key.substr(kRngPrefix.size(), dot - kRngPrefix.size());
      const std::string field = key.substr(dot + 1);
      if (name.empty() || (field != "seed" && field != "stream" && field != "counter"))
        train_state_fail(path, "unexpected metadata key '" + key + "'");
      const std::string base = kRngPrefix + name + ".";
      s.rngs[name] =
          RngState{take_u64(base + "seed"), take_u64(base + "stream"), take_u64(base + "counter")};
    } else {
      train_state_fail(path, "unexpected metadata key '" + key + "'");
    }
  }
  for (auto& [name, e] : file.tensors) {
    if (!starts_with(name, kOptimizerPrefix))
      train_state_fail(path, "unexpected tensor '" + name + "' (expected 'optimizer.*')");
    try {
      s.optimizer.tensors.emplace_back(name.substr(kOptimizerPrefix.size()), e.to_tensor());
    } catch (const std::exception& ex) {
      train_state_fail(path, "tensor '" + name + "': " + ex.what());
    }
  }
  return s;
}

std::string exact_double_string(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

double extra_double(const StringMap& extra, const std::string& key, const std::string& where) {
  auto it = extra.find(key);
  if (it == extra.end()) throw std::runtime_error(where + ": missing extra." + key);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (errno != 0 || end == it->second.c_str() || *end != '\0') {
    throw std::runtime_error(where + ": extra." + key + " = '" + it->second + "' is not a number");
  }
  return v;
}

}  // namespace acl
