// Assertions that stay on in release builds. A broken invariant in a log that
// guards money must crash, never carry on with a wrong state (TIGER_STYLE).
#pragma once
#include <cstdio>
#include <cstdlib>

#define WAL_ASSERT(cond)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "wal: assertion failed: %s (%s:%d)\n", #cond,        \
                   __FILE__, __LINE__);                                         \
      std::abort();                                                             \
    }                                                                           \
  } while (0)
