/*
 * clockbound_read: read an AWS ClockBound shared memory segment of
 * protocol version 2, as ClockBound's clients do, and print the record and
 * the interval that holds true time, one key=value per line. Written from
 * the protocol's published description ("ClockBound Shared Memory Protocol
 * Version 2"); the clockwatch agent writes such a segment with
 * --clockbound.shm-path.
 *
 *	clockbound_read [PATH] [--at UNIX_NS]
 *
 * PATH defaults to ClockBound's /var/run/clockbound/shm0. --at computes
 * the interval for that instant of the system clock instead of now. Exit
 * status 1 when the segment cannot be read, 2 when its interval is not to
 * be trusted (status unknown or disrupted).
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOCK_MONOTONIC_COARSE
#define CLOCK_MONOTONIC_COARSE 6 /* Linux's clock id */
#endif

#define DEFAULT_PATH "/var/run/clockbound/shm0"
#define MAGIC_0 UINT32_C(0x414D5A4E)
#define MAGIC_1 UINT32_C(0x43420200)
#define VERSION 2
#define NS_PER_S INT64_C(1000000000)
#define GRACE_PERIOD_NS (5 * NS_PER_S) /* status as published this long after as-of */
#define CAUSALITY_BLUR_NS 1000         /* a coarse reading this far before as-of counts as at it */

/* The header: 16 bytes, host byte order. */
struct header {
	uint32_t magic[2];
	uint32_t segment_size;
	uint16_t version;
	uint16_t generation; /* odd while the writer updates; 0: not initialized */
};

struct timespec64 {
	int64_t sec, nsec;
};

/* The record of version 2, after the header. */
struct record {
	struct timespec64 as_of;      /* CLOCK_MONOTONIC_COARSE the bound refers to */
	struct timespec64 void_after; /* CLOCK_MONOTONIC_COARSE after which it is void */
	int64_t bound_ns;             /* |CLOCK_REALTIME - true time| at as_of */
	uint64_t disruption_marker;
	uint32_t max_drift_ppb; /* growth of the bound after as_of */
	int32_t clock_status;   /* 0 unknown, 1 synchronized, 2 free running, 3 disrupted */
	uint8_t disruption_support;
	uint8_t padding[7];
};

_Static_assert(sizeof(struct header) == 16, "header is 16 bytes");
_Static_assert(offsetof(struct header, generation) == 14, "generation at byte 14");
_Static_assert(offsetof(struct record, bound_ns) == 32, "bound at byte 16 + 32");
_Static_assert(offsetof(struct record, max_drift_ppb) == 48, "max drift at byte 16 + 48");
_Static_assert(offsetof(struct record, clock_status) == 52, "status at byte 16 + 52");
_Static_assert(offsetof(struct record, disruption_support) == 56, "support at byte 16 + 56");
_Static_assert(sizeof(struct record) == 64, "record is 64 bytes");

#define SEGMENT_WORDS ((sizeof(struct header) + sizeof(struct record)) / 8)

static const char *status_name(int32_t s)
{
	static const char *names[] = {"unknown", "synchronized", "free-running", "disrupted"};
	return s >= 0 && s <= 3 ? names[s] : "invalid";
}

static int64_t nanos(struct timespec64 t) { return t.sec * NS_PER_S + t.nsec; }

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* load reads word i of the segment atomically. */
static uint64_t load(const uint64_t *words, size_t i)
{
	return atomic_load_explicit((const _Atomic uint64_t *)&words[i], memory_order_acquire);
}

/* load_header copies the header's words. */
static struct header load_header(const uint64_t *words)
{
	uint64_t w[2] = {load(words, 0), load(words, 1)};
	struct header h;
	memcpy(&h, w, sizeof h);
	return h;
}

/* snapshot copies a consistent record: the generation must be even and the
 * same before and after the copy. */
static int snapshot(const uint64_t *words, struct record *r)
{
	for (int try = 0; try < 1000000; try++) {
		uint16_t before = load_header(words).generation;
		if (before == 0 || before % 2 == 1)
			continue;
		uint64_t w[sizeof(struct record) / 8];
		for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
			w[i] = load(words, 2 + i);
		if (load_header(words).generation == before) {
			memcpy(r, w, sizeof *r);
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_PATH;
	int have_at = 0;
	int64_t at = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
			have_at = 1;
			at = strtoll(argv[++i], NULL, 10);
		} else {
			path = argv[i];
		}
	}

	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)(SEGMENT_WORDS * 8)) {
		fprintf(stderr, "clockbound_read: %s: shorter than a version %d segment\n", path, VERSION);
		return 1;
	}
	const uint64_t *words = mmap(NULL, SEGMENT_WORDS * 8, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (words == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	struct header h = load_header(words);
	if (h.magic[0] != MAGIC_0 || h.magic[1] != MAGIC_1 || h.version == 0 || h.generation == 0) {
		fprintf(stderr, "clockbound_read: %s: not an initialized ClockBound segment\n", path);
		return 1;
	}
	if (h.version != VERSION || h.segment_size < SEGMENT_WORDS * 8) {
		fprintf(stderr, "clockbound_read: %s: version %u of %u bytes, this reader reads version %d\n", path,
			h.version, h.segment_size, VERSION);
		return 1;
	}
	struct record r;
	if (snapshot(words, &r) != 0) {
		fprintf(stderr, "clockbound_read: %s: no consistent snapshot\n", path);
		return 1;
	}

	/* A client reads the system clock, then the coarse monotonic clock. */
	int64_t realtime = clock_ns(CLOCK_REALTIME);
	int64_t monotonic = clock_ns(CLOCK_MONOTONIC_COARSE);
	if (have_at) {
		monotonic -= realtime - at;
		realtime = at;
	}
	int64_t as_of = nanos(r.as_of), void_after = nanos(r.void_after);
	int64_t age = monotonic - as_of;
	if (age < -CAUSALITY_BLUR_NS) {
		fprintf(stderr, "clockbound_read: %s: monotonic clock %" PRId64 " ns before as-of\n", path, -age);
		return 1;
	}
	if (age < 0)
		age = 0;
	int32_t status = r.clock_status;
	if ((status == 1 || status == 2) && age >= GRACE_PERIOD_NS)
		status = monotonic < void_after ? 2 : 0;
	int64_t bound = r.bound_ns + (int64_t)((double)age / 1e9 * (double)r.max_drift_ppb);

	printf("layout=clockbound-v%u\n", h.version);
	printf("generation=%u\n", h.generation);
	printf("as_of_ns=%" PRId64 "\n", as_of);
	printf("void_after_ns=%" PRId64 "\n", void_after);
	printf("bound_ns=%" PRId64 "\n", r.bound_ns);
	printf("max_drift_ppb=%" PRIu32 "\n", r.max_drift_ppb);
	printf("published_status=%s\n", status_name(r.clock_status));
	printf("disruption_support=%u\n", r.disruption_support);
	printf("at_realtime_ns=%" PRId64 "\n", realtime);
	printf("at_monotonic_ns=%" PRId64 "\n", monotonic);
	printf("bound_at_ns=%" PRId64 "\n", bound);
	printf("earliest_ns=%" PRId64 "\n", realtime - bound);
	printf("latest_ns=%" PRId64 "\n", realtime + bound);
	printf("status=%s\n", status_name(status));
	munmap((void *)words, SEGMENT_WORDS * 8);
	return status == 1 || status == 2 ? 0 : 2;
}
