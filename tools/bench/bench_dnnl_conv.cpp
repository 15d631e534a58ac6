#include "tools/bench/bench_dnnl_conv.h"

#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace acl::bench {

std::string dnnl_version_string() {
  const dnnl_version_t* v = dnnl_version();
  const char* runtime = v->cpu_runtime == DNNL_RUNTIME_OMP   ? "OpenMP"
                        : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB"
                        : v->cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential"
                                                             : "other";
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " (cpu runtime " + runtime + ")";
}

void dnnl_set_num_threads(int n) {
  omp_set_num_threads(n);
}

namespace {

using dnnl::memory;
using Tag = memory::format_tag;

// A plain buffer of the caller's and, when the primitive wants another layout, its own copy in
// that layout with the reorder between them (user -> primitive for inputs, back for the output).
struct Operand {
  memory user, prim;
  bool reordered = false;
  dnnl::reorder reorder;
};

}  // namespace

struct DnnlConv::Impl {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::primitive prim;
  std::string impl_name;
  std::vector<std::pair<int, Operand>> inputs;  // (DNNL_ARG_*, operand)
  int out_arg = 0;
  Operand output;

  Operand make(const memory::desc& user_md, const memory::desc& prim_md, void* ptr,
               bool is_output = false) {
    Operand o;
    o.user = memory(user_md, eng, ptr);
    o.reordered = prim_md != user_md;
    o.prim = o.reordered ? memory(prim_md, eng) : o.user;
    if (o.reordered) {
      o.reorder = is_output ? dnnl::reorder(o.prim, o.user) : dnnl::reorder(o.user, o.prim);
    }
    return o;
  }
};

DnnlConv::DnnlConv(const ConvShape& c, ConvPass pass, int B, DnnlLayout layout, float* out,
                   const float* x, const float* w, const float* dy)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  const auto f32 = memory::data_type::f32;
  const memory::dim Lout = conv_out_length(c);
  const memory::dims x_dims{B, c.Cin, c.L}, y_dims{B, c.Cout, Lout};
  const memory::dims w_dims = c.groups > 1
                                  ? memory::dims{c.groups, c.Cout / c.groups, c.Cin / c.groups, c.K}
                                  : memory::dims{c.Cout, c.Cin, c.K};
  const Tag w_tag = c.groups > 1 ? Tag::goiw : Tag::oiw;
  const memory::desc x_user(x_dims, f32, Tag::ncw), y_user(y_dims, f32, Tag::ncw),
      w_user(w_dims, f32, w_tag);
  const bool any = layout == DnnlLayout::blocked;
  const memory::desc x_md = any ? memory::desc(x_dims, f32, Tag::any) : x_user;
  const memory::desc y_md = any ? memory::desc(y_dims, f32, Tag::any) : y_user;
  const memory::desc w_md = any ? memory::desc(w_dims, f32, Tag::any) : w_user;
  const memory::dims strides{c.stride}, pad{c.pad};
  const auto alg = dnnl::algorithm::convolution_direct;

  using Fwd = dnnl::convolution_forward;
  const Fwd::primitive_desc fwd_pd(
      Fwd::desc(dnnl::prop_kind::forward_training, alg, x_md, w_md, y_md, strides, pad, pad),
      m.eng);
  // The inputs are only read; oneDNN's memory objects take non-const handles.
  void* xp = const_cast<float*>(x);
  void* wp = const_cast<float*>(w);
  void* dyp = const_cast<float*>(dy);
  if (pass == ConvPass::forward) {
    m.prim = Fwd(fwd_pd);
    m.impl_name = fwd_pd.impl_info_str();
    m.inputs = {{DNNL_ARG_SRC, m.make(x_user, fwd_pd.src_desc(), xp)},
                {DNNL_ARG_WEIGHTS, m.make(w_user, fwd_pd.weights_desc(), wp)}};
    m.out_arg = DNNL_ARG_DST;
    m.output = m.make(y_user, fwd_pd.dst_desc(), out, true);
  } else if (pass == ConvPass::backward_data) {
    using Bwd = dnnl::convolution_backward_data;
    const Bwd::primitive_desc pd(Bwd::desc(alg, x_md, w_md, y_md, strides, pad, pad), m.eng,
                                 fwd_pd);
    m.prim = Bwd(pd);
    m.impl_name = pd.impl_info_str();
    m.inputs = {{DNNL_ARG_DIFF_DST, m.make(y_user, pd.diff_dst_desc(), dyp)},
                {DNNL_ARG_WEIGHTS, m.make(w_user, pd.weights_desc(), wp)}};
    m.out_arg = DNNL_ARG_DIFF_SRC;
    m.output = m.make(x_user, pd.diff_src_desc(), out, true);
  } else {
    using Bww = dnnl::convolution_backward_weights;
    const Bww::primitive_desc pd(Bww::desc(alg, x_md, w_md, y_md, strides, pad, pad), m.eng,
                                 fwd_pd);
    m.prim = Bww(pd);
    m.impl_name = pd.impl_info_str();
    m.inputs = {{DNNL_ARG_SRC, m.make(x_user, pd.src_desc(), xp)},
                {DNNL_ARG_DIFF_DST, m.make(y_user, pd.diff_dst_desc(), dyp)}};
    m.out_arg = DNNL_ARG_DIFF_WEIGHTS;
    m.output = m.make(w_user, pd.diff_weights_desc(), out, true);
  }
}

DnnlConv::~DnnlConv() = default;

void DnnlConv::run() {
  Impl& m = *impl_;
  std::unordered_map<int, memory> args;
  for (auto& [arg, op] : m.inputs) {
    if (op.reordered) op.reorder.execute(m.strm, op.user, op.prim);
    args.emplace(arg, op.prim);
  }
  args.emplace(m.out_arg, m.output.prim);
  m.prim.execute(m.strm, args);
  if (m.output.reordered) {
    m.output.reorder.execute(m.strm, m.output.prim, m.output.user);
  }
  m.strm.wait();
}

std::string DnnlConv::describe() const {
  const Impl& m = *impl_;
  int reorders = m.output.reordered ? 1 : 0;
  for (const auto& in : m.inputs) reorders += in.second.reordered ? 1 : 0;
  return m.impl_name + ", " + std::to_string(reorders) + " reorder(s) in the timed call";
}

}  // namespace acl::bench
