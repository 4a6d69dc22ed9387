// What the other ranks see when one fails (ctest distributed.hung_rank_times_out,
// distributed.hung_rank_times_out_in_create and distributed.killed_rank_ends_the_job), run as
// `mpirun -np 2 peer_failure hang|hang_create|kill`.
//   hang: rank 1 stops itself (SIGSTOP) instead of joining an all-reduce; rank 0's wait() must throw
//         tg::Error after the group's timeout (2 s), and the process then ends the job (MPI_Abort).
//   hang_create: rank 1 stops itself instead of creating a second group; rank 0's create() must throw
//         after the timeout the same way.
//   kill: rank 1 dies (SIGKILL) instead of joining; mpirun must end the job rather than let rank 0 wait.
#include <csignal>
#include <cstdio>
#include <functional>
#include <string>

#include <tapegrad/distributed/distributed.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {
// Rank 0's side: `step` must throw tg::Error (printed for the test's regular expression; exit 0) rather than
// finish without rank 1 (exit 1).
int expect_error(int rank, const char* step_name, const std::function<void()>& step) {
  try {
    step();
    std::printf("rank %d: %s finished although rank 1 never joined\n", rank, step_name);
    return 1;
  } catch (const tg::Error& error) {
    std::printf("rank %d caught: %s\n", rank, error.what());
    std::fflush(stdout);
    return 0;
  }
}
}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "hang" && mode != "hang_create" && mode != "kill") {
    std::fprintf(stderr, "usage: peer_failure hang|hang_create|kill\n");
    return 2;
  }
  tg::distributed::ProcessGroupMPI::Options options;
  options.timeout = mode == "kill" ? std::chrono::seconds(120) : std::chrono::seconds(2);
  auto group = tg::distributed::ProcessGroupMPI::create(options);
  std::vector<tg::Tensor> ready{tg::ones({1})};
  group->allreduce(ready)->wait();  // both ranks are up
  if (group->getRank() == 1) std::raise(mode == "kill" ? SIGKILL : SIGSTOP);
  if (mode == "hang_create")
    return expect_error(group->getRank(), "create()",
                        [&] { tg::distributed::ProcessGroupMPI::create(options); });
  std::vector<tg::Tensor> gradient{tg::ones({1024})};
  return expect_error(group->getRank(), "the all-reduce", [&] { group->allreduce(gradient)->wait(); });
}
