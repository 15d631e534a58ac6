// acl_inspect RECORD [--csv OUT]: prints a JSON summary of a WFDB or PhysioNet/CinC record
// (fs, leads, units, gains, baselines, formats, checksums, age/sex/Dx when the header has them)
// and optionally writes its physical signal (mV) as CSV, one column per lead.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "train/data/record_summary.h"
#include "train/data/wfdb_record.h"

int main(int argc, char** argv) {
  CLI::App app{"Summarise an ECG record (WFDB .hea + signal files, or CinC .hea + .mat)"};
  std::string record, csv_out;
  app.add_option("RECORD", record, "record path, with or without .hea")->required();
  app.add_option("--csv", csv_out, "write the physical signal (mV) as CSV to this file");
  CLI11_PARSE(app, argc, argv);
  try {
    const acl::data::Record r = acl::data::read_record(record);
    std::cout << acl::data::record_summary_json(r).dump(2) << "\n";
    if (!csv_out.empty()) acl::data::write_signal_csv_file(r, csv_out);
  } catch (const std::exception& e) {
    std::cerr << "acl_inspect: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
