# ACL_FUZZ=ON: every library is built with libFuzzer's coverage instrumentation, AddressSanitizer
# and UndefinedBehaviorSanitizer (any UB report aborts), so the harnesses of fuzz/ find memory
# errors anywhere below the parsers. Use a separate build directory (scripts/fuzz.sh: build-fuzz/).
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "ACL_FUZZ=ON needs clang with libFuzzer (Debian packages clang and "
                      "libclang-rt-14-dev); this build uses ${CMAKE_CXX_COMPILER_ID} "
                      "${CMAKE_CXX_COMPILER}. Configure a separate build directory with "
                      "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ (scripts/fuzz.sh does).")
endif()
if(ACL_CUDA)
  message(FATAL_ERROR "ACL_FUZZ=ON builds the CPU code only: add -DACL_CUDA=OFF")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -g)
add_link_options(-fsanitize=address,undefined)
