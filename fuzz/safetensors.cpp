// A safetensors file -> parse_safetensors, then every entry converted as the checkpoint loader
// does (to_tensor; to_i64 for integer entries).
#include <stdexcept>

#include "engine/io/safetensors.h"
#include "fuzz/scratch.h"
#include "fuzz/targets.h"

namespace acl::fuzz {

std::string safetensors(const uint8_t* data, size_t size) {
  const std::string source = "fuzz.safetensors";
  SafetensorsFile f;
  try {
    f = parse_safetensors(data, size, source);
  } catch (const std::runtime_error& e) {
    return error_naming(e, source);
  }
  for (const auto& [name, entry] : f.tensors) {
    try {
      (void)entry.to_tensor();
    } catch (const std::runtime_error& e) {
      // Rejected dtypes, out-of-range I64 values and ranks above 4 are documented.
    }
    if (entry.dtype == "I64" || entry.dtype == "I32") {
      if (static_cast<int64_t>(entry.to_i64().size()) != entry.numel()) {
        finding(name + ": to_i64 size differs from numel");
      }
    }
  }
  return "";
}

}  // namespace acl::fuzz
