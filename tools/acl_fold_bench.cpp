// acl_fold_bench: acl_eval's embedding step (train/eval/embeddings.h) with conv + batch-norm folded
// (models/fold_batchnorm.h) against the modules as they are, on the CPU.
//
//   acl_fold_bench --config EVAL.json [--set key=value ...] [--split train] [--threads 1,2]
//                  [--reps 5] [--records N] [--only folded|unfolded]
//
// The encoder (a run's weights, or the random initialisation of encoder.config) and the records
// come from the eval config, as in acl_eval. Per thread count it runs both forms --reps times,
// alternating which goes first, after one untimed pass of each, and prints records/s (median,
// min, max; the cache reads are part of the step, as in acl_eval), the CPU time (user + system)
// per record, the speed-up (median over repetitions of folded / unfolded records/s, the two
// passes of a repetition adjacent in time), the fold's own time, how many
// BatchNorm1d layers folded, and how far the folded embeddings are from the unfolded ones (max
// absolute difference, that difference over the largest |embedding|, and the largest elementwise
// relative difference among elements above 1e-3 of the largest). --only times one form alone (for
// a profiler) and prints its records/s. Exit status: 0 done, 1 an error,
// 2 bad arguments.
#include <sys/resource.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "engine/threads.h"
#include "models/fold_batchnorm.h"
#include "train/eval/embeddings.h"
#include "train/eval/encoder_source.h"
#include "train/eval/eval_config.h"
#include "train/eval/eval_data.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// User + system CPU seconds of this process so far (all its threads).
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"acl_fold_bench: embeddings with conv + batch-norm folded vs unfolded (CPU)"};
  std::string config_file, split = "train", threads_text = "1,2";
  std::vector<std::string> sets;
  int reps = 5;
  int64_t max_records = 0;
  std::string only;
  app.add_option("--config", config_file, "evaluation config (JSON), as for acl_eval")->required();
  app.add_option("--set", sets, "override a config key")->allow_extra_args(false);
  app.add_option("--split", split, "train, val or test")->capture_default_str();
  app.add_option("--threads", threads_text, "comma-separated thread counts")->capture_default_str();
  app.add_option("--reps", reps, "timed passes of each form per thread count")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--only", only, "time one form alone (for a profiler): folded or unfolded")
      ->check(CLI::IsMember({"folded", "unfolded"}));
  app.add_option("--records", max_records, "use the split's first N records (0: all)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    using namespace acl;
    const eval::EvalConfig config = eval::load_eval_config(config_file, sets);
    std::vector<int> threads;
    std::stringstream list(threads_text);
    for (std::string t; std::getline(list, t, ',');) {
      char* end = nullptr;
      const long v = std::strtol(t.c_str(), &end, 10);
      if (t.empty() || *end != '\0' || v < 1 || v > 1024) {
        throw std::invalid_argument("--threads: '" + t + "' in '" + threads_text +
                                    "' is not a thread count 1..1024");
      }
      threads.push_back(static_cast<int>(v));
    }
    eval::LoadedEncoder enc = eval::load_encoder(config);
    enc.encoder->eval();
    const eval::EvalDataset data = eval::open_eval_data(config.data);
    const eval::EvalSplit* s = split == "train"  ? &data.train
                               : split == "val"  ? &data.val
                               : split == "test" ? &data.test
                                                 : nullptr;
    if (!s) throw std::invalid_argument("--split: '" + split + "' is not train, val or test");
    std::vector<int64_t> records = s->records;
    if (max_records > 0 && static_cast<int64_t>(records.size()) > max_records)
      records.resize(static_cast<size_t>(max_records));
    const double n = static_cast<double>(records.size());
    auto embed = [&](bool fold) {
      return eval::compute_embeddings(*enc.encoder, *data.cache, records, config.data.crop,
                                      config.data.batch_size, Device::CPU, fold);
    };
    if (!only.empty()) {
      const bool fold = only == "folded";
      for (int t : threads) {
        set_num_threads(t);
        std::vector<double> rate;
        embed(fold);
        for (int r = 0; r < reps; ++r) {
          const auto start = std::chrono::steady_clock::now();
          embed(fold);
          rate.push_back(n / seconds_since(start));
        }
        std::printf("%d threads, %s only: %.0f records/s (median of %d)\n", t, only.c_str(),
                    median(rate), reps);
      }
      return 0;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const auto folded = models::fold_batchnorm(*enc.encoder);
    const double fold_ms = 1e3 * seconds_since(t0);
    std::printf(
        "encoder %s (%s), %lld %s records, crop %lld, batch %lld; %zu BatchNorm1d folded, "
        "%zu left; fold %.1f ms\n",
        models::encoder_type_name(enc.encoder->config().type),
        enc.pretrained ? enc.file.c_str() : "random init", static_cast<long long>(records.size()),
        split.c_str(), static_cast<long long>(config.data.crop),
        static_cast<long long>(config.data.batch_size), folded->summary().folded.size(),
        folded->summary().left.size(), fold_ms);
    std::printf("%-8s %-9s %10s %10s %10s %14s\n", "threads", "form", "median", "min", "max",
                "CPU ms/record");
    std::vector<float> first_folded, last_folded, last_plain;
    bool thread_invariant = true;
    for (int t : threads) {
      set_num_threads(t);
      std::vector<double> rate[2], cpu[2], paired;  // [0] unfolded, [1] folded
      embed(true);
      embed(false);
      for (int r = 0; r < reps; ++r) {
        for (int k = 0; k < 2; ++k) {
          const bool fold = (r + k) % 2 == 0;
          const auto start = std::chrono::steady_clock::now();
          const double cpu0 = cpu_seconds();
          std::vector<float> e = embed(fold);
          rate[fold].push_back(n / seconds_since(start));
          cpu[fold].push_back(1e3 * (cpu_seconds() - cpu0) / n);
          (fold ? last_folded : last_plain) = std::move(e);
        }
        paired.push_back(rate[1].back() / rate[0].back());
      }
      if (first_folded.empty()) first_folded = last_folded;
      thread_invariant = thread_invariant && first_folded == last_folded;
      for (int fold : {0, 1}) {
        std::printf("%-8d %-9s %10.0f %10.0f %10.0f %14.3f  records/s (median, min, max)\n", t,
                    fold ? "folded" : "unfolded", median(rate[fold]),
                    *std::min_element(rate[fold].begin(), rate[fold].end()),
                    *std::max_element(rate[fold].begin(), rate[fold].end()), median(cpu[fold]));
      }
      std::printf(
          "%-8d speed-up  %10.3f x (median of the per-repetition folded / unfolded "
          "records/s); CPU time per record unfolded / folded %.3f x\n",
          t, median(paired), median(cpu[0]) / median(cpu[1]));
    }
    double scale = 0, max_abs = 0, max_rel = 0;
    for (float v : last_plain) scale = std::max(scale, std::fabs(static_cast<double>(v)));
    for (size_t i = 0; i < last_plain.size(); ++i) {
      const double u = last_plain[i], d = std::fabs(static_cast<double>(last_folded[i]) - u);
      max_abs = std::max(max_abs, d);
      if (std::fabs(u) > 1e-3 * scale) max_rel = std::max(max_rel, d / std::fabs(u));
    }
    std::printf(
        "folded vs unfolded: max |diff| %.3g, max |diff| / max |embedding| %.3g "
        "(max |embedding| %.3g), max elementwise relative %.3g; folded embeddings %s "
        "across thread counts\n",
        max_abs, scale > 0 ? max_abs / scale : 0.0, scale, max_rel,
        thread_invariant ? "bit-identical" : "DIFFER");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_fold_bench: %s\n", e.what());
    return 1;
  }
}
