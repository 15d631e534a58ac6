// acl_prepare's library: turns a dataset (the built-in synthetic generator, a folder of WFDB or
// PhysioNet/CinC records, or PTB-XL) into the cache of train/cache/cache_format.h.
//
// Every record goes through the same preprocessing: leads put in the canonical 12-lead order
// (missing limb leads derived from I and II when possible), resampling to `fs`, zero-phase
// band-pass, a centred crop or zero pad to `fs * seconds` samples, R-peak detection (the
// generator's true beats for synthetic records) and per-lead standardisation. Records are
// processed on `threads` threads and written in input order, so the cache does not depend on the
// thread count. A record that cannot be read or fails the quality checks is skipped and listed in
// OUT/bad_records.tsv (record, file, reason); the summary counts it. A prepared record whose
// preprocessing did more than the above (the frames a skew leaves invalid, dropped) is listed
// with a note in OUT/notes.tsv (record, file, note), written only when there is a note.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace acl::prepare {

struct PrepareOptions {
  std::string out;        // cache directory
  double fs = 100.0;      // target sampling rate, Hz
  double seconds = 10.0;  // stored length = round(fs * seconds)
  bool bandpass = true;
  double band_low_hz = 0.5;
  double band_high_hz = 45.0;
  int band_order = 2;
  bool standardize = true;
  bool allow_missing_leads = false;  // zero-fill leads a record lacks instead of rejecting it
  int threads = 0;                   // 0: all hardware threads
  int64_t records_per_shard = 4096;
  uint64_t seed = 0;  // synthetic records and the train/val/test split of non-PTB-XL data
  bool progress = true;
};

struct BadRecord {  // also a prepared record's note (notes.tsv), `reason` holding the note
  std::string record;
  std::string file;
  std::string reason;
};

struct PrepareSummary {
  int64_t prepared = 0;
  std::vector<BadRecord> bad;
  double seconds = 0.0;
  std::string cache_dir;
  std::string bad_records_file;
  std::vector<BadRecord> notes;  // prepared records with a note, in input order
  std::string notes_file;        // "" when there is no note
};

// Records 0 .. n_records-1 of the generator (seed options.seed); the patient key of a record is
// "p<patient id>" and the 80/10/10 split is drawn per patient (split_for of the key).
PrepareSummary prepare_synthetic(int64_t n_records, const PrepareOptions& options);
// Every record (*.hea) under `dir`, recursively, but the segment and layout headers a
// multi-segment record's master header names (prepared inside that record only). With
// `cinc_labels`, labels are the SNOMED codes of the headers' "#Dx:" comments; otherwise the
// "#Labels:" comments where present. The headers name no patient: each record is its own, split
// by its name.
PrepareSummary prepare_wfdb_dir(const std::string& dir, bool cinc_labels,
                                const PrepareOptions& options);
// PTB-XL: `dir` holds ptbxl_database.csv, scp_statements.csv and records100/ or records500/.
// `task` is superdiagnostic, subdiagnostic, diagnostic, form, rhythm or all; `rate` 100 or 500
// picks filename_lr or filename_hr. The split follows strat_fold (1-8 train, 9 val, 10 test); the
// patient key is patient_id.
PrepareSummary prepare_ptbxl(const std::string& dir, const std::string& task, int rate,
                             const PrepareOptions& options);

}  // namespace acl::prepare
