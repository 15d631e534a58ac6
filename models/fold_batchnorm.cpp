#include "models/fold_batchnorm.h"

#include <cmath>
#include <optional>
#include <stdexcept>
#include <utility>

#include "engine/autograd.h"
#include "engine/kernel_route.h"
#include "kernels/elementwise.h"
#include "models/leadwise.h"
#include "models/resnet1d.h"

namespace acl::models {

namespace {

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// The child `name` of `m` as an M; std::logic_error naming the path when it is missing or of
// another type (the folded form no longer matches the architecture).
template <typename M>
M* child(const Module& m, const std::string& path, const std::string& name, const char* type) {
  for (const auto& [n, c] : m.children()) {
    if (n != name) continue;
    if (M* r = dynamic_cast<M*>(c)) return r;
    break;
  }
  throw std::logic_error("fold_batchnorm: module '" + path + "' has no " + type + " child '" +
                         name + "'");
}

bool has_child(const Module& m, const std::string& name) {
  for (const auto& kv : m.children())
    if (kv.first == name) return true;
  return false;
}

// x = max(x, 0) in place: x is a fresh inference activation nothing else holds.
void relu_inplace(Tensor& x) {
  const int64_t n = x.numel();
  route_kernel(
      "relu_inplace", x,
      [&](auto t) {
        using T = decltype(t);
        T* p = x.data<T>();
        kernels::relu_forward_cpu<T>(p, p, n);
      },
      [&](auto stream) {
        float* p = x.data<float>();
        kernels::relu_forward_cuda(p, p, n, stream);
      });
}

// A Conv1d and the BatchNorm1d directly after it (or none): one folded conv when fold_blocker
// allows, else the two modules as they are. Names are the source's, for the summary.
class ConvBn {
 public:
  ConvBn(Conv1d& conv, BatchNorm1d* bn, const std::string& bn_name, FoldSummary& summary)
      : conv_(&conv), bn_(bn) {
    ++summary.convs;
    if (!bn) return;
    const std::string why = fold_blocker(conv, *bn);
    if (why.empty()) {
      folded_ = fold_conv_batchnorm(conv, *bn);
      summary.folded.push_back(bn_name);
    } else {
      summary.left.push_back(bn_name + ": " + why);
    }
  }

  // A fresh tensor (the caller may modify it in place).
  Tensor operator()(const Tensor& x) const {
    if (folded_) return conv1d(x, folded_->weight, folded_->bias, folded_->options);
    Tensor h = conv_->forward(x);
    return bn_ ? bn_->forward(h) : h;
  }

