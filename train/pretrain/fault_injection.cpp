#include "train/pretrain/fault_injection.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace acl::pretrain {
namespace {

constexpr const char* kEnv = "ACL_INJECT_FAULT";
constexpr const char* kGrammar =
    "expected KIND[(TARGET)]:VALUE@step=N[+] with KIND batch, activation or grad and VALUE nan, "
    "inf, +inf or -inf, or kill:POINT@step=N with POINT model, partial, renamed or latest; "
    "several faults separated by ','";
const std::vector<std::string> kKillPoints{"model", "partial", "renamed", "latest"};

[[noreturn]] void bad(const std::string& fault, const std::string& why) {
  throw std::invalid_argument(std::string(kEnv) + ": '" + fault + "': " + why);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Fault parse_one(const std::string& text) {
  Fault f;
  f.text = text;
  const size_t colon = text.find(':'), at = text.find('@');
  if (colon == std::string::npos || at == std::string::npos || at < colon) bad(text, kGrammar);
  std::string kind = text.substr(0, colon);
  const size_t paren = kind.find('(');
  if (paren != std::string::npos) {
    if (kind.back() != ')' || kind.size() < paren + 3) bad(text, "a target is written KIND(NAME)");
    f.target = kind.substr(paren + 1, kind.size() - paren - 2);
    kind = kind.substr(0, paren);
  }
  const std::string value = text.substr(colon + 1, at - colon - 1);
  if (kind == "batch") {
    f.kind = FaultKind::kBatch;
    if (!f.target.empty()) bad(text, "a batch fault takes no target");
  } else if (kind == "activation") {
    f.kind = FaultKind::kActivation;
  } else if (kind == "grad") {
    f.kind = FaultKind::kGrad;
  } else if (kind == "kill") {
    f.kind = FaultKind::kKill;
    if (!f.target.empty()) bad(text, "a kill fault takes no target, its point follows the ':'");
  } else {
    bad(text, "unknown kind '" + kind + "'; " + kGrammar);
  }
  if (f.kind == FaultKind::kKill) {
    if (std::find(kKillPoints.begin(), kKillPoints.end(), value) == kKillPoints.end())
      bad(text, "unknown kill point '" + value + "', expected one of " + join(kKillPoints));
    f.target = value;
  } else if (value == "nan") {
    f.value = std::numeric_limits<double>::quiet_NaN();
  } else if (value == "inf" || value == "+inf") {
    f.value = std::numeric_limits<double>::infinity();
  } else if (value == "-inf") {
    f.value = -std::numeric_limits<double>::infinity();
  } else {
    bad(text, "unknown value '" + value + "', expected nan, inf, +inf or -inf");
  }
  std::string step = text.substr(at + 1);
  if (step.compare(0, 5, "step=") != 0) bad(text, "expected @step=N after the value");
  step = step.substr(5);
  if (!step.empty() && step.back() == '+') {
    if (f.kind == FaultKind::kKill) bad(text, "a kill fault fires once: no '+'");
    f.onward = true;
    step.pop_back();
  }
  if (step.empty() || step.size() > 12 ||
      !std::all_of(step.begin(), step.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    bad(text, "step '" + step + "' is not a whole number");
  }
  f.step = std::stoll(step);
  if (f.step < 1) bad(text, "steps count from 1");
  return f;
}

}  // namespace

FaultPlan FaultPlan::parse(const std::string& spec) {
  FaultPlan plan;
  size_t begin = 0;
  while (begin < spec.size()) {
    size_t end = spec.find(',', begin);
    if (end == std::string::npos) end = spec.size();
    const std::string one = spec.substr(begin, end - begin);
    if (one.empty()) bad(spec, "an empty fault between commas");
    plan.faults_.push_back(parse_one(one));
    begin = end + 1;
  }
  return plan;
}

FaultPlan FaultPlan::from(const std::string& spec) {
  if (!spec.empty()) return parse(spec);
  const char* env = std::getenv(kEnv);
  return parse(env ? env : "");
}

std::string FaultPlan::describe() const {
  std::vector<std::string> v;
  for (const Fault& f : faults_) v.push_back(f.text);
  return join(v);
}

void FaultPlan::resolve(const std::vector<std::string>& activations,
                        const std::vector<std::string>& parameters) {
  for (Fault& f : faults_) {
    if (f.kind == FaultKind::kBatch) f.target = "batch";
    const std::vector<std::string>* names = f.kind == FaultKind::kActivation ? &activations
                                            : f.kind == FaultKind::kGrad     ? &parameters
                                                                             : nullptr;
    if (!names) continue;
    if (f.target.empty()) {
      if (names->empty()) bad(f.text, "there is nothing to inject into");
      f.target = f.kind == FaultKind::kActivation ? "encoder.embedding" : names->front();
    }
    if (std::find(names->begin(), names->end(), f.target) == names->end()) {
      std::string allowed = join(*names);
      if (allowed.size() > 400) allowed = allowed.substr(0, 400) + ", ...";
      bad(f.text, "no " +
                      std::string(f.kind == FaultKind::kActivation ? "activation" : "parameter") +
                      " '" + f.target + "' in this model; it has " + allowed);
    }
  }
}

std::vector<double> FaultPlan::due(FaultKind kind, int64_t step, const std::string& target) {
  std::vector<double> out;
  for (Fault& f : faults_) {
    if (f.kind != kind || f.target != target) continue;
    if (f.onward ? step < f.step : (f.fired || step != f.step)) continue;
    f.fired = true;
    out.push_back(f.value);
  }
  return out;
}

void FaultPlan::kill_point(const char* point, int64_t step) {
  for (const Fault& f : faults_) {
    if (f.kind == FaultKind::kKill && f.step == step && f.target == point) std::raise(SIGKILL);
  }
}

void inject_value(const Tensor& t, double value, int64_t count) {
  if (t.dtype() != DType::f32 && t.dtype() != DType::f64) {
    throw std::invalid_argument("inject_value: " + t.str() + " is not a floating-point tensor");
  }
  const bool host = t.device() == Device::CPU;
  Tensor h = host ? t : t.to(Device::CPU);
  const int64_t n = std::min(std::max<int64_t>(count, 1), t.numel());
  for (int64_t i = 0; i < n; ++i) {
    if (t.dtype() == DType::f32) {
      h.data<float>()[i] = static_cast<float>(value);
    } else {
      h.data<double>()[i] = value;
    }
  }
  if (!host) {
    Tensor dst = t;
    dst.copy_from(h);
  }
}

}  // namespace acl::pretrain
