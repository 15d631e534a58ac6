// acl_eval: downstream evaluation of an ECG encoder on a prepared, labelled dataset: linear probe
// of a pretrained or random encoder, fine-tuning, or supervised training, at several label
// fractions; writes results.json, results.md and the test scores (train/eval/report.h).
//
//   acl_eval --config FILE.json [--set key=value ...] [--out DIR]
//
// --out (default: the config's out_dir) is the results directory; results already there are kept
// and the new rows added. A row of the same method, protocol, label mode and label fraction is
// replaced only with --overwrite (checked before the evaluation starts); the earlier results.json
// and results.md are then kept as results.json.old-<K> and results.md.old-<K>.
// Exit status: 0 done, 1 an error (config, data, I/O), 2 bad arguments.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "train/eval/eval_config.h"
#include "train/eval/evaluate.h"
#include "train/eval/report.h"

int main(int argc, char** argv) {
  CLI::App app{"acl_eval: linear probe / fine-tuning / supervised evaluation of an ECG encoder"};
  std::string config_file, out;
  std::vector<std::string> sets;
  bool quiet = false, overwrite = false;
  app.add_option("--config", config_file, "evaluation config (JSON)")->required();
  app.add_option("--out", out, "results directory (overrides out_dir)");
  app.add_option("--set", sets, "override a config key, e.g. --set label_seeds=3")
      ->allow_extra_args(false);
  app.add_flag("--quiet", quiet, "no progress lines");
  app.add_flag("--overwrite", overwrite,
               "replace rows of the same method, protocol and fraction (earlier files kept as "
               "results.*.old-<K>)");
  CLI11_PARSE(app, argc, argv);
  try {
    acl::eval::EvalConfig config = acl::eval::load_eval_config(config_file, sets);
    if (!out.empty()) config.out_dir = out;
    auto log = [&](const std::string& line) {
      if (!quiet) std::fprintf(stderr, "acl_eval: %s\n", line.c_str());
    };
    acl::eval::check_results_dir(config.out_dir, config, overwrite);
    const acl::eval::EvalResults r = acl::eval::run_evaluation(config, log);
    std::vector<std::string> replaced;
    if (!acl::eval::rows_to_replace(config.out_dir, config).empty()) {
      for (const std::string& copy : acl::eval::keep_earlier_results(config.out_dir))
        log("kept the earlier results as " + copy);
    }
    acl::eval::write_results(config.out_dir, r, &replaced);
    for (const std::string& k : replaced) log("replaced the earlier row " + k);
    std::printf("results: %s/results.json, %s/results.md\n", config.out_dir.c_str(),
                config.out_dir.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_eval: %s\n", e.what());
    return 1;
  }
}