 private:
  Conv1d* conv_;
  BatchNorm1d* bn_;
  std::optional<FoldedConv> folded_;
};

// Every Conv1d and BatchNorm1d below `m` (the check that a folded form covered them all).
std::pair<int, int> count_conv_bn(const Module& m) {
  int conv = 0, bn = 0;
  for (const auto& [name, sub] : m.named_modules()) {
    conv += dynamic_cast<const Conv1d*>(sub) != nullptr;
    bn += dynamic_cast<const BatchNorm1d*>(sub) != nullptr;
  }
  return {conv, bn};
}

}  // namespace

std::string fold_blocker(const Conv1d& conv, const BatchNorm1d& bn) {
  if (!bn.options().track_running_stats) {
    return "no running statistics (track_running_stats = false): it normalises with batch "
           "statistics";
  }
  if (bn.is_training()) return "in training mode: it normalises with batch statistics";
  const Tensor& w = conv.weight();
  if (bn.running_mean().numel() != w.size(0)) {
    return "it has " + std::to_string(bn.running_mean().numel()) + " channels, the conv has " +
           std::to_string(w.size(0)) + " outputs";
  }
  if (w.dtype() != DType::f32 && w.dtype() != DType::f64) {
    return "conv weight " + w.str() + " is not f32 or f64";
  }
  for (const Tensor& t : {bn.running_mean(), bn.running_var(), bn.weight(), bn.bias()}) {
    if (t.defined() && (t.dtype() != w.dtype() || t.device() != w.device())) {
      return "its tensor " + t.str() + " differs in dtype or device from the conv weight " +
             w.str();
    }
  }
  return "";
}

FoldedConv fold_conv_batchnorm(const Conv1d& conv, const BatchNorm1d& bn) {
  const std::string why = fold_blocker(conv, bn);
  if (!why.empty()) throw std::invalid_argument("fold_conv_batchnorm: the BatchNorm1d " + why);
  const Tensor& w = conv.weight();
  const int64_t cout = w.size(0), per_channel = w.numel() / cout;
  const std::vector<double> mean = bn.running_mean().to_vector<double>();
  const std::vector<double> var = bn.running_var().to_vector<double>();
  const auto values_or = [cout](const Tensor& t, double fill) {
    return t.defined() ? t.to_vector<double>()
                       : std::vector<double>(static_cast<size_t>(cout), fill);
  };
  const std::vector<double> gamma = values_or(bn.weight(), 1.0), beta = values_or(bn.bias(), 0.0);
  const std::vector<double> b = values_or(conv.bias(), 0.0);
  std::vector<double> scale(static_cast<size_t>(cout)), bf(static_cast<size_t>(cout));
  for (size_t c = 0; c < scale.size(); ++c) {
    scale[c] = gamma[c] / std::sqrt(var[c] + bn.options().eps);
    bf[c] = scale[c] * (b[c] - mean[c]) + beta[c];
  }
  // W' in one pass over the host weights: each element scaled in double and rounded once to the
  // weight's dtype; then moved to the weight's device.
  const Tensor host = w.device() == Device::CPU ? w : w.to(Device::CPU);
  Tensor wf = Tensor::empty(w.shape(), w.dtype());
  const auto scale_rows = [&](auto t) {
    using T = decltype(t);
    const T* src = host.data<T>();
    T* dst = wf.data<T>();
    for (int64_t co = 0; co < cout; ++co) {
      const double sc = scale[static_cast<size_t>(co)];
      for (int64_t i = co * per_channel; i < (co + 1) * per_channel; ++i)
        dst[i] = static_cast<T>(sc * static_cast<double>(src[i]));
    }
  };
  if (w.dtype() == DType::f32) {
    scale_rows(float{});
  } else {
    scale_rows(double{});
  }
  FoldedConv out;
  out.weight = w.device() == Device::CPU ? wf : wf.to(w.device());
  out.bias = Tensor::from_vector(bf, Shape{cout}).to(w.dtype()).to(w.device());
  out.options = conv.options();
  return out;
}

// ---- FoldedSequential -----------------------------------------------------------------------

struct FoldedSequential::Step {
  std::optional<ConvBn> conv;  // a conv (+ the BN after it), or
  Layer* layer = nullptr;      // a layer run as it is
};

FoldedSequential::FoldedSequential(Sequential& source, const std::string& name) {
  for (size_t i = 0; i < source.size(); ++i) {
    Layer* layer = source.at(i);
    const std::string layer_name = join(name, std::to_string(i));
    if (auto* conv = dynamic_cast<Conv1d*>(layer)) {
      BatchNorm1d* bn =
          i + 1 < source.size() ? dynamic_cast<BatchNorm1d*>(source.at(i + 1)) : nullptr;
      Step s;
      s.conv.emplace(*conv, bn, join(name, std::to_string(i + 1)), summary_);
      steps_.push_back(std::move(s));
      if (bn) ++i;
      continue;
    }
    if (dynamic_cast<BatchNorm1d*>(layer)) {
      summary_.left.push_back(layer_name + ": not directly after a Conv1d");
    }
    Step s;
    s.layer = layer;
    steps_.push_back(std::move(s));
  }
  train(false);
}

FoldedSequential::~FoldedSequential() = default;

Tensor FoldedSequential::forward(const Tensor& x) {
  NoGradGuard no_grad;
  Tensor h = x;
  for (const Step& s : steps_) h = s.conv ? (*s.conv)(h) : s.layer->forward(h);
  return h;
}

// ---- FoldedEncoder --------------------------------------------------------------------------

struct FoldedEncoder::Plan {
  virtual ~Plan() = default;
  // h: the selected leads (B, N, L).
  virtual EncoderOutput run(const Tensor& h) = 0;
};

namespace {

// Per block: conv - BN - ReLU - max_pool, run as folded conv - max_pool - ReLU (in place).
class LeadwisePlan : public FoldedEncoder::Plan {
 public:
  LeadwisePlan(LeadwiseEncoder& enc, FoldSummary& summary)
      : pool_(enc.config().leadwise.pool_size),
        shared_(enc.config().leadwise.shared_weights),
        features_(enc.lead_embedding_dim()) {
    auto* blocks = child<Sequential>(enc, "", "blocks", "Sequential");
    for (size_t i = 0; i < blocks->size(); ++i) {
      const std::string path = "blocks." + std::to_string(i);
      auto* block = dynamic_cast<LeadwiseBlock*>(blocks->at(i));
      if (!block) throw std::logic_error("fold_batchnorm: '" + path + "' is not a LeadwiseBlock");
      blocks_.emplace_back(*child<Conv1d>(*block, path, "conv", "Conv1d"),
                           child<BatchNorm1d>(*block, path, "bn", "BatchNorm1d"), path + ".bn",
                           summary);
    }
  }

  EncoderOutput run(const Tensor& x) override {
    const int64_t B = x.size(0), N = x.size(1), L = x.size(2);
    Tensor h = shared_ ? x.reshape(Shape{B * N, 1, L}) : x;
    for (const ConvBn& block : blocks_) {
      h = max_pool1d(block(h), pool_, pool_);
      relu_inplace(h);
    }
    h = global_avg_pool1d(h);  // (B, N * F) or (B * N, F), lead-major
    EncoderOutput out;
    out.lead_embeddings = h.reshape(Shape{B, N, features_});
    out.embedding = h.reshape(Shape{B, N * features_});
    return out;
  }

