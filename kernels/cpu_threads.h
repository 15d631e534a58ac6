// Thread count of the CPU kernels. Every CPU kernel that runs in parallel splits its work over at
// most cpu_num_threads() threads (kernels/cpu/thread_pool.h); OpenBLAS runs single-threaded inside
// the engine (openblas_set_num_threads(1) when the count is set), so its threads never wait for
// work beside the engine's own. Results do not depend on the thread count: reductions that cross a
// split sum fixed chunks (chosen by the shape alone) and combine them in a fixed order.
#pragma once

namespace acl::kernels {

// ACL_NUM_THREADS when it is set (a positive integer, otherwise std::invalid_argument naming the
// value), else the number of cores this process may run on (sched_getaffinity).
int default_cpu_num_threads();

// The count in use; the first call sets it to default_cpu_num_threads().
int cpu_num_threads();

// Sets the count; n <= 0 means default_cpu_num_threads(). Call it between kernels, not inside one.
void set_cpu_num_threads(int n);

}  // namespace acl::kernels
