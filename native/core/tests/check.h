// A tiny test harness: no dependency, prints "N passed, N failed".
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace check {

struct Case {
  const char* name;
  std::function<void()> fn;
};
std::vector<Case>& registry();
extern int failures;

struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

}  // namespace check

#define TEST_CASE(name)                                     \
  static void name();                                       \
  static check::Register register_##name(#name, name);      \
  static void name()

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "  CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      check::failures++;                                                              \
    }                                                                                 \
  } while (0)

#define REQUIRE(cond)                                                                   \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "  REQUIRE failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      check::failures++;                                                                \
      return;                                                                           \
    }                                                                                   \
  } while (0)
