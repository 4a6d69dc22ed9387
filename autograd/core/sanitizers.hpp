#pragma once
// TG_ADDRESS_SANITIZER is defined when this translation unit is built with AddressSanitizer: GCC defines
// __SANITIZE_ADDRESS__, clang answers __has_feature. A macro because it guards #include lines too.
#if defined(__SANITIZE_ADDRESS__)
#define TG_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_ADDRESS_SANITIZER 1
#endif
#endif
