// The augmentation config's field table (engine/config/field_table.h): the JSON keys below
// "objective.augmentations", their ranges and the rules between them. fs and n_views are not keys
// (they come from the data and the method); the rules check them too.
#pragma once

#include "engine/config/field_table.h"
#include "train/augment/augment.h"

namespace acl::augment {

const config::FieldTable<AugmentConfig>& augment_fields();

}  // namespace acl::augment
