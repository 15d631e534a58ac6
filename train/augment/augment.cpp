// make_view: argument checks, then the augmentation kernel of the records' device
// (kernels/augment.h). The R-peaks are validated on the host (the caller's host copies when given,
// else a copy of the tensors), once per batch in prepare(), so the kernels can trust them.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/kernel_route.h"
#include "engine/tensor_checks.h"
#include "kernels/augment.h"
#include "train/augment/augment.h"
#include "train/augment/augment_spec.h"

namespace acl::augment {

namespace {

constexpr const char* kOp = "make_view";

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument(std::string(kOp) + ": " + what);
}

void check_rpeaks(const BatchRPeaks& rpeaks, const BatchHostCopies& host, const Tensor& records,
                  int64_t batch, int64_t src_length) {
  const Tensor& off = rpeaks.offsets;
  const Tensor& pos = rpeaks.positions;
  checks::check_index(kOp, "rpeaks.offsets", off, 1);
  checks::check_index(kOp, "rpeaks.positions", pos, 1);
  if (off.size(0) != batch + 1) {
    fail("rpeaks.offsets has " + std::to_string(off.size(0)) +
         " entries, expected batch + 1 = " + std::to_string(batch + 1));
  }
  if (off.device() != records.device() || pos.device() != records.device()) {
    fail("rpeaks are on " + std::string(device_name(off.device())) + "/" +
         device_name(pos.device()) + " but records on " + device_name(records.device()));
  }
  std::vector<int32_t> o_read, p_read;  // device reads, when no host copy was given
  if (!host.rpeak_offsets) o_read = off.to_vector<int32_t>();
  if (!host.rpeak_positions) p_read = pos.to_vector<int32_t>();
  const std::vector<int32_t>& o = host.rpeak_offsets ? *host.rpeak_offsets : o_read;
  const std::vector<int32_t>& p = host.rpeak_positions ? *host.rpeak_positions : p_read;
  if (static_cast<int64_t>(o.size()) != off.numel() ||
      static_cast<int64_t>(p.size()) != pos.numel()) {
    fail("the host copies of the R-peaks hold " + std::to_string(o.size()) + " offsets and " +
         std::to_string(p.size()) + " positions, the tensors " + std::to_string(off.numel()) +
         " and " + std::to_string(pos.numel()));
  }
  if (o[0] != 0 || o[static_cast<size_t>(batch)] != static_cast<int64_t>(p.size())) {
    fail("rpeaks.offsets must start at 0 and end at the number of positions (" +
         std::to_string(p.size()) + "); got " + std::to_string(o[0]) + " .. " +
         std::to_string(o[static_cast<size_t>(batch)]));
  }
  for (int64_t b = 0; b < batch; ++b) {
    const int32_t lo = o[static_cast<size_t>(b)], hi = o[static_cast<size_t>(b) + 1];
    if (hi < lo) {
      fail("rpeaks.offsets decrease at record " + std::to_string(b) + " (" + std::to_string(lo) +
           " -> " + std::to_string(hi) + ")");
    }
    for (int32_t i = lo; i < hi; ++i) {
      const int32_t v = p[static_cast<size_t>(i)];
      if (v < 0 || v >= src_length || (i > lo && v <= p[static_cast<size_t>(i) - 1])) {
        fail("R-peak " + std::to_string(i - lo) + " of record " + std::to_string(b) + " is " +
             std::to_string(v) + ": expected ascending positions in [0, " +
             std::to_string(src_length) + ")");
      }
    }
  }
}

}  // namespace

ViewMaker::ViewMaker(const AugmentConfig& config, int64_t out_length)
    : config_(config), out_length_(out_length) {
  config_.validate();
  spec_ = to_kernel_spec(config_, out_length_);
}

Tensor make_view(const Tensor& records, const BatchRPeaks& rpeaks,
                 const std::vector<int64_t>& record_index, int view, int64_t epoch, uint64_t seed,
                 const AugmentConfig& config, int64_t out_length) {
  return ViewMaker(config, out_length).view(records, rpeaks, record_index, view, epoch, seed);
}

Tensor ViewMaker::view(const Tensor& records, const BatchRPeaks& rpeaks,
                       const std::vector<int64_t>& record_index, int view, int64_t epoch,
                       uint64_t seed) const {
  return this->view(prepare(records, rpeaks, record_index), view, epoch, seed);
}

