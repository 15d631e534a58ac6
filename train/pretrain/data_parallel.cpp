#include "train/pretrain/data_parallel.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "engine/comm/tensor_comm.h"
#include "engine/ops.h"

namespace acl::pretrain {

struct DataParallel::Bucket {
  std::vector<size_t> params;  // indices into params_
  int64_t numel = 0;
  size_t ready = 0;  // gradients final in this backward
  bool started = false;
  Tensor flat;  // the bucket's gradients, summed in place on the comm's device
  std::unique_ptr<comm::Request> request;
};

namespace {

// FNV-1a over the tensor's bytes (a host copy).
int64_t checksum(const Tensor& t) {
  const Tensor h = t.device() == Device::CPU ? t : t.to(Device::CPU);
  const auto* p = static_cast<const unsigned char*>(h.raw_data());
  uint64_t x = 1469598103934665603ull;
  for (size_t i = 0; i < h.nbytes(); ++i) x = (x ^ p[i]) * 1099511628211ull;
  int64_t out;
  std::memcpy(&out, &x, sizeof out);
  return out;
}

}  // namespace

DataParallel::DataParallel(comm::Communicator& comm, const experiment::TrainConfig& train,
                           Device device)
    : comm_(comm),
      bucket_bytes_(static_cast<size_t>(std::max(1.0, train.grad_bucket_mb * 1024 * 1024))) {
  comm_.set_timeout_s(train.comm_timeout_s);
  if (device == Device::CUDA && comm_.size() > 1) {
    cuda_device_ = comm::use_local_rank_device();
    if (comm::nccl_built()) device_comm_ = comm::make_nccl_communicator(comm_);
  }
}

DataParallel::~DataParallel() = default;

std::pair<int64_t, int64_t> DataParallel::slice(int64_t global_batch) const {
  const int64_t n = size();
  if (global_batch % n != 0 || global_batch / n < 1) {
    throw std::invalid_argument(
        "train.batch_size: " + std::to_string(global_batch) + " records per global batch do not " +
        "split evenly over " + std::to_string(n) + " ranks (mpirun -np " + std::to_string(n) +
        "); the global batch is kept when the rank count changes, so choose a batch size that is " +
        "a multiple of the rank count, or another -np");
  }
  return {rank() * (global_batch / n), global_batch / n};
}

std::string DataParallel::describe(const std::string& device_text) const {
  constexpr size_t kChars = 64;  // each rank's device text, cut to this length
  const std::string device =
      cuda_device_ >= 0 ? device_text + " (GPU " + std::to_string(cuda_device_) + ")" : device_text;
  std::vector<int32_t> mine(kChars, 0), all(kChars * static_cast<size_t>(size()), 0);
  for (size_t i = 0; i < std::min(kChars - 1, device.size()); ++i)
    mine[i] = static_cast<unsigned char>(device[i]);
  comm_.allgather(mine.data(), all.data(), kChars, comm::CommType::i32);
  std::ostringstream os;
  os << "world size " << size() << ", backend " << comm_.backend();
  if (device_comm_) os << " (tensors: " << device_comm_->backend() << ")";
  for (int r = 0; r < size(); ++r) {
    std::string s;
    for (size_t i = 0; i < kChars && all[r * kChars + i] != 0; ++i)
      s += static_cast<char>(all[r * kChars + i]);
    os << (r == 0 ? "; " : ", ") << "rank " << r << ": " << s;
  }
  return os.str();
}

void DataParallel::broadcast_model(const models::Module& model) const {
  if (size() == 1) return;
  const models::NamedTensors state = model.state_dict();
  std::vector<int64_t> sums;
  for (const auto& [name, t] : state) {
    Tensor dst = t;
    comm::broadcast(comm_, dst, 0);
    sums.push_back(checksum(t));
  }
  std::vector<int64_t> all(sums.size() * static_cast<size_t>(size()));
  comm_.allgather(sums.data(), all.data(), sums.size(), comm::CommType::i64);
  for (size_t k = 0; k < sums.size(); ++k)
    for (int r = 1; r < size(); ++r)
      if (all[r * sums.size() + k] != all[k]) {
        throw std::runtime_error("data parallel: after the broadcast from rank 0, " +
                                 state[k].first + " differs on rank " + std::to_string(r) +
                                 " (checksum " + std::to_string(all[r * sums.size() + k]) +
                                 ", rank 0: " + std::to_string(all[k]) + ")");
      }
}

void DataParallel::set_parameters(const std::vector<Tensor>& params) {
  params_ = params;
  buckets_.clear();
  bucket_of_.clear();
  if (size() == 1) return;
  size_t bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {  // reverse: the order backward finishes them
    const Tensor& p = params_[k];
    bool fresh = buckets_.empty();
    if (!fresh) {
      const Tensor& first = params_[buckets_.back()->params.front()];
      fresh = bytes + p.nbytes() > bucket_bytes_ || first.dtype() != p.dtype() ||
              first.device() != p.device();
    }
    if (fresh) {  // a parameter larger than a bucket gets one of its own
      buckets_.push_back(std::make_unique<Bucket>());
      bytes = 0;
    }
    buckets_.back()->params.push_back(k);
    buckets_.back()->numel += p.numel();
    bytes += p.nbytes();
    bucket_of_.push_back({&p.impl(), buckets_.size() - 1});
  }
  std::sort(bucket_of_.begin(), bucket_of_.end());
}

void DataParallel::launch(Bucket& b) {
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  for (size_t k : b.params) {
    const Tensor& p = params_[k];
    Tensor g = p.grad();
    if (!g.defined()) g = Tensor::zeros(p.shape(), p.dtype(), p.device());
    parts.push_back(g.reshape(Shape{g.numel()}));
  }
  b.flat = parts.size() == 1 ? parts[0].clone() : concat(parts, 0);
  comm::Communicator& tc = tensor_comm();
  if (b.flat.device() != tc.device()) b.flat = b.flat.to(tc.device());
  b.request = tc.iallreduce(b.flat.raw_data(), static_cast<size_t>(b.numel),
                            comm::comm_type_of(b.flat.dtype()), comm::ReduceOp::kSum);
  b.started = true;
}

std::unique_ptr<GradReadyHook> DataParallel::gradient_hook() {
  if (size() == 1) return nullptr;
  for (auto& b : buckets_) {
    b->ready = 0;
    b->started = false;
    b->request.reset();
  }
  started_in_backward_ = 0;
  return std::make_unique<GradReadyHook>([this](const Tensor& leaf) {
    const auto key = std::make_pair(&leaf.impl(), size_t{0});
    auto it = std::lower_bound(bucket_of_.begin(), bucket_of_.end(), key,
                               [](const auto& a, const auto& b) { return a.first < b.first; });
    if (it == bucket_of_.end() || it->first != &leaf.impl()) return;  // not a trained parameter
    Bucket& b = *buckets_[it->second];
    if (++b.ready == b.params.size()) {
      launch(b);
      ++started_in_backward_;
    }
  });
}

void DataParallel::finish_gradients() {
  if (size() == 1) return;
  NoGradGuard no_grad;
  for (auto& b : buckets_)
    if (!b->started) launch(*b);
  for (auto& b : buckets_) {
    b->request->wait();
    const Device dev = params_[b->params.front()].device();
    const Tensor flat = b->flat.device() == dev ? b->flat : b->flat.to(dev);
    int64_t offset = 0;
    for (size_t k : b->params) {
      const Tensor& p = params_[k];
      Tensor g = p.grad();
      if (g.defined())
        g.copy_from(acl::slice(flat, 0, offset, offset + p.numel()).reshape(p.shape()));
      offset += p.numel();
    }
    b->request.reset();
    b->started = false;
    b->flat = Tensor();
  }
}

StepValues DataParallel::step_values(const LossTerms& terms) const {
  auto value_of = [](const Tensor& t) { return t.defined() ? t.item() : 0.0; };
  double v[5] = {value_of(terms.loss), value_of(terms.loss_global), value_of(terms.loss_region),
                 value_of(terms.acc_global), value_of(terms.acc_region)};
  if (size() > 1) comm_.allreduce(v, v, 5, comm::CommType::f64, comm::ReduceOp::kSum);
  StepValues out;
  out.loss = v[0];
  out.loss_global = v[1];
  out.loss_region = v[2];
  out.acc_global = v[3];
  out.acc_region = v[4];
  return out;
}

int DataParallel::any_stop(int signal) const {
  if (size() == 1) return signal;
  const auto mine = static_cast<int32_t>(signal);
  std::vector<int32_t> all(static_cast<size_t>(size()));
  comm_.allgather(&mine, all.data(), 1, comm::CommType::i32);
  return *std::max_element(all.begin(), all.end());
}

}  // namespace acl::pretrain
