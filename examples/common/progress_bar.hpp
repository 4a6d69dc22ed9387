#pragma once
// A small progress bar for the examples (Debian packages no C++ progress-bar library).
// On a terminal it redraws one live line; otherwise (CI logs, pipes) it prints one plain line when
// finished, so logs stay readable.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace examples {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::int64_t total, std::FILE* out = stdout)
      : label_(std::move(label)), total_(total), out_(out), live_(isatty(fileno(out)) != 0) {}

  /// `done` of `total` steps are complete; `status` is shown after the bar (e.g. "loss 0.31").
  void update(std::int64_t done, std::string_view status = {}) {
    if (!live_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(50))
      return;  // do not flood the terminal
    last_draw_ = now;
    draw(done, status);
  }

  /// Ends the bar: the final live frame and a newline, or a single plain line.
  void finish(std::string_view status = {}) {
    if (live_) {
      draw(total_, status);
      std::fputc('\n', out_);
    } else {
      std::fprintf(out_, "%s %lld/%lld  %.*s  (%.1f s)\n", label_.c_str(), static_cast<long long>(total_),
                   static_cast<long long>(total_), static_cast<int>(status.size()), status.data(), elapsed());
    }
    std::fflush(out_);
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  void draw(std::int64_t done, std::string_view status) {
    constexpr int kWidth = 30;
    const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(out_, "\r%s [%s] %lld/%lld  %.*s  (%.1f s)\033[K", label_.c_str(), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_),
                 static_cast<int>(status.size()), status.data(), elapsed());
    std::fflush(out_);
  }

  std::string label_;
  std::int64_t total_;
  std::FILE* out_;
  bool live_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace examples
