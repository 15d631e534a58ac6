// acl_prepare: prepares a dataset (synthetic, WFDB folder, PhysioNet/CinC folder or PTB-XL) into
// the sharded cache that acl_train reads. Bad records are skipped and listed in
// OUT/bad_records.tsv; the exit status is non-zero when nothing could be prepared.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "train/prepare/prepare.h"
#include "train/synth/generator.h"

int main(int argc, char** argv) {
  CLI::App app{"acl_prepare: ECG datasets -> preprocessed, sharded acl-ecg cache"};
  acl::prepare::PrepareOptions o;
  int64_t synthetic = 0;
  std::string wfdb, cinc, ptbxl, ptbxl_task = "superdiagnostic";
  int ptbxl_rate = 100;
  bool no_bandpass = false, no_standardize = false, quiet = false;
  auto* src_synth =
      app.add_option("--synthetic", synthetic, "generate N synthetic 12-lead records");
  auto* src_wfdb = app.add_option("--wfdb", wfdb, "a folder of WFDB records (*.hea), recursively");
  auto* src_cinc = app.add_option("--cinc", cinc, "a folder of PhysioNet/CinC 2020-21 records");
  auto* src_ptbxl = app.add_option("--ptbxl", ptbxl, "the PTB-XL folder (ptbxl_database.csv, ...)");
  src_synth->excludes(src_wfdb, src_cinc, src_ptbxl);
  src_wfdb->excludes(src_cinc, src_ptbxl);
  src_cinc->excludes(src_ptbxl);
  app.add_option("--out", o.out, "output cache directory")->required();
  app.add_option("--fs", o.fs, "target sampling rate in Hz")->capture_default_str();
  app.add_option("--seconds", o.seconds, "stored length in seconds")->capture_default_str();
  app.add_flag("--no-bandpass", no_bandpass, "skip the zero-phase band-pass filter");
  app.add_option("--band-low", o.band_low_hz, "band-pass low edge, Hz")->capture_default_str();
  app.add_option("--band-high", o.band_high_hz, "band-pass high edge, Hz")->capture_default_str();
  app.add_option("--band-order", o.band_order, "Butterworth order")->capture_default_str();
  app.add_flag("--no-standardize", no_standardize, "keep mV instead of per-lead z-scores");
  app.add_flag("--allow-missing-leads", o.allow_missing_leads,
               "zero-fill leads a record lacks instead of rejecting it");
  app.add_option("--threads", o.threads, "worker threads (0: all cores)")->capture_default_str();
  app.add_option("--records-per-shard", o.records_per_shard, "records per shard file")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the generator and of the split")->capture_default_str();
  app.add_option("--ptbxl-task", ptbxl_task,
                 "PTB-XL labels: superdiagnostic, subdiagnostic, diagnostic, form, rhythm, all")
      ->capture_default_str();
  app.add_option("--ptbxl-rate", ptbxl_rate, "PTB-XL records: 100 or 500 Hz")
      ->capture_default_str();
  app.add_flag("--quiet", quiet, "no progress line");
  app.add_flag_callback(
      "--generator-version",
      [] {
        std::printf("%d\n", acl::synth::kGeneratorVersion);
        throw CLI::Success();
      },
      "print the synthetic generator's version (recorded in a synthetic cache's index) and exit");
  CLI11_PARSE(app, argc, argv);
  o.bandpass = !no_bandpass;
  o.standardize = !no_standardize;
  o.progress = !quiet;

  try {
    acl::prepare::PrepareSummary s;
    if (*src_synth) {
      s = acl::prepare::prepare_synthetic(synthetic, o);
    } else if (*src_wfdb) {
      s = acl::prepare::prepare_wfdb_dir(wfdb, false, o);
    } else if (*src_cinc) {
      s = acl::prepare::prepare_wfdb_dir(cinc, true, o);
    } else if (*src_ptbxl) {
      s = acl::prepare::prepare_ptbxl(ptbxl, ptbxl_task, ptbxl_rate, o);
    } else {
      std::fprintf(stderr,
                   "acl_prepare: give one source: --synthetic N, --wfdb, --cinc or --ptbxl\n");
      return 2;
    }
    std::printf("prepared %lld records into %s in %.1f s (%.0f records/s); %zu bad, listed in %s\n",
                static_cast<long long>(s.prepared), s.cache_dir.c_str(), s.seconds,
                s.seconds > 0 ? static_cast<double>(s.prepared) / s.seconds : 0.0, s.bad.size(),
                s.bad_records_file.c_str());
    for (size_t k = 0; k < s.bad.size() && k < 10; ++k) {
      std::printf("  bad: %s: %s\n", s.bad[k].record.c_str(), s.bad[k].reason.c_str());
    }
    if (!s.notes.empty()) {
      std::printf("%zu records prepared with a note (e.g. skew frames trimmed), listed in %s\n",
                  s.notes.size(), s.notes_file.c_str());
    }
    return s.prepared > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_prepare: %s\n", e.what());
    return 1;
  }
}
