// Overlap between pretraining and evaluation records (the leakage guard).
#pragma once

#include <string>
#include <vector>

namespace acl::metrics {

// Record ids present in both lists, sorted and without duplicates, for the
// pretraining/evaluation overlap warning.
std::vector<std::string> overlapping_records(const std::vector<std::string>& a,
                                             const std::vector<std::string>& b);

}  // namespace acl::metrics
