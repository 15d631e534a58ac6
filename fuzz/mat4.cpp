// A CinC ".mat" file -> read_mat4_preamble, then the checks against a 12-lead, 5000-sample header
// with data at byte 24 (what E07500.hea says of its file).
#include "train/data/mat4.h"
#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/data/data_error.h"

namespace acl::fuzz {

std::string mat4(const uint8_t* data, size_t size) {
  const std::string path = write_file(fresh_scratch_dir(), "rec.mat",
                                      std::string(reinterpret_cast<const char*>(data), size));
  try {
    data::Mat4Preamble p = data::read_mat4_preamble(path);
    data::validate_mat4_preamble(p, path, 12, 5000, 24);
    return "";
  } catch (const data::DataError& e) {
    return error_naming(e, path);
  }
}

}  // namespace acl::fuzz
