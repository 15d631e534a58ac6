#include "models/encoder.h"

#include <stdexcept>
#include <string>

#include "engine/ops.h"
#include "models/leadwise.h"
#include "models/resnet1d.h"

namespace acl::models {

Encoder::Encoder(EncoderConfig config) : config_(std::move(config)) {
  config_.validate();
}

Tensor Encoder::select_input_leads(const Tensor& x, const char* who) const {
  if (!x.defined() || x.rank() != 3 || x.size(1) != kNumStandardLeads) {
    throw std::invalid_argument(std::string(who) + ": input is " +
                                (x.defined() ? x.str() : std::string("undefined")) +
                                ", expected (B, 12, L) with the 12 standard leads in PTB-XL order");
  }
  if (x.size(2) < min_length()) {
    throw std::invalid_argument(std::string(who) + ": input length " + std::to_string(x.size(2)) +
                                " is shorter than the " + std::to_string(min_length()) +
                                " samples this configuration needs");
  }
  return select_channels(x, config_.leads);
}

Tensor select_channels(const Tensor& x, const std::vector<int>& index) {
  if (x.rank() != 3) {
    throw std::invalid_argument("select_channels: x is " + x.str() + ", expected (B, C, L)");
  }
  const int64_t C = x.size(1);
  bool identity = static_cast<int64_t>(index.size()) == C;
  for (size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0 || index[i] >= C) {
      throw std::invalid_argument("select_channels: index " + std::to_string(index[i]) +
                                  " is outside 0.." + std::to_string(C - 1));
    }
    identity = identity && index[i] == static_cast<int>(i);
  }
  if (index.empty()) throw std::invalid_argument("select_channels: empty index");
  if (identity) return x;
  std::vector<Tensor> runs;
  for (size_t i = 0; i < index.size();) {
    size_t j = i + 1;
    while (j < index.size() && index[j] == index[j - 1] + 1) ++j;
    runs.push_back(slice(x, 1, index[i], index[j - 1] + 1));
    i = j;
  }
  return runs.size() == 1 ? runs[0] : concat(runs, 1);
}

std::unique_ptr<Encoder> make_encoder(const EncoderConfig& config, Rng& rng) {
  config.validate();
  switch (config.type) {
    case EncoderType::kLeadwise:
      return std::make_unique<LeadwiseEncoder>(config, rng);
    case EncoderType::kResnet1d:
      return std::make_unique<ResNet1d>(config, rng);
  }
  throw std::invalid_argument("make_encoder: unknown encoder type");
}

}  // namespace acl::models