ViewBatch ViewMaker::prepare(const Tensor& records, const BatchRPeaks& rpeaks,
                             const std::vector<int64_t>& record_index,
                             const BatchHostCopies& host) const {
  const AugmentConfig& config = config_;
  const int64_t out_length = out_length_;
  checks::check_defined(kOp, "records", records);
  if (records.dtype() != DType::f32 || records.rank() != 3) {
    fail("records is " + records.str() + ", expected f32 (batch, leads, length)");
  }
  const int64_t batch = records.size(0), n_leads = records.size(1), src_length = records.size(2);
  if (n_leads < 1 || src_length < 1) fail("records " + records.str() + " have no samples");
  if (out_length < 1 || out_length > kernels::kMaxAugmentLength ||
      src_length > kernels::kMaxAugmentLength) {
    fail("out_length = " + std::to_string(out_length) +
         ", record length = " + std::to_string(src_length) + ": expected both in [1, 2^24]");
  }
  if (static_cast<int64_t>(record_index.size()) != batch) {
    fail("record_index has " + std::to_string(record_index.size()) + " entries for " +
         std::to_string(batch) + " records");
  }
  std::vector<int32_t> index32(record_index.size());
  for (size_t b = 0; b < record_index.size(); ++b) {
    if (record_index[b] < 0 || record_index[b] > INT32_MAX) {
      fail("record_index[" + std::to_string(b) + "] = " + std::to_string(record_index[b]) +
           ": expected 0 <= index < 2^31");
    }
    index32[b] = static_cast<int32_t>(record_index[b]);
  }
  if (config.vcg.enabled && n_leads != kernels::kVcgLeads) {
    fail(
        "augmentations.vcg.enabled needs 12-lead records (I, II, III, aVR, aVL, aVF, V1-V6); "
        "records have " +
        std::to_string(n_leads) + " leads");
  }
  if (config.lead_dropout.enabled && n_leads > kernels::kMaxDropoutLeads) {
    fail("augmentations.lead_dropout supports at most 64 leads; records have " +
         std::to_string(n_leads));
  }
  if (config.segments.enabled && src_length < config.n_views) {
    fail("augmentations.segments: records of " + std::to_string(src_length) +
         " samples cannot be cut into n_views = " + std::to_string(config.n_views) + " segments");
  }
  check_rpeaks(rpeaks, host, records, batch, src_length);

  ViewBatch out;
  out.records_ = records;
  out.rpeaks_ = rpeaks;
  const Device device = records.device();
  if (host.record_index_i32.defined()) {
    const Tensor& idx = host.record_index_i32;
    if (idx.dtype() != DType::i32 || idx.rank() != 1 || idx.size(0) != batch ||
        idx.device() != device) {
      fail("record_index_i32 is " + idx.str() + ", expected i32 (" + std::to_string(batch) +
           ") on " + device_name(device));
    }
    out.index_ = idx;
  } else {
    out.index_ = Tensor::from_vector(index32, Shape{batch});
    if (device != Device::CPU) out.index_ = out.index_.to(device);
  }
  return out;
}

Tensor ViewMaker::view(const ViewBatch& batch_in, int view, int64_t epoch, uint64_t seed) const {
  if (!batch_in.records_.defined()) fail("the batch was not prepared (ViewMaker::prepare)");
  if (view < 0 || view >= config_.n_views) {
    fail("view = " + std::to_string(view) +
         ": expected 0 <= view < n_views = " + std::to_string(config_.n_views));
  }
  if (epoch < 0 || epoch >= kernels::kMaxAugmentEpoch) {
    fail("epoch = " + std::to_string(epoch) + ": expected 0 <= epoch < 2^32");
  }
  const Tensor& records = batch_in.records_;
  const BatchRPeaks& rpeaks = batch_in.rpeaks_;
  const Tensor& index = batch_in.index_;
  const int64_t batch = records.size(0), n_leads = records.size(1), src_length = records.size(2);
  const int64_t out_length = out_length_;
  const Device device = records.device();
  Tensor out = Tensor::empty(Shape{batch, n_leads, out_length}, DType::f32, device);
  if (batch == 0) return out;
  const kernels::AugmentSpec& spec = spec_;
  const int32_t* positions =
      rpeaks.positions.numel() > 0 ? rpeaks.positions.data<int32_t>() : nullptr;
  route_kernel(
      kOp, records,
      [&](auto) {  // records are f32 (checked in prepare)
        kernels::augment_view_cpu<float>(out.data<float>(), records.data<float>(),
                                         index.data<int32_t>(), rpeaks.offsets.data<int32_t>(),
                                         positions, batch, n_leads, src_length, out_length, view,
                                         epoch, seed, spec);
      },
      [&](auto stream) {
        kernels::augment_view_cuda(out.data<float>(), records.data<float>(), index.data<int32_t>(),
                                   rpeaks.offsets.data<int32_t>(), positions, batch, n_leads,
                                   src_length, out_length, view, epoch, seed, spec, stream);
      });
  return out;
}

}  // namespace acl::augment
