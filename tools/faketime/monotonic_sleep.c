/* Works around libfaketime 0.9.10 (Debian 12) with FAKETIME_DONT_FAKE_MONOTONIC=1: it rewrites the deadline of
 * an absolute clock_nanosleep on CLOCK_MONOTONIC as if it were faked, and the call fails with EINVAL — which is
 * how Python 3.11's time.sleep sleeps. The monotonic clock is not faked, so such a sleep goes straight to the
 * kernel; every other clock goes on to libfaketime. Preloaded before libfaketime by tools/faketime/run. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request, struct timespec *remain) {
    if (clock_id == CLOCK_MONOTONIC) {
        return syscall(SYS_clock_nanosleep, clock_id, flags, request, remain) == 0 ? 0 : errno;
    }
    static int (*next)(clockid_t, int, const struct timespec *, struct timespec *);
    if (next == NULL) {
        next = dlsym(RTLD_NEXT, "clock_nanosleep");
    }
    return next(clock_id, flags, request, remain);
}
