#include "train/metrics/label_fraction.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "engine/rng.h"
#include "engine/util/strings.h"

namespace acl::metrics {
namespace {

constexpr uint64_t kShuffleStream = 0x6672616373687566ull;  // "fracshuf"
constexpr uint64_t kOffsetStream = 0x667261636f666673ull;   // "fracoffs"

void check_rows(const std::vector<uint8_t>& labels, int64_t n, int k,
                const std::vector<int64_t>& rows) {
  if (n < 0 || k < 1 || labels.size() != static_cast<size_t>(n) * static_cast<size_t>(k)) {
    throw std::invalid_argument("sample_label_fraction: " + std::to_string(labels.size()) +
                                " labels for shape (" + std::to_string(n) + ", " +
                                std::to_string(k) + ")");
  }
  std::vector<uint8_t> seen(static_cast<size_t>(n), 0);
  for (int64_t r : rows) {
    if (r < 0 || r >= n) {
      throw std::invalid_argument("sample_label_fraction: row " + std::to_string(r) +
                                  " is outside [0, " + std::to_string(n) + ")");
    }
    if (seen[static_cast<size_t>(r)]++) {
      throw std::invalid_argument("sample_label_fraction: row " + std::to_string(r) +
                                  " is listed twice");
    }
  }
}

// The rows in the seeded stratified order: rows are grouped by their label combination, each
// group is shuffled, and the j-th row of a group of size m gets the key (j + u) / m with u a
// seeded offset of that group; sorting by key spreads every group evenly along the order, so any
// prefix holds each combination in proportion (to within one row).
std::vector<int64_t> stratified_order(const std::vector<uint8_t>& labels, int k,
                                      const std::vector<int64_t>& rows, uint64_t seed) {
  std::map<std::string, std::vector<int64_t>> groups;
  for (int64_t r : rows) {
    std::string key(static_cast<size_t>(k), '0');
    for (int c = 0; c < k; ++c)
      if (labels[static_cast<size_t>(r) * k + c]) key[static_cast<size_t>(c)] = '1';
    groups[key].push_back(r);
  }
  struct Keyed {
    double key;
    uint64_t group;
    int64_t row;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(rows.size());
  uint64_t g = 0;
  for (auto& [combination, members] : groups) {
    std::sort(members.begin(), members.end());
    const auto m = static_cast<uint64_t>(members.size());
    for (uint64_t i = m - 1; i > 0; --i)
      std::swap(members[i], members[philox_below(seed, kShuffleStream, (g << 32) | i, i + 1)]);
    const double u = static_cast<double>(philox_bits64(seed, kOffsetStream, g) >> 11) * 0x1.0p-53;
    for (uint64_t j = 0; j < m; ++j)
      keyed.push_back({(static_cast<double>(j) + u) / static_cast<double>(m), g, members[j]});
    ++g;
  }
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    return a.key != b.key ? a.key < b.key : a.group < b.group;
  });
  std::vector<int64_t> order;
  order.reserve(keyed.size());
  for (const Keyed& e : keyed) order.push_back(e.row);
  return order;
}

}  // namespace

std::vector<int64_t> sample_label_fraction(const std::vector<uint8_t>& labels, int64_t n, int k,
                                           const std::vector<int64_t>& rows, double fraction,
                                           int64_t count, uint64_t seed) {
  check_rows(labels, n, k, rows);
  if (count <= 0 && !(fraction > 0.0 && fraction <= 1.0)) {
    throw std::invalid_argument("sample_label_fraction: fraction " +
                                strings::format_number(fraction) +
                                " is outside (0, 1] (and no count is given)");
  }
  if (rows.empty()) return {};
  const auto total = static_cast<int64_t>(rows.size());
  int64_t target = count > 0
                       ? std::min(count, total)
                       : static_cast<int64_t>(std::llround(fraction * static_cast<double>(total)));
  target = std::max<int64_t>(target, 1);

  std::vector<int64_t> order = stratified_order(labels, k, rows, seed);
  // Head of the order: for each class with a positive (rarest first), the earliest row of the
  // order positive for it unless an earlier head row already covers it.
  std::vector<int64_t> positives(static_cast<size_t>(k), 0);
  for (int64_t r : rows)
    for (int c = 0; c < k; ++c)
      positives[static_cast<size_t>(c)] += labels[static_cast<size_t>(r) * k + c] ? 1 : 0;
  std::vector<int> classes;
  for (int c = 0; c < k; ++c)
    if (positives[static_cast<size_t>(c)] > 0) classes.push_back(c);
  std::stable_sort(classes.begin(), classes.end(), [&](int a, int b) {
    return positives[static_cast<size_t>(a)] < positives[static_cast<size_t>(b)];
  });
  std::vector<uint8_t> covered(static_cast<size_t>(k), 0);
  std::vector<uint8_t> in_head(order.size(), 0);
  std::vector<int64_t> head;
  for (int c : classes) {
    if (covered[static_cast<size_t>(c)]) continue;
    for (size_t j = 0; j < order.size(); ++j) {
      const auto r = static_cast<size_t>(order[j]);
      if (!labels[r * k + c]) continue;
      in_head[j] = 1;
      head.push_back(order[j]);
      for (int d = 0; d < k; ++d)
        if (labels[r * k + d]) covered[static_cast<size_t>(d)] = 1;
      break;
    }
  }
  std::vector<int64_t> out = head;
  for (size_t j = 0; j < order.size() && static_cast<int64_t>(out.size()) < target; ++j)
    if (!in_head[j]) out.push_back(order[j]);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace acl::metrics
