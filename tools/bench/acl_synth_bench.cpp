// Throughput of the synthetic generator on one core (a benchmark print, not a test):
//   acl_synth_bench [records] [fs] [duration_s]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "train/synth/generator.h"

int main(int argc, char** argv) {
  const int records = argc > 1 ? std::atoi(argv[1]) : 20000;
  acl::synth::SynthConfig cfg;
  cfg.seed = 1234;
  if (argc > 2) cfg.fs = std::atof(argv[2]);
  if (argc > 3) cfg.duration_s = std::atof(argv[3]);
  double checksum = 0.0;
  for (int i = 0; i < 200; ++i)
    checksum += acl::synth::generate_record(cfg, i).signal[0];  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < records; ++i) {
    const acl::synth::SynthRecord r = acl::synth::generate_record(cfg, static_cast<uint64_t>(i));
    checksum += r.signal[static_cast<size_t>(i) % r.signal.size()];
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "synth: %d records of %.1f s at %.0f Hz in %.3f s: %.0f records/s on one core "
      "(%.1f us/record; checksum %.3f)\n",
      records, cfg.duration_s, cfg.fs, s, records / s, 1e6 * s / records, checksum);
  return 0;
}
