// Class-stratified label-fraction sampling for label-efficient evaluation.
#pragma once

#include <cstdint>
#include <vector>

namespace acl::metrics {

// A class-stratified subset of `rows` (indices into the row-major (n, k) label matrix):
// round(fraction * rows.size()) of them, or `count` when count > 0 (capped at rows.size()), at
// least one. Every class with a positive in `rows` keeps at least one positive (so a very small
// request can return more rows than asked, one per such class at most).
//
// Order and nesting: for one seed the rows are put in a single seeded order. The base order is
// stratified by label combination: rows with the same label vector form a group, each group is
// shuffled, and the j-th row of a group of m gets the key (j + u) / m (u a seeded offset per
// group); sorting by key spreads every group evenly, so any prefix holds each combination in
// proportion to within a row. The head of the order then takes, for each class with a positive
// (rarest first, ties by class index), the earliest row of the base order positive for it unless
// an earlier head row already covers it; the rest follow in base order. A draw is the head plus
// the first rows after it, up to the requested size, so the draw for a smaller fraction or count
// is always a subset of the draw for a larger one with the same seed and rows. Deterministic in
// (labels, rows as a set, seed). Returns sorted row indices. Throws std::invalid_argument on a
// label matrix that is not (n, k), a row out of range, a duplicate row, or fraction outside
// (0, 1] when count <= 0.
std::vector<int64_t> sample_label_fraction(const std::vector<uint8_t>& labels, int64_t n, int k,
                                           const std::vector<int64_t>& rows, double fraction,
                                           int64_t count, uint64_t seed);

}  // namespace acl::metrics
