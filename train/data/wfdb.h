// Umbrella header of the ECG record readers (acl_data): WFDB/CinC records, annotations, metadata.
#pragma once

#include "train/data/data_error.h"
#include "train/data/leads.h"
#include "train/data/record_metadata.h"
#include "train/data/signal_quality.h"
#include "train/data/wfdb_annotation.h"
#include "train/data/wfdb_header.h"
#include "train/data/wfdb_record.h"
