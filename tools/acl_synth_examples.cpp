// One example record per label of the synthetic generator, as CSV for pictures
// (tools/plot_synthetic.py):
//   acl_synth_examples --out DIR [--seed S] [--fs 500] [--seconds 10] [--scan 20000]
//                      [--noise-scale 1]
// writes DIR/<label>.csv and DIR/examples.json (see train/synth_check/examples.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "train/synth_check/examples.h"

int main(int argc, char** argv) {
  CLI::App app{"Writes one synthetic 12-lead record per label as CSV"};
  std::string out;
  acl::synth::SynthConfig cfg;
  cfg.fs = 500.0;
  uint64_t scan = 20000;
  app.add_option("--out", out, "output directory")->required();
  app.add_option("--seed", cfg.seed, "dataset seed");
  app.add_option("--fs", cfg.fs, "sampling rate (Hz)")->check(CLI::PositiveNumber);
  app.add_option("--seconds", cfg.duration_s, "record length (s)")->check(CLI::PositiveNumber);
  app.add_option("--scan", scan, "record indices scanned at most");
  app.add_option("--noise-scale", cfg.noise_scale, "noise and artefact scale (0: clean)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    const auto examples = acl::synth_check::find_examples(cfg, scan);
    acl::synth_check::write_examples(cfg, scan, examples, out);
    for (const auto& e : examples) {
      if (e.found) {
        std::printf("%-24s record %llu (%zu label%s)\n", e.label.c_str(),
                    static_cast<unsigned long long>(e.index), e.labels.size(),
                    e.labels.size() == 1 ? "" : "s");
      } else {
        std::printf("%-24s not found in records 0..%llu\n", e.label.c_str(),
                    static_cast<unsigned long long>(scan - 1));
      }
    }
    std::printf("wrote %s/examples.json\n", out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_synth_examples: %s\n", e.what());
    return 1;
  }
  return 0;
}
