// Small string helpers used across the project (ECG-free): trimming, case folding, joining,
// number formatting for messages, the closest-name suggestion for misspelt keys, and the check
// that a file name read from a file stays inside its directory.
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
// A file name read from a file (a header's signal file, a cache index's shard) must stay inside
// `dir_what` (e.g. "the record's directory"): relative, free of ".." components and of control
// bytes (NUL included). "" when `name` is such a name, else "<field> '<name>': must be a file name
// inside <dir_what>" (or ": holds a control byte") with the name escaped (printable).
std::string outside_dir_error(const std::string& field, const std::string& name,
                              const std::string& dir_what);

}  // namespace acl::strings
