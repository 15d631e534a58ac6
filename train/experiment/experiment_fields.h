// The experiment config's field table: every key of the JSON file below the top level, with its
// default (the structs' member initialisers), allowed values and the rules between sections.
// It drives ExperimentConfig::from_json / to_json, the paths --set accepts and the key reference
// in docs/usage.md (tests/test_experiment_keys.cpp checks the two agree).
#pragma once

#include "engine/config/field_table.h"
#include "train/experiment/experiment_config.h"

namespace acl::experiment {

const config::FieldTable<ExperimentConfig>& experiment_fields();

}  // namespace acl::experiment
