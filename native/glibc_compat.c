// Keeps the prebuilt Linux binary loadable on glibc 2.34 (Ubuntu 22.04, RHEL 9), not only on the
// glibc 2.36 of the machine that builds it.
//
// The C++ runtime is linked in statically (binding.gyp), and its std::random_device, which nabla
// never uses, references arc4random: a glibc 2.36 symbol that would make the whole addon fail to
// load on older systems. This hidden definition satisfies that reference inside the addon; it is
// a correct arc4random (kernel randomness), in case anything ever reaches it.
#if defined(__linux__)
#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

__attribute__((visibility("hidden"))) uint32_t arc4random(void) {
  uint32_t value;
  for (;;) {
    ssize_t got = getrandom(&value, sizeof value, 0);
    if (got == (ssize_t)sizeof value) return value;
    // An interrupted call is retried; any other failure (a kernel without getrandom) must not
    // hand out a predictable value.
    if (got < 0 && errno != EINTR) __builtin_trap();
  }
}
#endif
