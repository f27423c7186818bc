// Time and size of a snapshot document at the budget's worst case: a 4 KiB
// config space and 2048 MSI-X vectors with every field at its widest.
// Prints best and median of many runs (a benchmark, not a test: timing
// depends on the machine and the build mode; use -c opt).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "tests/migration/state_builder.h"

int main() {
  StatePtr st = LargestMsixState();
  if (!st) return 1;
  free(st->vfio.data);  // device data is the function's, not the budget's
  st->vfio.data = nullptr;
  st->vfio.size = 0;
  StatePtr out = NewState();
  std::vector<double> write_us, parse_us;
  size_t size = 0;
  for (int i = 0; i < 300; i++) {
    char *json = nullptr;
    auto t0 = std::chrono::steady_clock::now();
    if (vmpci__snapshot_write(st.get(), &json, &size, nullptr, 0)) return 1;
    auto t1 = std::chrono::steady_clock::now();
    if (vmpci__snapshot_parse(json, size, out.get(), nullptr, 0)) return 1;
    auto t2 = std::chrono::steady_clock::now();
    free(json);
    write_us.push_back(
        std::chrono::duration<double, std::micro>(t1 - t0).count());
    parse_us.push_back(
        std::chrono::duration<double, std::micro>(t2 - t1).count());
  }
  std::sort(write_us.begin(), write_us.end());
  std::sort(parse_us.begin(), parse_us.end());
  printf("document: %zu bytes (budget 200000)\n", size);
  printf("write: best %.0f us, median %.0f us\n", write_us[0],
         write_us[write_us.size() / 2]);
  printf("parse: best %.0f us, median %.0f us\n", parse_us[0],
         parse_us[parse_us.size() / 2]);
  return 0;
}
