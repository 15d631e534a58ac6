// How acl_bench compares an output with its reference: the largest absolute difference over the
// largest absolute reference value, with NaN as "failed" (every tolerance test `error <= tol` is
// false for NaN).
#pragma once

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <vector>

namespace acl::bench {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// max |got - ref| / (max |ref|) over two host vectors; NaN when the sizes differ or any element
// of either is NaN (so an output element left unwritten over a NaN fill fails every tolerance).
template <typename A, typename B>
double rel_error(const std::vector<A>& got, const std::vector<B>& ref) {
  if (got.size() != ref.size()) return kNaN;
  double scale = 0, worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double r = static_cast<double>(ref[i]);
    const double e = std::fabs(static_cast<double>(got[i]) - r);
    if (std::isnan(e)) return kNaN;
    scale = std::max(scale, std::fabs(r));
    worst = std::max(worst, e);
  }
  return scale > 0 ? worst / scale : worst;
}

// The largest of several errors; NaN when any is NaN.
inline double worst_of(std::initializer_list<double> errors) {
  double w = 0;
  for (double e : errors) {
    if (std::isnan(e)) return kNaN;
    w = std::max(w, e);
  }
  return w;
}

}  // namespace acl::bench
