// no_kernel_timestamps is an LD_PRELOAD shim that makes setsockopt refuse
// to turn on kernel timestamps (SO_TIMESTAMP, SO_TIMESTAMPNS,
// SO_TIMESTAMPING and their _NEW variants). A program that falls back to
// reading the clock itself, as chronyd does, then stamps packets from the
// clock libfaketime shifts, instead of from the kernel's real one.
//
// Build: gcc -shared -fPIC -O2 -o no_kernel_timestamps.so no_kernel_timestamps.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>

#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW 63
#endif
#ifndef SO_TIMESTAMPNS_NEW
#define SO_TIMESTAMPNS_NEW 64
#endif
#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif

typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

static int is_timestamp_option(int level, int name) {
	if (level != SOL_SOCKET) {
		return 0;
	}
	switch (name) {
	case SO_TIMESTAMP:
	case SO_TIMESTAMPNS:
	case SO_TIMESTAMPING:
	case SO_TIMESTAMP_NEW:
	case SO_TIMESTAMPNS_NEW:
	case SO_TIMESTAMPING_NEW:
		return 1;
	}
	return 0;
}

int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
	static setsockopt_fn real;
	if (is_timestamp_option(level, name)) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (real == NULL) {
		real = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
		if (real == NULL) {
			errno = ENOSYS;
			return -1;
		}
	}
	return real(fd, level, name, value, len);
}
