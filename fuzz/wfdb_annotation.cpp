// MIT-format annotation stream -> parse_annotations, then the beat positions and symbols.
#include "train/data/wfdb_annotation.h"
#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/data/data_error.h"

namespace acl::fuzz {

std::string wfdb_annotation(const uint8_t* data, size_t size) {
  const std::string source = "fuzz.atr";
  try {
    std::vector<data::Annotation> a =
        data::parse_annotations(std::vector<uint8_t>(data, data + size), source);
    for (const auto& x : a) (void)data::annotation_symbol(x.code);
    (void)data::beat_samples(a);
    return "";
  } catch (const data::DataError& e) {
    return error_naming(e, source);
  }
}

}  // namespace acl::fuzz
