#include <tapegrad/nn/data/dataloader.hpp>

namespace tg::data {

namespace {

std::string worker_message(const std::exception_ptr& original) {
  std::string message = "Caught exception in DataLoader worker thread. Original message: ";
  try {
    std::rethrow_exception(original);
  } catch (const std::exception& error) {
    message += error.what();
  } catch (...) {
    message += "(an exception not derived from std::exception)";
  }
  return message;
}

}  // namespace

WorkerException::WorkerException(std::exception_ptr original)
    : Error(worker_message(original)), original_exception(std::move(original)), message(what()) {}

}  // namespace tg::data
