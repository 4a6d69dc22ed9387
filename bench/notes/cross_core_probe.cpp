// Probe: bandwidth of reading data another core just wrote vs data this core wrote
// (bench/notes/contention.md). g++ -O3 -ffast-math -march=native bench/notes/cross_core_probe.cpp -o
// /tmp/cross_core_probe -lpthread
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>
using clk = std::chrono::steady_clock;
void pin(int c) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(c, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}
int main() {
  for (size_t n : {size_t(32 << 10), size_t(256 << 10), size_t(1 << 20)}) {  // floats
    std::vector<float> buf(n, 1.f);
    std::atomic<int> turn{0};
    int reps = 200;
    volatile float sink = 0;
    // same thread: write then read
    pin(0);
    auto t0 = clk::now();
    for (int r = 0; r < reps; r++) {
      for (size_t i = 0; i < n; i++) buf[i] = r + i;
      float s = 0;
      for (size_t i = 0; i < n; i++) s += buf[i];
      sink = s;
    }
    double same = std::chrono::duration<double>(clk::now() - t0).count();
    // two threads: 0 writes, 1 reads
    std::thread t([&] {
      pin(1);
      for (int r = 0; r < reps; r++) {
        while (turn.load() != 2 * r + 1) {
        }
        float s = 0;
        for (size_t i = 0; i < n; i++) s += buf[i];
        sink = s;
        turn.store(2 * r + 2);
      }
    });
    t0 = clk::now();
    for (int r = 0; r < reps; r++) {
      while (turn.load() != 2 * r) {
      }
      for (size_t i = 0; i < n; i++) buf[i] = r + i;
      turn.store(2 * r + 1);
    }
    while (turn.load() != 2 * reps) {
    }
    double cross = std::chrono::duration<double>(clk::now() - t0).count();
    t.join();
    printf("%zu KiB: same-core %.2f GB/s, cross-core %.2f GB/s (bytes moved twice/rep)\n", n * 4 >> 10,
           2.0 * n * 4 * reps / same / 1e9, 2.0 * n * 4 * reps / cross / 1e9);
  }
}
