// The libFuzzer entry point of one harness: ACL_FUZZ_TARGET names the fuzz/targets.h function.
#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)acl::fuzz::ACL_FUZZ_TARGET(data, size);
  return 0;
}
