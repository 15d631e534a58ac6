// The lead table (models/leads.h): names and accepted spellings; canonical reordering and limb-lead
// derivation (train/preprocess/leads.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/leads.h"
#include "train/preprocess/leads.h"

namespace {

using namespace acl::leads;
using namespace acl::preprocess;

TEST(LeadNames, CommonSpellingsMapToCanonical) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"I", kI},        {"i", kI},        {"II", kII},     {"ii", kII},   {"III", kIII},
      {"MLII", kII},    {"MLI", kI},      {"MLIII", kIII}, {"ml2", -1},   {"aVR", kAVR},
      {"AVR", kAVR},    {"avr", kAVR},    {"aVL", kAVL},   {"AVL", kAVL}, {"avf", kAVF},
      {"aVF", kAVF},    {"V1", kV1},      {"v1", kV1},     {"V6", kV6},   {"v4", kV4},
      {"Lead II", kII}, {"lead_v2", kV2}, {" V3 ", kV3},   {"DI", kI},    {"D2", kII},
      {"DIII", kIII},   {"-aVR", -1},     {"V7", -1},      {"X", -1},     {"", -1},
      {"IV", -1},       {"MLIV", -1}};
  for (const auto& [name, want] : cases) EXPECT_EQ(lead_index(name), want) << "'" << name << "'";
  for (int i = 0; i < kNumLeads; ++i) {
    EXPECT_EQ(lead_index(lead_names()[static_cast<size_t>(i)]), i);
  }
}

TEST(LeadTable, OrderSubsetsAndRegions) {
  ASSERT_EQ(lead_names().size(), static_cast<size_t>(kNumLeads));
  EXPECT_EQ(lead_names()[kI], "I");
  EXPECT_EQ(lead_names()[kAVR], "aVR");
  EXPECT_EQ(lead_names()[kV1], "V1");
  EXPECT_EQ(lead_names()[kV6], "V6");
  EXPECT_EQ(independent_leads(), (std::vector<int>{1, 2, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(all_leads(), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  const std::vector<std::pair<std::string, std::vector<std::string>>> regions = {
      {"inferior", {"II", "III", "aVF"}},
      {"septal", {"V1", "V2"}},
      {"anterior", {"V3", "V4"}},
      {"lateral", {"I", "aVL", "V5", "V6"}}};
  ASSERT_EQ(anatomical_regions().size(), regions.size());
  for (size_t i = 0; i < regions.size(); ++i) {
    EXPECT_EQ(anatomical_regions()[i].name, regions[i].first);
    EXPECT_EQ(anatomical_regions()[i].leads, regions[i].second);
  }
}

TEST(LeadNames, ReordersIntoCanonicalOrder) {
  // MIT-BIH-like record: MLII, V5 and an unknown channel.
  const int n = 3;
  const std::vector<float> x = {1, 2, 3, 10, 20, 30, 7, 7, 7};
  const CanonicalRecord r = to_canonical_order(x.data(), {"V5", "MLII", "resp"}, n);
  ASSERT_EQ(r.signal.size(), static_cast<size_t>(12 * n));
  for (int l = 0; l < kNumLeads; ++l) {
    const bool want = l == kII || l == kV5;
    EXPECT_EQ(r.present[static_cast<size_t>(l)], want) << l;
  }
  EXPECT_EQ(std::vector<float>(r.signal.begin() + kV5 * n, r.signal.begin() + kV5 * n + n),
            (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(std::vector<float>(r.signal.begin() + kII * n, r.signal.begin() + kII * n + n),
            (std::vector<float>{10, 20, 30}));
  EXPECT_EQ(r.signal[static_cast<size_t>(kI * n)], 0.0f);
  EXPECT_EQ(r.ignored, std::vector<std::string>{"resp"});
}

TEST(LeadNames, DuplicateLeadIsAnError) {
  const std::vector<float> x(6, 0.0f);
  EXPECT_THROW(to_canonical_order(x.data(), {"II", "MLII"}, 3), std::invalid_argument);
}

TEST(LimbLeads, DerivesOnlyMissingLeadsFromIAndII) {
  const int n = 4;
  std::vector<float> x(static_cast<size_t>(12 * n), 0.0f);
  const float lead_i[n] = {0.1f, -0.4f, 1.25f, 0.0f};
  const float lead_ii[n] = {0.9f, 0.3f, -0.5f, 2.0f};
  std::array<bool, kNumLeads> present{};
  present[kI] = present[kII] = present[kAVL] = true;
  for (int t = 0; t < n; ++t) {
    x[static_cast<size_t>(kI * n + t)] = lead_i[t];
    x[static_cast<size_t>(kII * n + t)] = lead_ii[t];
    x[static_cast<size_t>(kAVL * n + t)] = 99.0f;  // present: must stay
  }
  const std::vector<int> derived = derive_limb_leads(x.data(), n, present);
  EXPECT_EQ(derived, (std::vector<int>{kIII, kAVR, kAVF}));
  for (int t = 0; t < n; ++t) {
    const double a = lead_i[t], b = lead_ii[t];
    EXPECT_NEAR(x[static_cast<size_t>(kIII * n + t)], b - a, 1e-6);
    EXPECT_NEAR(x[static_cast<size_t>(kAVR * n + t)], -(a + b) / 2, 1e-6);
    EXPECT_NEAR(x[static_cast<size_t>(kAVF * n + t)], b - a / 2, 1e-6);
    EXPECT_EQ(x[static_cast<size_t>(kAVL * n + t)], 99.0f);
  }
  for (int l : {kIII, kAVR, kAVL, kAVF}) EXPECT_TRUE(present[static_cast<size_t>(l)]);
  EXPECT_FALSE(present[kV1]);
  // Nothing left to derive the second time.
  EXPECT_TRUE(derive_limb_leads(x.data(), n, present).empty());
}

TEST(LimbLeads, NeedsBothIAndII) {
  const int n = 2;
  std::vector<float> x(static_cast<size_t>(12 * n), 1.0f);
  std::array<bool, kNumLeads> present{};
  present[kII] = true;
  EXPECT_TRUE(derive_limb_leads(x.data(), n, present).empty());
  EXPECT_FALSE(present[kIII]);
}

}  // namespace
