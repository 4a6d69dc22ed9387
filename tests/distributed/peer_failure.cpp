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
#include <string>

#include <tapegrad/distributed/distributed.hpp>
#include <tapegrad/tapegrad.hpp>

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
  if (mode == "hang_create") {
    try {
      auto second = tg::distributed::ProcessGroupMPI::create(options);
      std::printf("rank %d: created a group although rank 1 never joined\n", group->getRank());
      return 1;
    } catch (const tg::Error& error) {
      std::printf("rank %d caught: %s\n", group->getRank(), error.what());
      std::fflush(stdout);
    }
    return 0;
  }
  std::vector<tg::Tensor> gradient{tg::ones({1024})};
  try {
    group->allreduce(gradient)->wait();
    std::printf("rank %d: the all-reduce finished although rank 1 never joined\n", group->getRank());
    return 1;
  } catch (const tg::Error& error) {
    std::printf("rank %d caught: %s\n", group->getRank(), error.what());
    std::fflush(stdout);
  }
  return 0;
}
