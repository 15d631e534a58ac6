#include "train/pretrain/nonfinite.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace acl::pretrain {
namespace {

bool is_float(const Tensor& t) {
  return t.defined() && (t.dtype() == DType::f32 || t.dtype() == DType::f64);
}

}  // namespace

std::string describe_nonfinite(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+inf" : "-inf";
}

int64_t first_nonfinite(const Tensor& t) {
  if (!is_float(t)) return -1;
  const std::vector<double> v = t.to_vector<double>();
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) return static_cast<int64_t>(i);
  return -1;
}

std::string records_named(const std::vector<int64_t>& index, const cache::CacheReader& cache) {
  std::ostringstream os;
  for (size_t i = 0; i < index.size() && i < 8; ++i)
    os << (i ? ", " : "") << index[i] << " '" << cache.name(index[i]) << "'";
  if (index.size() > 8) os << ", ... (" << index.size() << " records)";
  return os.str();
}

std::string locate_nonfinite_batch(const Batch& batch, const cache::CacheReader& cache) {
  const int64_t k = first_nonfinite(batch.records);
  if (k < 0) return "";
  const int64_t per_record = cache.n_leads() * cache.length();
  const int64_t b = k / per_record, lead = (k % per_record) / cache.length();
  const int64_t r = batch.record_index.at(static_cast<size_t>(b));
  std::ostringstream os;
  os << "first non-finite tensor: batch, "
     << describe_nonfinite(batch.records.to_vector<double>()[static_cast<size_t>(k)])
     << " in record " << r << " '" << cache.name(r) << "' lead "
     << cache.lead_names().at(static_cast<size_t>(lead)) << " sample " << k % cache.length();
  return os.str();
}

std::string locate_nonfinite_forward(const Batch& batch, const cache::CacheReader& cache,
                                     const NamedTensorList& activations) {
  if (std::string b = locate_nonfinite_batch(batch, cache); !b.empty()) return b;
  std::ostringstream os;
  for (const auto& [name, t] : activations) {
    if (const int64_t k = first_nonfinite(t); k >= 0) {
      os << "first non-finite tensor: activation " << name << " " << t.shape().str() << ", "
         << describe_nonfinite(t.to_vector<double>()[static_cast<size_t>(k)]) << " at element " << k
         << " (the batch and the activations before it are finite)";
      return os.str();
    }
  }
  return "";
}

std::string locate_nonfinite_grads(const NamedTensorList& params) {
  std::vector<std::string> bad;
  for (const auto& [name, p] : params) {
    const Tensor g = p.grad();
    if (first_nonfinite(g) >= 0) bad.push_back(name);
  }
  if (bad.empty()) return "every gradient is finite: their norm overflowed";
  std::string out = "non-finite gradient of " + bad.front();
  if (bad.size() > 1) {
    out += " (and " + std::to_string(bad.size() - 1) + " more:";
    for (size_t i = 1; i < bad.size() && i < 6; ++i) out += " " + bad[i];
    out += bad.size() > 6 ? " ...)" : ")";
  }
  return out;
}

void check_finite_state(const NamedTensorList& state, const std::string& what) {
  for (const auto& [name, t] : state) {
    if (const int64_t k = first_nonfinite(t); k >= 0) {
      throw std::runtime_error(what + ": " + name + " " + t.shape().str() +
                               " holds a non-finite value (" +
                               describe_nonfinite(t.to_vector<double>()[static_cast<size_t>(k)]) +
                               " at element " + std::to_string(k) + ")");
    }
  }
}

}  // namespace acl::pretrain
