# ACL_SANITIZE: build every target (libraries, tools, tests) with GCC/Clang sanitizers.
#
#   -DACL_SANITIZE=address,undefined     AddressSanitizer (+ LeakSanitizer) and UBSan
#   -DACL_SANITIZE=thread                ThreadSanitizer
#
# A comma- or semicolon-separated list of: address, undefined, leak, thread. Code is compiled at -O1
# with debug info and frame pointers so reports carry readable stacks; UBSan findings abort the
# process (-fno-sanitize-recover) so a test with undefined behaviour fails instead of printing a
# warning. The CUDA backend is not instrumented by these sanitizers: configure with -DACL_CUDA=OFF.
# scripts/sanitize.sh configures both builds and runs the tests.
set(ACL_SANITIZE "" CACHE STRING
    "Sanitizers for every target: address,undefined | thread (empty: none)")

if(ACL_SANITIZE)
  string(REPLACE "," ";" _acl_san_list "${ACL_SANITIZE}")
  set(_acl_san_known address undefined leak thread)
  foreach(s ${_acl_san_list})
    if(NOT s IN_LIST _acl_san_known)
      message(FATAL_ERROR "ACL_SANITIZE=${ACL_SANITIZE}: unknown sanitizer '${s}' "
                          "(allowed: address, undefined, leak, thread; e.g. address,undefined)")
    endif()
  endforeach()
  if("thread" IN_LIST _acl_san_list AND ("address" IN_LIST _acl_san_list OR
                                         "leak" IN_LIST _acl_san_list))
    message(FATAL_ERROR "ACL_SANITIZE=${ACL_SANITIZE}: thread cannot be combined with address or "
                        "leak; configure two build directories (scripts/sanitize.sh does)")
  endif()
  if(ACL_CUDA)
    message(FATAL_ERROR "ACL_SANITIZE=${ACL_SANITIZE} needs ACL_CUDA=OFF: the sanitizers do not "
                        "instrument CUDA code and the CUDA runtime is not supported under them "
                        "(configure with -DACL_CUDA=OFF)")
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "ACL_SANITIZE needs GCC or Clang, not ${CMAKE_CXX_COMPILER_ID}")
  endif()

  list(JOIN _acl_san_list "," _acl_san_flag)
  set(_acl_san_options -fsanitize=${_acl_san_flag} -fno-omit-frame-pointer -O1 -g)
  if("undefined" IN_LIST _acl_san_list)
    list(APPEND _acl_san_options -fno-sanitize-recover=undefined)
  endif()
  # Options added here come after CMAKE_CXX_FLAGS_<CONFIG> on the command line, so -O1 wins.
  add_compile_options(${_acl_san_options})
  # Code that must not run before the sanitizer runtime starts (GCC ifunc resolvers of
  # target_clones run during relocation) checks this definition.
  add_compile_definitions(ACL_SANITIZE_BUILD)
  add_link_options(-fsanitize=${_acl_san_flag})
  message(STATUS "ACL_SANITIZE: -fsanitize=${_acl_san_flag}")
endif()
