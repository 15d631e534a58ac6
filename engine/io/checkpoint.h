// Checkpoint files: model weights (state dicts) and training state, both safetensors.
//
// State dict (model.safetensors): PyTorch-style names -> tensors. f32/f64/bf16 tensors are stored
// as F32/F64/BF16; i32 tensors (BatchNorm num_batches_tracked) as I64, PyTorch's integer dtype, so
// the file loads into a torch module with load_state_dict. Metadata gets "format" =
// "acl-ecg.state_dict" and "format_version" = "1" besides the caller's keys (which may not use
// those two names). load_state_dict reads any safetensors file (e.g. one written from PyTorch):
// names must match exactly, shapes and dtypes must match (an I32 or I64 entry loads into an i32
// tensor when the values fit), and on mismatch it throws one std::runtime_error listing every
// missing, unexpected and mismatched name with both shapes and dtypes, before copying anything.
//
// Training state (train_state.safetensors): the optimizer's buffers as tensors
// "optimizer.param.<i>.<buffer>", and as __metadata__ strings: "format" = "acl-ecg.train_state",
// "format_version" = "1", "step", "optimizer.kind", "optimizer.step", "optimizer.param.<i>.step",
// "rng.<name>.seed" / ".stream" / ".counter", "data.epoch", "data.index", "config" (the resolved
// JSON config, verbatim) and "extra.<key>". Integers are decimal strings, so 64-bit values
// round-trip exactly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/optim/optimizer.h"
#include "engine/rng.h"
#include "engine/tensor.h"

namespace acl {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using StringMap = std::map<std::string, std::string>;

inline constexpr const char* kStateDictFormat = "acl-ecg.state_dict";
inline constexpr const char* kTrainStateFormat = "acl-ecg.train_state";
inline constexpr int kCheckpointFormatVersion = 1;

// Writes `named` (names unique and non-empty) with `metadata` added to the format keys.
void save_state_dict(const std::string& path, const NamedTensors& named,
                     const StringMap& metadata = {});

struct LoadStateDictOptions {
  bool allow_unexpected = false;  // ignore names in the file that `named` does not have
};
// Copies the file's tensors into the tensors of `named` (any device); returns the file metadata.
StringMap load_state_dict(const std::string& path, const NamedTensors& named,
                          const LoadStateDictOptions& options = {});

struct RngState {
  uint64_t seed = 0;
  uint64_t stream = 0;
  uint64_t counter = 0;
  bool operator==(const RngState& o) const {
    return seed == o.seed && stream == o.stream && counter == o.counter;
  }
};
RngState rng_state(const Rng& rng);
Rng rng_from_state(const RngState& state);

struct DataPosition {
  uint64_t epoch = 0;
  uint64_t index = 0;  // next sample (or batch) index within the epoch
};

struct TrainState {
  uint64_t step = 0;  // training steps completed
  OptimizerState optimizer;
  std::map<std::string, RngState> rngs;  // by name, e.g. "augment", "dropout"
  DataPosition data;
  std::string config_json;  // the resolved run config, stored verbatim
  StringMap extra;          // any further strings
};

// Doubles in TrainState::extra, exactly: C99 hexadecimal floating point ("%a"), which reads back
// bit for bit.
std::string exact_double_string(double v);
// extra[key] as a double; throws std::runtime_error "<where>: missing extra.<key>" or
// "<where>: extra.<key> = '<text>' is not a number".
double extra_double(const StringMap& extra, const std::string& key, const std::string& where);

void save_train_state(const std::string& path, const TrainState& state);
// Throws std::runtime_error naming the file and key for a wrong format or version, a missing or
// malformed integer, or an unexpected tensor name.
TrainState load_train_state(const std::string& path);

}  // namespace acl
