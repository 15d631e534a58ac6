// Trains the engine's end-to-end example (a two-layer conv net on a synthetic sine-frequency
// problem, models/toy_convnet.h) with plain SGD and prints the loss as it falls.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "engine/device_select.h"
#include "models/toy_convnet.h"

namespace {
int g_steps = 0;
void print_step(int step, double loss) {
  if (step % 10 == 0 || step + 1 == g_steps) {
    std::printf("step %4d/%d  loss %.4f\n", step + 1, g_steps, loss);
    std::fflush(stdout);
  }
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"acl-ecg engine example: train a small conv net on the CPU"};
  int steps = 200, batch = 32;
  double lr = 0.5;
  uint64_t seed = 7;
  app.add_option("--steps", steps, "SGD steps")->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "batch size")->check(CLI::PositiveNumber);
  app.add_option("--lr", lr, "learning rate")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "random seed");
  CLI11_PARSE(app, argc, argv);
  g_steps = steps;
  // The example runs on the CPU backend; a CUDA build on a machine without a GPU says so once.
  acl::use_cuda_or_fallback();
  acl::models::ToyTrainResult r =
      acl::models::train_toy_convnet(steps, batch, lr, seed, print_step);
  std::printf("held-out accuracy %.1f %%\n", 100.0 * r.final_accuracy);
  return 0;
}
