#include "tests/op_cases.h"

#include <string>
#include <utility>

#include "engine/ops.h"
#include "engine/ops_contrastive.h"
#include "engine/rng.h"

namespace acl::testing {
namespace {

using Inputs = std::vector<Tensor>;

std::string conv_name(int B, int Cin, int Cout, int L, int K, const Conv1dOptions& o, bool bias) {
  return "conv1d_B" + std::to_string(B) + "_Cin" + std::to_string(Cin) + "_Cout" +
         std::to_string(Cout) + "_L" + std::to_string(L) + "_K" + std::to_string(K) + "_s" +
         std::to_string(o.stride) + "_p" + std::to_string(o.padding) + "_d" +
         std::to_string(o.dilation) + "_g" + std::to_string(o.groups) + (bias ? "" : "_nobias");
}

void add_conv(std::vector<OpCase>& cs, int B, int Cin, int Cout, int L, int K, Conv1dOptions o,
              bool bias = true) {
  OpCase c;
  c.name = conv_name(B, Cin, Cout, L, K, o, bias);
  c.inputs = {{Shape{B, Cin, L}}, {Shape{Cout, Cin / o.groups, K}}};
  if (bias) c.inputs.push_back({Shape{Cout}});
  c.fn = [o, bias](const Inputs& in) { return conv1d(in[0], in[1], bias ? in[2] : Tensor(), o); };
  c.f32_rtol = 1e-4;  // sums of Cin/groups * K products of O(1) values in f32
  cs.push_back(c);
}

std::vector<OpCase> build() {
  std::vector<OpCase> cs;
  auto add = [&](std::string name, std::vector<InputSpec> in,
                 std::function<Tensor(const Inputs&)> fn, double rtol = 2e-5) {
    cs.push_back(OpCase{std::move(name), std::move(in), std::move(fn), rtol});
  };

  // elementwise
  for (Shape s : {Shape{3, 5}, Shape{2, 3, 7}, Shape{2, 1, 3, 4}}) {
    std::string sfx = s.str();
    add("add" + sfx, {{s}, {s}}, [](const Inputs& in) { return acl::add(in[0], in[1]); });
    add("sub" + sfx, {{s}, {s}}, [](const Inputs& in) { return sub(in[0], in[1]); });
    add("mul" + sfx, {{s}, {s}}, [](const Inputs& in) { return mul(in[0], in[1]); });
    add("scale" + sfx, {{s}}, [](const Inputs& in) { return scale(in[0], -1.75); });
    add("relu" + sfx, {{s}}, [](const Inputs& in) { return relu(in[0]); });
    add("gelu" + sfx, {{s}}, [](const Inputs& in) { return gelu(in[0]); });
  }
  // a shared subexpression: x used twice
  add("mul_self[4, 3]", {{Shape{4, 3}}}, [](const Inputs& in) { return mul(in[0], in[0]); });

  // linear algebra
  for (auto [M, K, N] : {std::tuple{4, 6, 5}, std::tuple{1, 3, 1}, std::tuple{7, 13, 9}}) {
    std::string sfx =
        "_M" + std::to_string(M) + "_K" + std::to_string(K) + "_N" + std::to_string(N);
    add("matmul" + sfx, {{Shape{M, K}}, {Shape{K, N}}},
        [](const Inputs& in) { return matmul(in[0], in[1]); });
    add("linear" + sfx, {{Shape{M, K}}, {Shape{N, K}}, {Shape{N}}},
        [](const Inputs& in) { return linear(in[0], in[1], in[2]); });
    add("linear_nobias" + sfx, {{Shape{M, K}}, {Shape{N, K}}},
        [](const Inputs& in) { return linear(in[0], in[1], Tensor()); });
  }

  // conv1d: stride, padding, dilation, groups, kernel sizes of the encoders (3, 7, 15)
  add_conv(cs, 2, 3, 4, 17, 3, {1, 0, 1, 1});
  add_conv(cs, 2, 3, 4, 17, 3, {1, 1, 1, 1}, false);
  add_conv(cs, 2, 6, 9, 23, 3, {2, 1, 1, 3});
  add_conv(cs, 3, 4, 4, 19, 3, {1, 2, 2, 4});  // depthwise, dilated
  add_conv(cs, 1, 5, 6, 40, 7, {3, 3, 1, 1});
  add_conv(cs, 2, 2, 3, 50, 15, {2, 7, 1, 1});
  add_conv(cs, 2, 12, 24, 21, 3, {1, 1, 1, 12});  // lead-grouped: 12 groups, 2 channels each
  add_conv(cs, 2, 4, 6, 33, 5, {2, 4, 2, 2});

  // batch norm and the fused batch norm + ReLU: train (3-D, 2-D, no affine) and eval
  using BatchNormOp =
      Tensor (*)(const Tensor&, const Tensor&, const Tensor&, Tensor, Tensor, bool, double, double);
  for (const auto& [name, op] :
       {std::pair<std::string, BatchNormOp>{"batchnorm1d", batchnorm1d},
        std::pair<std::string, BatchNormOp>{"batchnorm1d_relu", batchnorm1d_relu}}) {
    auto train = [op = op](const Inputs& in) {
      int64_t C = in[0].size(1);
      Tensor rm = Tensor::zeros(Shape{C}, in[0].dtype(), in[0].device());
      Tensor rv = Tensor::ones(Shape{C}, in[0].dtype(), in[0].device());
      return op(in[0], in[1], in[2], rm, rv, true, 0.1, 1e-5);
    };
    add(name + "_train_B4_C3_L7", {{Shape{4, 3, 7}}, {Shape{3}}, {Shape{3}}}, train, 5e-5);
    add(name + "_train_B6_C5", {{Shape{6, 5}}, {Shape{5}}, {Shape{5}}}, train, 5e-5);
    add(
        name + "_train_noaffine_B3_C2_L9", {{Shape{3, 2, 9}}},
        [op = op](const Inputs& in) {
          return op(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5);
        },
        5e-5);
    add(name + "_eval_B3_C4_L5",
        {{Shape{3, 4, 5}},
         {Shape{4}},
         {Shape{4}},
         {Shape{4}, Init::normal, false},
         {Shape{4}, Init::positive, false}},
        [op = op](const Inputs& in) {
          return op(in[0], in[1], in[2], in[3], in[4], false, 0.1, 1e-5);
        });
  }

  add("l2_normalize_N5_D8", {{Shape{5, 8}}}, [](const Inputs& in) { return l2_normalize(in[0]); });
  add("l2_normalize_N3_D2", {{Shape{3, 2}}}, [](const Inputs& in) { return l2_normalize(in[0]); });

  // pooling
  for (auto [K, S, P] :
       {std::tuple{2, 2, 0}, std::tuple{3, 2, 1}, std::tuple{3, 1, 0}, std::tuple{5, 3, 2}}) {
    std::string sfx =
        "_K" + std::to_string(K) + "_s" + std::to_string(S) + "_p" + std::to_string(P);
    add("max_pool1d" + sfx, {{Shape{2, 3, 17}}},
        [K = K, S = S, P = P](const Inputs& in) { return max_pool1d(in[0], K, S, P); });
    add("avg_pool1d" + sfx, {{Shape{2, 3, 17}}},
        [K = K, S = S, P = P](const Inputs& in) { return avg_pool1d(in[0], K, S, P); });
  }
  add("global_avg_pool1d_B2_C3_L11", {{Shape{2, 3, 11}}},
      [](const Inputs& in) { return global_avg_pool1d(in[0]); });

  // dropout: the mask is a function of the generator state, fixed inside the case
  add("dropout_p0.3[6, 7]", {{Shape{6, 7}}}, [](const Inputs& in) {
    Rng rng(1234, 5);
    return dropout(in[0], 0.3, true, rng);
  });

  // losses
  add("log_softmax_N4_C6", {{Shape{4, 6}}}, [](const Inputs& in) { return log_softmax(in[0]); });
  add("cross_entropy_N5_C4", {{Shape{5, 4}}, {Shape{5}, Init::index, false, 4}},
      [](const Inputs& in) { return cross_entropy(in[0], in[1]); });
  add("bce_with_logits[3, 5]", {{Shape{3, 5}}, {Shape{3, 5}, Init::unit, false}},
      [](const Inputs& in) { return bce_with_logits(in[0], in[1]); });
  // the (record, region, view) ids are fixed inside the case: a pair, three views with a
  // duplicated view row (excluded), a second region of record 0 (negatives), rows without positive
  add("contrastive_loss_M10_d6_tau0.4", {{Shape{10, 6}}}, [](const Inputs& in) {
    const std::vector<int32_t> ids = {0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 2,
                                      1, 0, 1, 0, 1, 0, 0, 1, 1, 2, 0, 0, 3, 0, 1};
    return contrastive_loss(in[0], Tensor::from_vector(ids, Shape{10, 3}).to(in[0].device()), 0.4)
        .loss;
  });

  // shape and indexing
  add("reshape[2, 3, 4]->[6, 4]", {{Shape{2, 3, 4}}}, [](const Inputs& in) {
    return mul(reshape(in[0], Shape{6, 4}), reshape(in[0], Shape{6, 4}));
  });
  add("concat_dim0", {{Shape{2, 3}}, {Shape{4, 3}}}, [](const Inputs& in) {
    return concat({in[0], in[1]}, 0);
  });
  add("concat_dim1", {{Shape{2, 3, 2}}, {Shape{2, 1, 2}}, {Shape{2, 4, 2}}}, [](const Inputs& in) {
    return concat({in[0], in[1], in[2]}, 1);
  });
  add("concat_dim-1", {{Shape{3, 2}}, {Shape{3, 5}}}, [](const Inputs& in) {
    return concat({in[0], in[1]}, -1);
  });
  add("slice_dim1_1_4", {{Shape{2, 6, 3}}}, [](const Inputs& in) { return slice(in[0], 1, 1, 4); });
  add("slice_dim0_2_3", {{Shape{5, 4}}}, [](const Inputs& in) { return slice(in[0], 0, 2, 3); });
  add("gather_rows_N5_M8", {{Shape{5, 3}}, {Shape{8}, Init::index, false, 5}},
      [](const Inputs& in) { return gather_rows(in[0], in[1]); });
  add("gather_rows_3d", {{Shape{4, 2, 3}}, {Shape{6}, Init::index, false, 4}},
      [](const Inputs& in) { return gather_rows(in[0], in[1]); });

  // reductions
  add("sum_all[3, 4, 5]", {{Shape{3, 4, 5}}}, [](const Inputs& in) { return sum(in[0]); });
  add("mean_all[3, 4, 5]", {{Shape{3, 4, 5}}}, [](const Inputs& in) { return mean(in[0]); });
  add("sum_dim1[3, 4, 5]", {{Shape{3, 4, 5}}}, [](const Inputs& in) { return sum(in[0], 1); });
  add("mean_dim-1[3, 4, 5]", {{Shape{3, 4, 5}}}, [](const Inputs& in) { return mean(in[0], -1); });
  add("sum_dim0[6, 2]", {{Shape{6, 2}}}, [](const Inputs& in) { return sum(in[0], 0); });
  return cs;
}

uint64_t name_seed(const std::string& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
  return h;
}

}  // namespace

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = build();
  return cases;
}

