// libFuzzer target: arbitrary bytes as a safetensors file (serialize/). Loading must either
// succeed or throw tg::Error; what loads must save and load again to the same bytes. See
// fuzz/README.md.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <tapegrad/serialize/safetensors.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tg::SafetensorsFile file;
  try {
    file = tg::deserialize_safetensors(bytes, "fuzz input");
  } catch (const tg::Error&) {
    return 0;  // rejected with a message: expected for almost every input
  }
  // A file that loads is valid, so writing it out and reading that back is lossless.
  const std::string saved = tg::serialize_safetensors(file.tensors, file.metadata);
  const tg::SafetensorsFile reloaded = tg::deserialize_safetensors(saved, "re-serialized fuzz input");
  if (tg::serialize_safetensors(reloaded.tensors, reloaded.metadata) != saved) {
    std::fprintf(stderr,
                 "safetensors_fuzzer: save(load(save(load(input)))) differs from save(load(input))\n");
    std::abort();
  }
  return 0;
}
