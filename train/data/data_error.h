// The error every reader in train/data throws for bad input.
//
// Messages name what the user can fix: the file, the header line or field, the value found and
// what was expected, e.g.
//   "data/E07500.hea line 3: format field '17' is not a supported WFDB format (16, 212, ...)".
// DataError derives from std::runtime_error, so callers that only know the standard hierarchy can
// catch it as such.
#pragma once

#include <stdexcept>
#include <string>

namespace acl::data {

class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace acl::data
