// WFDB header text -> parse_wfdb_header, then the header-comment metadata (Age, Sex, Dx, Labels).
#include "train/data/wfdb_header.h"
#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/data/data_error.h"
#include "train/data/record_metadata.h"

namespace acl::fuzz {

std::string wfdb_header(const uint8_t* data, size_t size) {
  const std::string source = "fuzz.hea";
  try {
    data::WfdbHeader h =
        data::parse_wfdb_header(std::string(reinterpret_cast<const char*>(data), size), source);
    for (const auto& s : h.signals) (void)data::units_to_mv(s.units);
    (void)data::parse_record_metadata(h.comments).sex_code();
    return "";
  } catch (const data::DataError& e) {
    return error_naming(e, source);
  }
}

}  // namespace acl::fuzz
