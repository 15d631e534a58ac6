// The pretraining/evaluation record overlap.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "train/metrics/leakage.h"

namespace acl::metrics {
namespace {

using Ids = std::vector<std::string>;

TEST(Leakage, ListsSharedIdsSortedOnce) {
  EXPECT_EQ(overlapping_records({"r09", "r01", "r05", "r05"}, {"r05", "r02", "r09", "r09", "r10"}),
            Ids({"r05", "r09"}));
}

TEST(Leakage, NoneWhenDisjointOrEmpty) {
  EXPECT_TRUE(overlapping_records({"a", "b"}, {"c", "B"}).empty());
  EXPECT_TRUE(overlapping_records({}, {"a"}).empty());
  EXPECT_TRUE(overlapping_records({"a"}, {}).empty());
}

TEST(Leakage, IdenticalListsOverlapEntirely) {
  const Ids ids = {"00001_lr", "00002_lr", "00003_lr"};
  EXPECT_EQ(overlapping_records(ids, ids), ids);
}

}  // namespace
}  // namespace acl::metrics
