#include <tapegrad/autograd/engine/grad_mode.hpp>

namespace tg {
namespace {
// Read by every op: initial-exec spares the __tls_get_addr call of a shared library's thread_local.
thread_local bool grad_enabled __attribute__((tls_model("initial-exec"))) = true;
}  // namespace

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }

}  // namespace tg
