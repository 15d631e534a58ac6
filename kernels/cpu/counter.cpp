// Integer counters on the CPU (see kernels/counter.h).
#include "kernels/counter.h"

#include "kernels/runtime/kernel_error.h"

namespace acl::kernels {

void add_counter_cpu(int32_t* counter, int32_t delta) {
  check_ptr("add_counter", "counter", counter, 1);
  *counter += delta;
}

}  // namespace acl::kernels
