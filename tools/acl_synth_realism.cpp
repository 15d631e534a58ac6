// The realism table of the synthetic generator (train/synth_check/realism.h) as markdown:
//   acl_synth_realism [--records 2000] [--forced 200] [--seed S] [--fs 500] [--seconds 10]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "train/synth_check/realism.h"

int main(int argc, char** argv) {
  CLI::App app{"Measured PR/QRS/QT/QTc, heart rate and QRS axis of clean synthetic records"};
  acl::synth::SynthConfig cfg;
  cfg.fs = 500.0;
  int records = 2000, forced = 200;
  app.add_option("--records", records, "records drawn with the generator's label priors")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--forced", forced, "records per label forced alone")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", cfg.seed, "dataset seed");
  app.add_option("--fs", cfg.fs, "sampling rate (Hz)")->check(CLI::PositiveNumber);
  app.add_option("--seconds", cfg.duration_s, "record length (s)")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    const auto groups = acl::synth_check::realism_groups(cfg, records, forced);
    std::fputs(acl::synth_check::realism_markdown(groups).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_synth_realism: %s\n", e.what());
    return 1;
  }
  return 0;
}
