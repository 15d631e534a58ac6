// SIGINT / SIGTERM handling for a training loop: while a StopSignalHandler lives, the first such
// signal only records its number (the loop polls requested() between steps, writes a checkpoint
// and returns); the handler then resets to the default action, so a second signal terminates the
// process at once. The previous handlers are restored on destruction. One instance at a time.
#pragma once

#include <csignal>

namespace acl::pretrain {

class StopSignalHandler {
 public:
  StopSignalHandler();
  ~StopSignalHandler();
  StopSignalHandler(const StopSignalHandler&) = delete;
  StopSignalHandler& operator=(const StopSignalHandler&) = delete;

  // The number of the signal received (SIGINT, SIGTERM), 0 while none was.
  int requested() const;
  // Where the number is stored, for TrainerOptions::stop_signal.
  static const volatile std::sig_atomic_t* flag();
};

}  // namespace acl::pretrain
