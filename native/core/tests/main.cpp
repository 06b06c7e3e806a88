#include <cstdio>
#include <cstring>

#include "check.h"

namespace check {
std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
int failures = 0;
}  // namespace check

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  int passed = 0, failed = 0;
  for (const check::Case& c : check::registry()) {
    if (argc > 1 && std::strstr(c.name, argv[1]) == nullptr) continue;
    int before = check::failures;
    c.fn();
    bool ok = check::failures == before;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", c.name);
    (ok ? passed : failed)++;
  }
  std::printf("wal_core_tests: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
