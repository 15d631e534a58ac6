// CPU threads of the engine's kernels (kernels/cpu_threads.h): the count every parallel CPU kernel
// splits its work over. Results do not depend on it (fixed reduction order), so a run may change it
// between a checkpoint and its resume.
#pragma once

namespace acl {

// n >= 1: that many threads; n <= 0: ACL_NUM_THREADS when set, else the cores this process may run
// on. Call it between ops, not while one runs.
void set_num_threads(int n);
int num_threads();

}  // namespace acl
