#include "train/metrics/leakage.h"

#include <algorithm>
#include <iterator>

namespace acl::metrics {

std::vector<std::string> overlapping_records(const std::vector<std::string>& a,
                                             const std::vector<std::string>& b) {
  std::vector<std::string> sa = a, sb = b;
  std::sort(sa.begin(), sa.end());
  sa.erase(std::unique(sa.begin(), sa.end()), sa.end());
  std::sort(sb.begin(), sb.end());
  sb.erase(std::unique(sb.begin(), sb.end()), sb.end());
  std::vector<std::string> both;
  std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(both));
  return both;
}

}  // namespace acl::metrics
