#include "train/pretrain/stop_signal.h"

#include <signal.h>

#include <stdexcept>

namespace acl::pretrain {
namespace {

volatile std::sig_atomic_t g_signal = 0;
bool g_installed = false;
struct sigaction g_previous_int, g_previous_term;

extern "C" void on_stop_signal(int signum) {
  g_signal = signum;
}

}  // namespace

StopSignalHandler::StopSignalHandler() {
  if (g_installed) throw std::logic_error("StopSignalHandler: one is already installed");
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second signal takes the default action
  sigaction(SIGINT, &sa, &g_previous_int);
  sigaction(SIGTERM, &sa, &g_previous_term);
  g_installed = true;
}

StopSignalHandler::~StopSignalHandler() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  g_installed = false;
}

int StopSignalHandler::requested() const {
  return g_signal;
}

const volatile std::sig_atomic_t* StopSignalHandler::flag() {
  return &g_signal;
}

}  // namespace acl::pretrain
