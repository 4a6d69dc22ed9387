#pragma once
// tg::Error and the check() helper every op uses to validate its arguments.
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <tapegrad/autograd/core/shape.hpp>  // operator<< for shapes in messages

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Thrown for every user-facing error: bad shapes, wrong dtypes, misuse of autograd, corrupt files.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// c10::str / torch::str: the parts streamed into one string (tg::str(module) gives its libtorch printout).
template <class... Parts>
std::string str(const Parts&... parts) {
  std::ostringstream out;
  ((out << parts), ...);
  return out.str();
}

/// Throws tg::Error("<op>: <parts...>") when `ok` is false. The message is only built on failure.
template <class... Parts>
void check(bool ok, std::string_view op, const Parts&... parts) {
  if (ok) [[likely]]
    return;
  std::ostringstream message;
  message << op << ": ";
  (message << ... << parts);
  throw Error(message.str());
}

}  // namespace tg

#pragma GCC visibility pop
