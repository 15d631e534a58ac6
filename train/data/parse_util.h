// Internal helpers of acl_data: strict number parsing, splitting, file reading. Not public API.
// Trimming and case folding are acl::strings (engine/util/strings.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace acl::data::detail {

// Fields separated by blanks (space, tab, CR).
std::vector<std::string> split_blanks(const std::string& line);
bool ends_with_ci(const std::string& s, const std::string& suffix);

// Whole-string parses; false on junk, overflow or empty input.
bool parse_int64(const std::string& s, int64_t* out);
bool parse_double(const std::string& s, double* out);

// File contents; throws DataError "cannot open <path>: <reason>" when unreadable.
std::vector<uint8_t> read_file_bytes(const std::string& path);
std::string read_text_file(const std::string& path);

// Directory part of a path including the trailing '/', "" when there is none.
std::string dir_of(const std::string& path);

// Every file name a dataset gives (a header's signal file or segment, a metadata column) must
// stay inside the record's directory: it must be relative and free of ".." components and of
// control bytes (NUL included). "" when `name` is such a name, else "<field> '<name>': must be a
// file name inside the record's directory" (or ": holds a control byte") with the name escaped
// (strings::printable).
std::string outside_dir_error(const std::string& field, const std::string& name);
// dir + name; throws DataError "<where>: <outside_dir_error>" when `name` is not such a name.
std::string path_inside(const std::string& dir, const std::string& name, const std::string& field,
                        const std::string& where);

}  // namespace acl::data::detail
