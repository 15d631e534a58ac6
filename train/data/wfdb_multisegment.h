// Multi-segment WFDB records: a master header lists segments (each a single-segment record in the
// same directory) read as one record, as wfdb-python's rdrecord does.
//
// Fixed layout: every segment has the same signals; the first non-null segment gives their specs.
// Variable layout: the first segment has length 0 and is the layout header, whose signals are the
// record's; a segment's signals are matched to them by name, and signals a segment lacks are NaN.
// Null segments ("~") are gaps: NaN in physical, the format's invalid sample in digital.
// Physical values come from each segment's own gain and baseline; digital values are the
// segments' own ADC values. Checksums are checked per segment; a signal's checksum_ok is false
// when any segment's is. ReadOptions::segment >= 0 reads that one segment alone.
// Every inconsistency (missing segment, sampling rate or length disagreeing with the master
// header, unknown signal name) throws DataError naming the file, line and field.
#pragma once

#include <string>

#include "train/data/wfdb_header.h"
#include "train/data/wfdb_record.h"

namespace acl::data {

Record read_multisegment_record(const std::string& header_path, const WfdbHeader& master,
                                const ReadOptions& options);

}  // namespace acl::data
