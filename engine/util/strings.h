// Small string helpers used across the project (ECG-free): trimming, case folding, joining,
// number formatting for messages and the closest-name suggestion for misspelt keys.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace acl::strings {

// Blank = space, tab, CR, LF.
std::string trim(const std::string& s);
std::string to_lower(std::string s);
bool iequals(const std::string& a, const std::string& b);  // ASCII case-insensitive
// "a, b, c"; `quote` wraps each item in double quotes: "\"a\", \"b\"".
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ",
                 bool quote = false);
// A double in the shortest form that reads back to the same value ("0.1", "1e-05", "nan").
std::string format_number(double v);
// Levenshtein distance (insertions, deletions, substitutions of bytes).
size_t edit_distance(const std::string& a, const std::string& b);
// The candidate closest to `key` by edit distance (the first on ties); empty when there is none.
std::string closest(const std::string& key, const std::vector<std::string>& candidates);
// `s` made safe to quote in a message: bytes outside printable ASCII (0x20-0x7e) and the
// backslash are written as \xNN; when the result would exceed `max_len` characters it is cut
// there and "..." is appended.
std::string printable(const std::string& s, size_t max_len = 80);

}  // namespace acl::strings
