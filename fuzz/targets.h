// The fuzz targets: one function per parser entry point, shared by the libFuzzer harnesses
// (fuzz/main.cpp, built with ACL_FUZZ=ON) and the regression test (tests/test_fuzz_regressions.cpp,
// which replays tests/data/fuzz_regressions/<target>/ in the normal build).
//
// A target feeds `size` bytes to its parser. It returns "" when the input was accepted and the
// error message when the parser rejected it with its documented exception (DataError,
// std::runtime_error, std::invalid_argument). Any other exception (std::out_of_range,
// std::bad_alloc, a nlohmann::json exception, ...) propagates, and a broken invariant (an error
// that does not name the input, a config whose resolved JSON does not read back) aborts: both are
// findings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace acl::fuzz {

using Target = std::string (*)(const uint8_t* data, size_t size);

std::string wfdb_header(const uint8_t* data, size_t size);      // header text
std::string wfdb_formats(const uint8_t* data, size_t size);     // format selector + sample bytes
std::string wfdb_record(const uint8_t* data, size_t size);      // header + separator + signal file
std::string wfdb_annotation(const uint8_t* data, size_t size);  // MIT annotation stream
std::string mat4(const uint8_t* data, size_t size);             // CinC .mat file
std::string csv(const uint8_t* data, size_t size);              // any CSV with a header row
std::string ptbxl(const uint8_t* data, size_t size);            // selector + PTB-XL CSV / dict
std::string safetensors(const uint8_t* data, size_t size);      // safetensors file
std::string cache(const uint8_t* data, size_t size);            // cache files, separated
std::string experiment_config(const uint8_t* data, size_t size);  // acl_train JSON config
std::string eval_config(const uint8_t* data, size_t size);        // acl_eval JSON config

struct NamedTarget {
  const char* name;
  Target run;
};
inline constexpr NamedTarget kTargets[] = {
    {"wfdb_header", wfdb_header},
    {"wfdb_formats", wfdb_formats},
    {"wfdb_record", wfdb_record},
    {"wfdb_annotation", wfdb_annotation},
    {"mat4", mat4},
    {"csv", csv},
    {"ptbxl", ptbxl},
    {"safetensors", safetensors},
    {"cache", cache},
    {"experiment_config", experiment_config},
    {"eval_config", eval_config},
};

}  // namespace acl::fuzz
