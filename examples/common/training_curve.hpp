#pragma once
// The per-epoch training curve of the classification examples: written as CSV and, when gnuplot is
// installed, plotted to a PNG (the picture is optional, the CSV is not).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace examples {

struct EpochStats {
  double train_loss = 0;
  double train_accuracy = 0;
  double test_accuracy = 0;
};

inline void write_curve(const std::filesystem::path& csv, const std::vector<EpochStats>& history) {
  std::ofstream out(csv);
  out << "epoch,train_loss,train_accuracy,test_accuracy\n";
  for (std::size_t e = 0; e < history.size(); ++e)
    out << e + 1 << ',' << history[e].train_loss << ',' << history[e].train_accuracy << ','
        << history[e].test_accuracy << '\n';
}

inline void plot_curve(const std::filesystem::path& csv, const std::filesystem::path& png,
                       const std::string& title) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::printf("gnuplot not found: skipped %s (install gnuplot-nox for the plot)\n", png.c_str());
    return;
  }
  const std::filesystem::path script = png.parent_path() / "curve.gnuplot";
  std::ofstream(script) << "set terminal pngcairo size 900,500\n"
                        << "set output '" << png.string() << "'\n"
                        << "set datafile separator ','\n"
                        << "set termoption noenhanced\nset key center right\nset grid\n"
                        << "set xlabel 'epoch'\nset ylabel 'loss'\n"
                        << "set y2label 'accuracy'\nset y2range [0:1]\nset ytics nomirror\nset y2tics\n"
                        << "set title '" << title << "'\n"
                        << "plot '" << csv.string()
                        << "' every ::1 using 1:2 with lines lw 2 axes x1y1 title 'train loss', "
                        << "'' every ::1 using 1:3 with lines lw 2 axes x1y2 title 'train accuracy', "
                        << "'' every ::1 using 1:4 with lines lw 2 axes x1y2 title 'test accuracy'\n";
  const std::string command = "gnuplot '" + script.string() + "' 2>/dev/null";
  if (std::system(command.c_str()) == 0 && std::filesystem::exists(png))
    std::printf("plot: %s\n", png.c_str());
  else
    std::printf("gnuplot failed: skipped %s\n", png.c_str());
}

}  // namespace examples