 private:
  int pool_;
  bool shared_;
  int64_t features_;
  std::vector<ConvBn> blocks_;
};

// Stem conv - BN - ReLU (- max_pool), then BasicBlocks
// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), each conv + BN folded.
class ResNetPlan : public FoldedEncoder::Plan {
 public:
  ResNetPlan(ResNet1d& enc, FoldSummary& summary)
      : stem_(*child<Conv1d>(enc, "", "conv1", "Conv1d"),
              child<BatchNorm1d>(enc, "", "bn1", "BatchNorm1d"), "bn1", summary),
        stem_pool_(enc.config().resnet.stem_pool) {
    const size_t stages = enc.config().resnet.blocks.size();
    for (size_t s = 0; s < stages; ++s) {
      const std::string stage = "layer" + std::to_string(s + 1);
      auto* layer = child<Sequential>(enc, "", stage, "Sequential");
      for (size_t b = 0; b < layer->size(); ++b) {
        const std::string path = stage + "." + std::to_string(b);
        auto* block = dynamic_cast<BasicBlock1d*>(layer->at(b));
        if (!block) throw std::logic_error("fold_batchnorm: '" + path + "' is not a BasicBlock1d");
        Block fb{
            ConvBn(*child<Conv1d>(*block, path, "conv1", "Conv1d"),
                   child<BatchNorm1d>(*block, path, "bn1", "BatchNorm1d"), path + ".bn1", summary),
            ConvBn(*child<Conv1d>(*block, path, "conv2", "Conv1d"),
                   child<BatchNorm1d>(*block, path, "bn2", "BatchNorm1d"), path + ".bn2", summary),
            nullptr};
        if (has_child(*block, "downsample")) {
          fb.downsample = std::make_unique<FoldedSequential>(
              *child<Sequential>(*block, path, "downsample", "Sequential"), path + ".downsample");
          const FoldSummary& d = fb.downsample->summary();
          summary.folded.insert(summary.folded.end(), d.folded.begin(), d.folded.end());
          summary.left.insert(summary.left.end(), d.left.begin(), d.left.end());
          summary.convs += d.convs;
        }
        blocks_.push_back(std::move(fb));
      }
    }
  }

  EncoderOutput run(const Tensor& x) override {
    Tensor h = stem_(x);
    if (stem_pool_) h = max_pool1d(h, 3, 2, 1);
    relu_inplace(h);
    for (Block& b : blocks_) {
      Tensor out = b.conv1(h);
      relu_inplace(out);
      out = b.conv2(out);
      add_(out, b.downsample ? b.downsample->forward(h) : h);
      relu_inplace(out);
      h = out;
    }
    EncoderOutput result;
    result.embedding = global_avg_pool1d(h);
    return result;
  }

 private:
  struct Block {
    ConvBn conv1, conv2;
    std::unique_ptr<FoldedSequential> downsample;  // null: identity shortcut
  };
  ConvBn stem_;
  bool stem_pool_;
  std::vector<Block> blocks_;
};

}  // namespace

FoldedEncoder::FoldedEncoder(Encoder& source) : Encoder(source.config()), source_(source) {
  if (auto* lw = dynamic_cast<LeadwiseEncoder*>(&source)) {
    plan_ = std::make_unique<LeadwisePlan>(*lw, summary_);
  } else if (auto* rn = dynamic_cast<ResNet1d*>(&source)) {
    plan_ = std::make_unique<ResNetPlan>(*rn, summary_);
  } else {
    throw std::invalid_argument(
        "fold_batchnorm: no folded form for this encoder type (LeadwiseEncoder and ResNet1d have "
        "one)");
  }
  // Every Conv1d of the source is on the folded path, every BatchNorm1d folded or left alone.
  const auto [convs, bns] = count_conv_bn(source);
  const size_t seen = summary_.folded.size() + summary_.left.size();
  if (seen != static_cast<size_t>(bns) || summary_.convs != convs) {
    throw std::logic_error("fold_batchnorm: the folded form covers " + std::to_string(seen) +
                           " of the encoder's " + std::to_string(bns) + " BatchNorm1d and " +
                           std::to_string(summary_.convs) + " of its " + std::to_string(convs) +
                           " Conv1d modules");
  }
  train(false);
}

FoldedEncoder::~FoldedEncoder() = default;

EncoderOutput FoldedEncoder::encode(const Tensor& x) {
  NoGradGuard no_grad;
  return plan_->run(select_input_leads(x, "FoldedEncoder"));
}

std::unique_ptr<FoldedEncoder> fold_batchnorm(Encoder& encoder) {
  if (encoder.is_training()) {
    throw std::invalid_argument(
        "fold_batchnorm: the encoder is in training mode; folding uses the running statistics "
        "of eval mode (call eval() first)");
  }
  return std::unique_ptr<FoldedEncoder>(new FoldedEncoder(encoder));
}

}  // namespace acl::models
