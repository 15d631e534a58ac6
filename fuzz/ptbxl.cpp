// PTB-XL metadata: byte 0 picks the reader, the rest is its input.
//   even: ptbxl_database.csv (read_ptbxl_database), then the split of every record's fold;
//   odd:  scp_statements.csv (read_scp_statements), then every task's label vocabulary.
#include "train/data/ptbxl.h"
#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/data/data_error.h"

namespace acl::fuzz {

std::string ptbxl(const uint8_t* data, size_t size) {
  if (size < 1) return "";
  const bool statements = data[0] & 1;
  const std::string path =
      write_file(fresh_scratch_dir(), statements ? "scp_statements.csv" : "ptbxl_database.csv",
                 std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  try {
    if (statements) {
      data::ScpStatements s = data::read_scp_statements(path);
      for (const auto& name : data::ptbxl_task_names()) {
        data::PtbxlTask task;
        if (!data::ptbxl_task_from_name(name, &task)) finding("task " + name + " has no enum");
        (void)data::ptbxl_label_vocabulary(s, task);
      }
    } else {
      for (const auto& r : data::read_ptbxl_database(path)) {
        try {
          (void)data::ptbxl_split(r.strat_fold);
        } catch (const data::DataError& e) {
          error_naming(e, std::to_string(r.strat_fold));
        }
      }
    }
    return "";
  } catch (const data::DataError& e) {
    return error_naming(e, path);
  }
}

}  // namespace acl::fuzz
