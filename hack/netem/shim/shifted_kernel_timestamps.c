// shifted_kernel_timestamps is an LD_PRELOAD shim for a program whose clock
// libfaketime shifts (FAKETIME="+OFFSET xRATE"): it moves the kernel's
// receive and transmit timestamps (SCM_TIMESTAMP, SCM_TIMESTAMPNS and the
// software stamp of SCM_TIMESTAMPING) that recvmsg and recvmmsg return onto
// the shifted clock, as libfaketime does for clock_gettime. A server then
// keeps the accuracy of kernel timestamps and serves the shifted time.
//
// libfaketime starts the rate from its own start; this shim takes its start
// in its constructor, microseconds apart, which at 25 ppm moves the stamps
// by picoseconds. Load it after libfaketime:
//
//	LD_PRELOAD="libfaketime.so.1 shifted_kernel_timestamps.so"
//
// Build: gcc -shared -fPIC -O2 -o shifted_kernel_timestamps.so shifted_kernel_timestamps.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef int (*recvmmsg_fn)(int, struct mmsghdr *, unsigned int, int, struct timespec *);

static long long offset_ns; // the shift at start
static double rate;         // the clock's rate, 1 when not faster
static long long start_ns;  // real time at start

// real_now reads the real clock, past libfaketime.
static long long real_now(void) {
	struct timespec ts;
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// parse reads "+0.037 x1.000025" (offset in seconds, optional rate).
__attribute__((constructor)) static void parse(void) {
	const char *spec = getenv("FAKETIME");
	start_ns = real_now();
	rate = 1;
	if (spec == NULL || (spec[0] != '+' && spec[0] != '-')) {
		return;
	}
	char *end;
	offset_ns = (long long)(strtod(spec, &end) * 1e9);
	const char *x = strchr(end, 'x');
	if (x != NULL) {
		rate = strtod(x + 1, NULL);
	}
}

// shift maps a real time in nanoseconds onto the shifted clock.
static long long shift(long long real) {
	return real + offset_ns + (long long)((rate - 1) * (double)(real - start_ns));
}

static void shift_timespec(struct timespec *ts) {
	if (ts->tv_sec == 0 && ts->tv_nsec == 0) {
		return; // absent, as the unused stamps of SCM_TIMESTAMPING
	}
	long long t = shift((long long)ts->tv_sec * 1000000000LL + ts->tv_nsec);
	ts->tv_sec = t / 1000000000LL;
	ts->tv_nsec = t % 1000000000LL;
}

static void shift_timeval(struct timeval *tv) {
	long long t = shift((long long)tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL);
	tv->tv_sec = t / 1000000000LL;
	tv->tv_usec = (t % 1000000000LL) / 1000;
}

// shift_stamps moves every kernel timestamp in a received message.
static void shift_stamps(struct msghdr *msg) {
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET) {
			continue;
		}
		switch (c->cmsg_type) {
		case SCM_TIMESTAMP: {
			struct timeval tv;
			memcpy(&tv, CMSG_DATA(c), sizeof tv);
			shift_timeval(&tv);
			memcpy(CMSG_DATA(c), &tv, sizeof tv);
			break;
		}
		case SCM_TIMESTAMPNS:
		case SCM_TIMESTAMPING: {
			// SCM_TIMESTAMPING carries three: software, legacy and
			// hardware; only the software one is on the system clock.
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			shift_timespec(&ts);
			memcpy(CMSG_DATA(c), &ts, sizeof ts);
			break;
		}
		}
	}
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
	static recvmsg_fn real;
	if (real == NULL) {
		real = (recvmsg_fn)dlsym(RTLD_NEXT, "recvmsg");
	}
	ssize_t n = real(fd, msg, flags);
	if (n >= 0) {
		shift_stamps(msg);
	}
	return n;
}

int recvmmsg(int fd, struct mmsghdr *msgs, unsigned int len, int flags, struct timespec *timeout) {
	static recvmmsg_fn real;
	if (real == NULL) {
		real = (recvmmsg_fn)dlsym(RTLD_NEXT, "recvmmsg");
	}
	int n = real(fd, msgs, len, flags, timeout);
	for (int i = 0; i < n; i++) {
		shift_stamps(&msgs[i].msg_hdr);
	}
	return n;
}
