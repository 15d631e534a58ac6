// Any CSV with a header row (the CinC label mappings, labels.csv, reference values) ->
// parse_csv_table, then every cell by column name.
#include "train/data/csv.h"
#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/data/data_error.h"

namespace acl::fuzz {

std::string csv(const uint8_t* data, size_t size) {
  const std::string source = "fuzz.csv";
  try {
    data::CsvTable t =
        data::parse_csv_table(std::string(reinterpret_cast<const char*>(data), size), source);
    for (size_t r = 0; r < t.size(); ++r) {
      for (const auto& column : t.columns()) (void)t.at(r, column);
      if (t.line(r) < 1)
        finding("row " + std::to_string(r) + " has line " + std::to_string(t.line(r)));
    }
    return "";
  } catch (const data::DataError& e) {
    return error_naming(e, source);
  }
}

}  // namespace acl::fuzz
