#include "engine/threads.h"

#include "kernels/cpu_threads.h"

namespace acl {

void set_num_threads(int n) {
  kernels::set_cpu_num_threads(n);
}

int num_threads() {
  return kernels::cpu_num_threads();
}

}  // namespace acl