std::vector<Tensor> make_inputs(const OpCase& c, DType dt, Device dev) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const InputSpec& spec = c.inputs[i];
    Rng rng(name_seed(c.name), i);
    Tensor t;
    if (spec.init == Init::index) {
      std::vector<double> u(static_cast<size_t>(spec.shape.numel()));
      rng.fill_uniform(u.data(), static_cast<int64_t>(u.size()), 0.0, 1.0);
      std::vector<int32_t> idx;
      for (double v : u)
        idx.push_back(std::min(spec.index_range - 1, static_cast<int>(v * spec.index_range)));
      t = Tensor::from_vector(idx, spec.shape);
    } else {
      Tensor d = spec.init == Init::normal ? Tensor::normal(spec.shape, 0, 1, rng, DType::f64)
                 : spec.init == Init::positive
                     ? Tensor::uniform(spec.shape, 0.5, 1.5, rng, DType::f64)
                     : Tensor::uniform(spec.shape, 0.0, 1.0, rng, DType::f64);
      t = d.to(DType::f32).to(dt);  // same rounded values for every dtype
    }
    if (dev != Device::CPU) t = t.to(dev);
    if (spec.differentiable && spec.init != Init::index) t.set_requires_grad(true);
    out.push_back(t);
  }
  return out;
}

}  // namespace acl::testing
