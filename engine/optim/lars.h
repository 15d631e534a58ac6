// LARS as in SimCLR (google-research/simclr lars_optimizer.py, classic momentum), in the
// parameter's dtype with the norms accumulated in double:
//   g  = grad + weight_decay * p                         (no decay for excluded groups)
//   trust = eta * ||p|| / ||g||  if ||p|| > 0 and ||g|| > 0, else 1   (1 for excluded groups)
//   v  = momentum * v + lr * trust * g                   (buffer "momentum", zeros at first)
//   p  = p - (nesterov ? momentum * v + lr * trust * g : v)
// The learning rate sits inside the momentum buffer, as in SimCLR (not PyTorch SGD's form).
//
// `trust_ratio` selects the denominator: kSimclr uses the norm of the decayed gradient as above;
// kPaper uses ||grad|| + weight_decay * ||p|| (You et al. 2017, NVIDIA apex LARC), with the raw
// gradient's norm. Both coincide when weight_decay is 0.
//
// step() gathers every norm of the step first (sums_of_squares: one read of the device), then
// updates the parameters without further host waits.
#pragma once

#include <vector>

#include "engine/optim/optimizer.h"

namespace acl {

enum class LarsTrustRatio { kSimclr, kPaper };

struct LarsOptions {
  double lr = 0.1;
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 1e-6;
  double eta = 1e-3;  // SimCLR's EETA_DEFAULT
  LarsTrustRatio trust_ratio = LarsTrustRatio::kSimclr;
};

class Lars : public Optimizer {
 public:
  Lars(std::vector<ParamGroup> groups, LarsOptions options);
  Lars(std::vector<Tensor> params, LarsOptions options)
      : Lars(single_group(std::move(params)), options) {}
  void step() override;
  const LarsOptions& options() const { return options_; }
  // The trust ratio of parameter i's last update (1 for excluded parameters; 0 before any).
  double last_trust_ratio(size_t i) const { return last_trust_.at(i); }

 protected:
  void update(size_t i, Tensor& p, const Tensor& g, bool first_update) override;

 private:
  LarsOptions options_;
  std::vector<double> last_trust_;
  std::vector<double> w_norm_, g_norm_;  // this step's ||p|| and denominator norm, per parameter
};

}  // namespace acl
