#include "tools/bench/conv_cases.h"

#include <cstdio>

namespace acl::bench {

const std::vector<ConvShape>& conv_shapes() {
  static const std::vector<ConvShape> shapes = {
      // resnet1d18, 12 x 1000 (100 Hz): stem 1000 -> 500, pool -> 250, stages at 250/125/63/32
      {"r18_100hz_stem", 256, 12, 64, 1000, 15, 2, 7, 1},
      {"r18_100hz_l1", 256, 64, 64, 250, 7, 1, 3, 1},
      {"r18_100hz_l2_in", 256, 64, 128, 250, 7, 2, 3, 1},
      {"r18_100hz_l2_ds", 256, 64, 128, 250, 1, 2, 0, 1},
      {"r18_100hz_l2", 256, 128, 128, 125, 7, 1, 3, 1},
      {"r18_100hz_l3_in", 256, 128, 256, 125, 7, 2, 3, 1},
      {"r18_100hz_l3_ds", 256, 128, 256, 125, 1, 2, 0, 1},
      {"r18_100hz_l3", 256, 256, 256, 63, 7, 1, 3, 1},
      {"r18_100hz_l4_in", 256, 256, 512, 63, 7, 2, 3, 1},
      {"r18_100hz_l4_ds", 256, 256, 512, 63, 1, 2, 0, 1},
      {"r18_100hz_l4", 256, 512, 512, 32, 7, 1, 3, 1},
      // resnet1d18, 12 x 2500 (250 Hz): stem 2500 -> 1250, pool -> 625, stages at 625/313/157/79
      {"r18_250hz_stem", 256, 12, 64, 2500, 15, 2, 7, 1},
      {"r18_250hz_l1", 256, 64, 64, 625, 7, 1, 3, 1},
      {"r18_250hz_l2_in", 256, 64, 128, 625, 7, 2, 3, 1},
      {"r18_250hz_l2_ds", 256, 64, 128, 625, 1, 2, 0, 1},
      {"r18_250hz_l2", 256, 128, 128, 313, 7, 1, 3, 1},
      {"r18_250hz_l3_in", 256, 128, 256, 313, 7, 2, 3, 1},
      {"r18_250hz_l3_ds", 256, 128, 256, 313, 1, 2, 0, 1},
      {"r18_250hz_l3", 256, 256, 256, 157, 7, 1, 3, 1},
      {"r18_250hz_l4_in", 256, 256, 512, 157, 7, 2, 3, 1},
      {"r18_250hz_l4_ds", 256, 256, 512, 157, 1, 2, 0, 1},
      {"r18_250hz_l4", 256, 512, 512, 79, 7, 1, 3, 1},
      // resnet1d18 on the CPU step of tools/bench/cpu_step.py: 2 views x 64 records of 12 x 250:
      // stem 250 -> 125, pool -> 63, stages at 63/32/16/8
      {"r18_step_stem", 128, 12, 64, 250, 15, 2, 7, 1},
      {"r18_step_l1", 128, 64, 64, 63, 7, 1, 3, 1},
      {"r18_step_l2_in", 128, 64, 128, 63, 7, 2, 3, 1},
      {"r18_step_l2_ds", 128, 64, 128, 63, 1, 2, 0, 1},
      {"r18_step_l2", 128, 128, 128, 32, 7, 1, 3, 1},
      {"r18_step_l3_in", 128, 128, 256, 32, 7, 2, 3, 1},
      {"r18_step_l3_ds", 128, 128, 256, 32, 1, 2, 0, 1},
      {"r18_step_l3", 128, 256, 256, 16, 7, 1, 3, 1},
      {"r18_step_l4_in", 128, 256, 512, 16, 7, 2, 3, 1},
      {"r18_step_l4_ds", 128, 256, 512, 16, 1, 2, 0, 1},
      {"r18_step_l4", 128, 512, 512, 8, 7, 1, 3, 1},
      // lead-wise, 12 leads = 12 groups, 12 x 1000: blocks at 1000/500/250/125/62
      {"lw12_100hz_b1", 256, 12, 96, 1000, 3, 1, 1, 12},
      {"lw12_100hz_b2", 256, 96, 192, 500, 3, 1, 1, 12},
      {"lw12_100hz_b3", 256, 192, 384, 250, 3, 1, 1, 12},
      {"lw12_100hz_b4", 256, 384, 768, 125, 3, 1, 1, 12},
      {"lw12_100hz_b5", 256, 768, 768, 62, 3, 1, 1, 12},
      // lead-wise, 12 groups, 12 x 2500: blocks at 2500/1250/625/312/156
      {"lw12_250hz_b1", 256, 12, 96, 2500, 3, 1, 1, 12},
      {"lw12_250hz_b2", 256, 96, 192, 1250, 3, 1, 1, 12},
      {"lw12_250hz_b3", 256, 192, 384, 625, 3, 1, 1, 12},
      {"lw12_250hz_b4", 256, 384, 768, 312, 3, 1, 1, 12},
      {"lw12_250hz_b5", 256, 768, 768, 156, 3, 1, 1, 12},
      // lead-wise default: 8 independent leads = 8 groups, 8 x 1000
      {"lw8_100hz_b1", 256, 8, 64, 1000, 3, 1, 1, 8},
      {"lw8_100hz_b2", 256, 64, 128, 500, 3, 1, 1, 8},
      {"lw8_100hz_b3", 256, 128, 256, 250, 3, 1, 1, 8},
      {"lw8_100hz_b4", 256, 256, 512, 125, 3, 1, 1, 8},
      {"lw8_100hz_b5", 256, 512, 512, 62, 3, 1, 1, 8},
      // extremes: a latency-bound small batch on the shortest stage; a long sequence with the
      // stem's
      // wide kernel at stage-1 width; the widest stage at the 250 Hz stage-2 length with k15
      {"small_b16_c64_l32", 16, 64, 64, 32, 7, 1, 3, 1},
      {"large_c64_l2500_k15", 256, 64, 64, 2500, 15, 1, 7, 1},
      {"large_c512_l313_k15", 256, 512, 512, 313, 15, 1, 7, 1},
  };
  return shapes;
}

const char* pass_name(ConvPass p) {
  return p == ConvPass::forward ? "fwd" : p == ConvPass::backward_data ? "dgrad" : "wgrad";
}

int conv_batch(const ConvShape& c, int batch_override) {
  return batch_override > 0 ? batch_override : c.B;
}

int conv_out_length(const ConvShape& c) {
  return acl::kernels::conv1d_out_length(c.L, c.K, c.stride, c.pad, 1);
}

Shape conv_out_shape(const ConvShape& c, ConvPass pass, int B) {
  return pass == ConvPass::forward         ? Shape{B, c.Cout, conv_out_length(c)}
         : pass == ConvPass::backward_data ? Shape{B, c.Cin, c.L}
                                           : Shape{c.Cout, c.Cin / c.groups, c.K};
}

std::string conv_dims(const ConvShape& c, int B) {
  char s[160];
  std::snprintf(s, sizeof(s), "B%d Cin%d Cout%d L%d K%d s%d p%d g%d Lout%d", B, c.Cin, c.Cout, c.L,
                c.K, c.stride, c.pad, c.groups, conv_out_length(c));
  return s;
}

double conv_flops(const ConvShape& c, int B) {
  return 2.0 * B * c.Cout * conv_out_length(c) * (c.Cin / c.groups) * c.K;
}

double conv_bytes(const ConvShape& c, int B) {
  const double x = static_cast<double>(B) * c.Cin * c.L;
  const double y = static_cast<double>(B) * c.Cout * conv_out_length(c);
  const double w = static_cast<double>(c.Cout) * (c.Cin / c.groups) * c.K;
  return 4.0 * (x + y + w);
}

double fp32_tolerance(ConvPass p) {
  return p == ConvPass::backward_weight ? 1e-3 : 1e-4;
}

int list_conv_cases(int batch_override) {
  for (const ConvShape& c : conv_shapes()) {
    for (ConvPass p : kConvPasses) {
      std::printf("conv1d_%s/%s %s\n", pass_name(p), c.tag,
                  conv_dims(c, conv_batch(c, batch_override)).c_str());
    }
  }
  return 0;
}

}  // namespace acl::bench
