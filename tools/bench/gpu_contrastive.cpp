// The fused contrastive loss on the GPU (kernels/contrastive.h) on M = 2 views x N records x R
// regions rows, as contrastive_fwd (the forward kernel), contrastive_bwd (the backward kernel)
// and contrastive_fwd_bwd (the engine's op on the raw z: l2_normalize, both kernels,
// l2_normalize backward), checked against the float64 CPU twin on the full shape for
// M <= kContrastiveCheckRows and otherwise on the rows of the first kContrastiveCheckRows / (2 R)
// records (the same kernels at that M) plus kSpotRows rows of the full-size result recomputed in
// float64. Their mem_bytes column is the memory the call writes (the kernels allocate nothing
// else).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kernels/contrastive.h"
#include "kernels/normalize.h"
#include "kernels/runtime/stream.h"
#include "tools/bench/contrastive_cases.h"
#include "tools/bench/gpu_cases.h"
#include "tools/bench/reference.h"

namespace acl::bench {
namespace {

struct LossGpu {
  int M = 0, d = 0;
  int32_t anchors = 0;  // the forward's count on the host, for the backward
  Tensor z, zhat, ids;  // inputs: (M, d) raw, (M, d) normalised on the host, (M, 3) i32
  Tensor zn, norms;     // fwd_bwd: l2_normalize's output (M, d) and norms (M)
  Tensor loss, accuracy, count, lse, pos, spos, hit;  // forward outputs: scalars and (M) each
  Tensor grad_loss, grad_zhat, grad_z;                // (1) = 1, (M, d), (M, d)
};

std::shared_ptr<LossGpu> loss_gpu(const ContrastiveInputs& in) {
  auto t = std::make_shared<LossGpu>();
  t->M = in.M;
  t->d = in.d;
  const Shape md{in.M, in.d}, m{in.M};
  t->z = Tensor::from_vector(in.z, md).to(Device::CUDA);
  t->zhat = Tensor::from_vector(in.zhat, md).to(Device::CUDA);
  t->ids = Tensor::from_vector(in.ids, Shape{in.M, 3}).to(Device::CUDA);
  t->zn = Tensor::empty(md, DType::f32, Device::CUDA);
  t->norms = Tensor::empty(m, DType::f32, Device::CUDA);
  t->loss = Tensor::empty(Shape{1}, DType::f32, Device::CUDA);
  t->accuracy = Tensor::empty(Shape{1}, DType::f32, Device::CUDA);
  t->count = Tensor::empty(Shape{1}, DType::i32, Device::CUDA);
  t->lse = Tensor::empty(m, DType::f32, Device::CUDA);
  t->pos = Tensor::empty(m, DType::i32, Device::CUDA);
  t->spos = Tensor::empty(m, DType::f32, Device::CUDA);
  t->hit = Tensor::empty(m, DType::i32, Device::CUDA);
  t->grad_loss = Tensor::from_vector(std::vector<float>{1.0f}, Shape{1}).to(Device::CUDA);
  t->grad_zhat = Tensor::empty(md, DType::f32, Device::CUDA);
  t->grad_z = Tensor::empty(md, DType::f32, Device::CUDA);
  return t;
}

void loss_forward(const LossGpu& t, const Tensor& zhat) {
  acl::kernels::contrastive_forward_cuda(
      t.loss.data<float>(), t.accuracy.data<float>(), t.count.data<int32_t>(), t.lse.data<float>(),
      t.pos.data<int32_t>(), t.spos.data<float>(), t.hit.data<int32_t>(), zhat.data<float>(),
      t.ids.data<int32_t>(), t.M, t.d, 1.0 / kTau, acl::compute_stream());
}

void loss_backward(const LossGpu& t, const Tensor& zhat) {
  acl::kernels::contrastive_backward_cuda(t.grad_zhat.data<float>(), t.grad_loss.data<float>(),
                                          zhat.data<float>(), t.ids.data<int32_t>(),
                                          t.lse.data<float>(), t.pos.data<int32_t>(), t.anchors,
                                          t.M, t.d, 1.0 / kTau, acl::compute_stream());
}

// One timed call. fwd and bwd: the fused kernel on the host-normalised zhat (bwd after the
// forward of loss_prime). fwd_bwd: the engine's contrastive_loss op on the raw z, without its
// host read of the anchor count (known from loss_prime): l2_normalize forward, loss forward,
// loss backward, l2_normalize backward.
void loss_launch(const LossGpu& t, LossPass pass) {
  namespace k = acl::kernels;
  cudaStream_t s = acl::compute_stream();
  if (pass == LossPass::forward) {
    loss_forward(t, t.zhat);
  } else if (pass == LossPass::backward) {
    loss_backward(t, t.zhat);
  } else {
    k::l2_normalize_forward_cuda(t.zn.data<float>(), t.norms.data<float>(), t.z.data<float>(), t.M,
                                 t.d, 1e-12, s);
    loss_forward(t, t.zn);
    loss_backward(t, t.zn);
    k::l2_normalize_backward_cuda(t.grad_z.data<float>(), t.grad_zhat.data<float>(),
                                  t.zn.data<float>(), t.norms.data<float>(), t.M, t.d, 1e-12, s);
  }
}

// One untimed forward on zhat (row statistics for bwd, the anchor count for bwd and fwd_bwd),
// then every output of `pass` filled with NaN / -1, so an element the timed kernels leave
// unwritten fails the check.
void loss_prime(LossGpu& t, LossPass pass) {
  loss_forward(t, t.zhat);
  t.anchors = t.count.to_vector<int32_t>()[0];
  if (pass != LossPass::backward) {
    for (const Tensor* x : {&t.loss, &t.accuracy, &t.count, &t.lse, &t.pos, &t.spos, &t.hit}) {
      nan_fill(*x);
    }
  }
  nan_fill(t.grad_zhat);
  if (pass == LossPass::forward_backward) {
    for (const Tensor* x : {&t.zn, &t.norms, &t.grad_z}) nan_fill(*x);
  }
}

// The CUDA result of `pass` on t (already primed and launched) against the float64 CPU twin.
double loss_check_full(const LossGpu& t, const ContrastiveInputs& in, LossPass pass,
                       std::string* why) {
  const ContrastiveRef ref = contrastive_reference(in, pass == LossPass::forward_backward);
  const float loss = t.loss.to_vector<float>()[0];
  if (pass == LossPass::forward) {
    return forward_error(ref, loss, t.accuracy.to_vector<float>()[0],
                         t.count.to_vector<int32_t>()[0], t.lse.to_vector<float>(),
                         t.spos.to_vector<float>(), t.pos.to_vector<int32_t>(), why);
  }
  if (pass == LossPass::backward) return rel_error(t.grad_zhat.to_vector<float>(), ref.grad_zhat);
  return worst_of({rel_error(std::vector<float>{loss}, std::vector<double>{ref.loss}),
                   rel_error(t.grad_z.to_vector<float>(), ref.grad_z)});
}

// The spot check of a full-size result (contrastive_spot_error) on the device's outputs.
double loss_check_spot(const LossGpu& t, const ContrastiveInputs& in, LossPass pass,
                       std::string* why) {
  return contrastive_spot_error(
      in, pass, t.anchors, t.loss.to_vector<float>()[0], t.lse.to_vector<float>(),
      t.spos.to_vector<float>(), t.pos.to_vector<int32_t>(),
      pass == LossPass::backward ? t.grad_zhat.to_vector<float>() : std::vector<float>{}, why);
}

Case contrastive_case(const ContrastiveShape& c, LossPass pass) {
  Case k;
  k.kernel = loss_kernel(pass);
  k.shape = c.tag;
  k.dims = contrastive_dims(c);
  k.flops = contrastive_flops(c, pass);
  k.bytes = contrastive_bytes(c, pass);
  k.mem_bytes = contrastive_mem_bytes(c, pass);
  k.tol = kContrastiveTol;
  k.check_ref = "cpu_f64";
  k.prepare = [c, pass]() {
    const int M = contrastive_rows(c);
    // The check: the CUDA kernels on the records < n_small, whose rows are those of the full
    // inputs (contrastive_inputs), M_small = min(M, kContrastiveCheckRows) rows.
    const int n_small = std::min(c.N, kContrastiveCheckRows / (kViews * c.R));
    std::string why;
    Prepared p;
    char note[128];
    {
      const ContrastiveInputs in = contrastive_inputs(c, n_small);
      auto t = loss_gpu(in);
      loss_prime(*t, pass);
      loss_launch(*t, pass);
      p.error = loss_check_full(*t, in, pass, &why);
      std::snprintf(note, sizeof(note), "checked in full at M%d", in.M);
    }
    std::shared_ptr<LossGpu> t;
    if (n_small == c.N) {
      t = loss_gpu(contrastive_inputs(c, c.N));
      loss_prime(*t, pass);
    } else {
      const ContrastiveInputs in = contrastive_inputs(c, c.N);
      t = loss_gpu(in);
      loss_prime(*t, pass);
      if (pass != LossPass::forward_backward) {
        loss_launch(*t, pass);
        p.error = worst_of({p.error, loss_check_spot(*t, in, pass, &why)});
        std::snprintf(note, sizeof(note), "checked in full at M%d (records < %d), %d rows at M%d",
                      contrastive_rows(c) / c.N * n_small, n_small, kSpotRows, M);
      } else {
        std::snprintf(note, sizeof(note),
                      "checked in full at M%d (records < %d); fwd/bwd rows spot-check M%d",
                      contrastive_rows(c) / c.N * n_small, n_small, M);
      }
    }
    p.note = std::string(note) + "; " + contrastive_memory_note(c, pass) +
             (why.empty() ? "" : "; " + why);
    p.launch = [t, pass]() { loss_launch(*t, pass); };
    return p;
  };
  return k;
}

}  // namespace

void add_contrastive_cases(std::vector<Case>& cases) {
  for (const ContrastiveShape& c : contrastive_shapes()) {
    for (LossPass pass : kLossPasses) cases.push_back(contrastive_case(c, pass));
  }
}

}  // namespace acl::bench
