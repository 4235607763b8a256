/*
 * clockwatch_shm.h: read the clock estimate the clockwatch agent publishes
 * in shared memory (clockwatch run --shm.path, default CLOCKWATCH_SHM_PATH)
 * from C, as logicaltime.BoundedClock does in Go. Layout version 1; the
 * layout is documented in logicaltime/clockshm/doc.go.
 *
 * Header only, C11 with <stdatomic.h>, POSIX 2008 (define _POSIX_C_SOURCE
 * as 200809L, or more, before the first #include), Linux:
 *
 *	const uint64_t *words;
 *	struct clockwatch_record r;
 *	int64_t earliest, latest;
 *	if (clockwatch_shm_open(CLOCKWATCH_SHM_PATH, &words) == 0 &&
 *	    clockwatch_shm_read(words, &r) == 0 &&
 *	    clockwatch_true_time(&r, clockwatch_monotonic_now(), &earliest, &latest) == 0)
 *		... true time lies in [earliest, latest], Unix nanoseconds ...
 *
 * A program that must survive the file being truncated under its mapping
 * (an access then raises SIGBUS) checks the file's size with stat(2) on
 * its path before reading (clockwatch_shm_open keeps no descriptor), or
 * handles SIGBUS; the Go reader turns it into an error.
 */
#ifndef CLOCKWATCH_SHM_H
#define CLOCKWATCH_SHM_H

#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CLOCKWATCH_SHM_PATH "/run/clockwatch/clock"

/* The file: CLOCKWATCH_SHM_WORDS 64-bit words in host byte order. */
#define CLOCKWATCH_SHM_SIZE 256
#define CLOCKWATCH_SHM_WORDS (CLOCKWATCH_SHM_SIZE / 8)
#define CLOCKWATCH_SHM_MAGIC UINT64_C(0x48435441574b4c43) /* "CLKWATCH", little-endian bytes */
#define CLOCKWATCH_SHM_VERSION 1
#define CLOCKWATCH_UNKNOWN_BOUND INT64_MAX

/* Header words, and where the two copies of the record start. */
enum {
	CLOCKWATCH_WORD_MAGIC = 0,
	CLOCKWATCH_WORD_VERSION = 1,
	CLOCKWATCH_WORD_SEQUENCE = 2,
	CLOCKWATCH_FIRST_COPY = 4,
	CLOCKWATCH_COPY_WORDS = 12,
};

/* Fields within a copy of the record. */
enum {
	CLOCKWATCH_FIELD_MONOTONIC,
	CLOCKWATCH_FIELD_LOCAL,
	CLOCKWATCH_FIELD_OFFSET,
	CLOCKWATCH_FIELD_ERROR_BOUND,
	CLOCKWATCH_FIELD_DRIFT,
	CLOCKWATCH_FIELD_DRIFT_BOUND,
	CLOCKWATCH_FIELD_STATUS,
	CLOCKWATCH_FIELD_PUBLISHED,
	CLOCKWATCH_FIELD_UNCERTAINTY,
	CLOCKWATCH_FIELD_OFFSET_MIN,
	CLOCKWATCH_FIELD_OFFSET_MAX,
};

/* Statuses of the agent. */
enum clockwatch_status {
	CLOCKWATCH_UNSYNCHRONIZED = 1,
	CLOCKWATCH_HOLDOVER = 2,
	CLOCKWATCH_SYNCHRONIZED = 3,
};

/* Results of the functions below. */
enum clockwatch_result {
	CLOCKWATCH_OK = 0,
	CLOCKWATCH_ERR_OPEN = -1,          /* cannot open or map the file: errno says why */
	CLOCKWATCH_ERR_NOT_CLOCK_FILE = -2, /* too short, or a foreign magic number */
	CLOCKWATCH_ERR_NOT_PUBLISHED = -3,  /* the agent has not published yet */
	CLOCKWATCH_ERR_VERSION = -4,        /* a layout version this header does not read */
	CLOCKWATCH_ERR_BUSY = -5,           /* the record changed during every read */
	CLOCKWATCH_ERR_INVALID = -6,        /* a field out of range */
	CLOCKWATCH_ERR_UNSYNCHRONIZED = -7, /* the agent has no trustworthy estimate */
	CLOCKWATCH_ERR_STALE = -8,          /* the agent stopped publishing too long ago */
};

/* One published estimate. Instants are CLOCK_MONOTONIC nanoseconds,
 * durations nanoseconds; offset = local clock - true time. */
struct clockwatch_record {
	int64_t monotonic;   /* instant the estimate refers to */
	int64_t local;       /* CLOCK_REALTIME at that instant, Unix ns */
	int64_t offset;
	int64_t error_bound; /* bounds |true offset - offset|; CLOCKWATCH_UNKNOWN_BOUND when unknown */
	double drift;        /* rate of change of offset */
	double drift_bound;  /* bounds |true drift - drift| */
	uint64_t status;     /* enum clockwatch_status */
	int64_t published;   /* instant of the last publish */
	int64_t uncertainty; /* error of the writer's monotonic readings */
	int64_t offset_min;  /* the interval the sources agree holds the true offset; */
	int64_t offset_max;  /* both 0: none published, use offset +- error_bound */
};

/* Growth of the bound with age beyond the agent's drift bound, and the
 * staleness rules, as in the Go reader (logicaltime.WanderRate,
 * StaleGrowthRate, DefaultStaleAfter, DefaultStaleLimit). */
#define CLOCKWATCH_WANDER_RATE 1e-8
#define CLOCKWATCH_STALE_GROWTH_RATE 500e-6
#define CLOCKWATCH_STALE_AFTER_NS INT64_C(1000000000)
#define CLOCKWATCH_STALE_LIMIT_NS INT64_C(60000000000)

/* clockwatch_shm_open maps the file at path read-only and shared. */
static inline int clockwatch_shm_open(const char *path, const uint64_t **words)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return CLOCKWATCH_ERR_OPEN;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return CLOCKWATCH_ERR_OPEN;
	}
	if (st.st_size < CLOCKWATCH_SHM_SIZE) {
		close(fd);
		return CLOCKWATCH_ERR_NOT_CLOCK_FILE;
	}
	void *p = mmap(NULL, CLOCKWATCH_SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return CLOCKWATCH_ERR_OPEN;
	*words = p;
	return CLOCKWATCH_OK;
}

/* clockwatch_shm_close unmaps what clockwatch_shm_open mapped. */
static inline void clockwatch_shm_close(const uint64_t *words)
{
	munmap((void *)words, CLOCKWATCH_SHM_SIZE);
}

/* clockwatch_load reads word i of the file atomically. */
static inline uint64_t clockwatch_load(const uint64_t *words, int i)
{
	return atomic_load_explicit((const _Atomic uint64_t *)&words[i], memory_order_acquire);
}

/* clockwatch_double returns the double whose bits are w. */
static inline double clockwatch_double(uint64_t w)
{
	double d;
	memcpy(&d, &w, sizeof d);
	return d;
}

/* clockwatch_record_valid checks the fields' ranges, as the Go reader does. */
static inline int clockwatch_record_valid(const struct clockwatch_record *r)
{
	return r->status >= CLOCKWATCH_UNSYNCHRONIZED && r->status <= CLOCKWATCH_SYNCHRONIZED &&
	       r->error_bound >= 0 && r->uncertainty >= 0 && isfinite(r->drift) &&
	       isfinite(r->drift_bound) && r->drift_bound >= 0 && r->offset_min <= r->offset_max;
}

/* clockwatch_shm_read copies a consistent record: it reads the sequence,
 * the copy the sequence selects and the sequence again, and retries if the
 * writer published meanwhile. It never blocks the writer or waits for it. */
static inline int clockwatch_shm_read(const uint64_t *words, struct clockwatch_record *r)
{
	uint64_t magic = clockwatch_load(words, CLOCKWATCH_WORD_MAGIC);
	uint64_t version = clockwatch_load(words, CLOCKWATCH_WORD_VERSION);
	if (magic == 0)
		return CLOCKWATCH_ERR_NOT_PUBLISHED;
	if (magic != CLOCKWATCH_SHM_MAGIC)
		return CLOCKWATCH_ERR_NOT_CLOCK_FILE;
	if (version != CLOCKWATCH_SHM_VERSION)
		return CLOCKWATCH_ERR_VERSION;
	for (int try = 0; try < 1000; try++) {
		uint64_t seq = clockwatch_load(words, CLOCKWATCH_WORD_SEQUENCE);
		int c = CLOCKWATCH_FIRST_COPY + (int)(seq & 1) * CLOCKWATCH_COPY_WORDS;
		r->monotonic = (int64_t)clockwatch_load(words, c + CLOCKWATCH_FIELD_MONOTONIC);
		r->local = (int64_t)clockwatch_load(words, c + CLOCKWATCH_FIELD_LOCAL);
		r->offset = (int64_t)clockwatch_load(words, c + CLOCKWATCH_FIELD_OFFSET);
		r->error_bound = (int64_t)clockwatch_load(words, c + CLOCKWATCH_FIELD_ERROR_BOUND);
		r->drift = clockwatch_double(clockwatch_load(words, c + CLOCKWATCH_FIELD_DRIFT));
		r->drift_bound = clockwatch_double(clockwatch_load(words, c + CLOCKWATCH_FIELD_DRIFT_BOUND));
		r->status = clockwatch_load(words, c + CLOCKWATCH_FIELD_STATUS);
		r->published = (int64_t)clockwatch_load(words, c + CLOCKWATCH_FIELD_PUBLISHED);
		r->uncertainty = (int64_t)clockwatch_load(words, c + CLOCKWATCH_FIELD_UNCERTAINTY);
		r->offset_min = (int64_t)clockwatch_load(words, c + CLOCKWATCH_FIELD_OFFSET_MIN);
		r->offset_max = (int64_t)clockwatch_load(words, c + CLOCKWATCH_FIELD_OFFSET_MAX);
		if (clockwatch_load(words, CLOCKWATCH_WORD_SEQUENCE) == seq)
			return clockwatch_record_valid(r) ? CLOCKWATCH_OK : CLOCKWATCH_ERR_INVALID;
	}
	return CLOCKWATCH_ERR_BUSY;
}

/* clockwatch_monotonic_now reads CLOCK_MONOTONIC, the clock of the record's
 * instants, in nanoseconds. */
static inline int64_t clockwatch_monotonic_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* clockwatch_carry carries the offset and its error bound to the instant
 * the system clock reads `at` (Unix nanoseconds), as the agent's own API
 * does: the offset moves with the drift, the bound grows with the drift
 * bound, over at - local. */
static inline void clockwatch_carry(const struct clockwatch_record *r, int64_t at,
				    int64_t *offset, int64_t *error_bound)
{
	double dt = (double)(at - r->local);
	*offset = r->offset + (int64_t)llround(r->drift * dt);
	int64_t growth = (int64_t)ceil(r->drift_bound * fabs(dt));
	*error_bound = r->error_bound > CLOCKWATCH_UNKNOWN_BOUND - growth ? CLOCKWATCH_UNKNOWN_BOUND
									  : r->error_bound + growth;
}

/* clockwatch_true_time computes the interval that holds true time at the
 * CLOCK_MONOTONIC instant now (Unix nanoseconds), with the Go reader's
 * rules: the agent's offset interval carried by the drift, grown by the
 * drift bound, the wander allowance, the writer's uncertainty and, once
 * the agent has been silent for CLOCKWATCH_STALE_AFTER_NS, the stale
 * growth rate. It fails when the agent is unsynchronized or silent for
 * longer than CLOCKWATCH_STALE_LIMIT_NS. */
static inline int clockwatch_true_time(const struct clockwatch_record *r, int64_t now,
				       int64_t *earliest, int64_t *latest)
{
	if (r->status == CLOCKWATCH_UNSYNCHRONIZED || r->error_bound == CLOCKWATCH_UNKNOWN_BOUND)
		return CLOCKWATCH_ERR_UNSYNCHRONIZED;
	int64_t silence = now - r->published;
	if (silence > CLOCKWATCH_STALE_LIMIT_NS)
		return CLOCKWATCH_ERR_STALE;
	double age = (double)(now - r->monotonic);
	int64_t corrected = r->local - r->offset + (now - r->monotonic) - (int64_t)llround(r->drift * age);
	double abs_age = fabs(age);
	double growth = r->drift_bound * abs_age + abs_age * abs_age * (CLOCKWATCH_WANDER_RATE / 2 / 1e9) +
			(double)r->uncertainty;
	if (silence > CLOCKWATCH_STALE_AFTER_NS)
		growth += CLOCKWATCH_STALE_GROWTH_RATE * (double)(silence - CLOCKWATCH_STALE_AFTER_NS);
	int64_t lo = r->offset_min, hi = r->offset_max;
	if (lo == 0 && hi == 0) {
		lo = r->offset - r->error_bound;
		hi = r->offset + r->error_bound;
	}
	/* 2^62 caps the sides so that the ends cannot overflow. */
	*earliest = corrected - (int64_t)fmin((double)(hi - r->offset) + ceil(growth), 0x1p62);
	*latest = corrected + (int64_t)fmin((double)(r->offset - lo) + ceil(growth), 0x1p62);
	return CLOCKWATCH_OK;
}

/* clockwatch_strerror names a result. */
static inline const char *clockwatch_strerror(int result)
{
	switch (result) {
	case CLOCKWATCH_OK:
		return "ok";
	case CLOCKWATCH_ERR_OPEN:
		return "cannot open or map the file (is the agent running with --shm.path?)";
	case CLOCKWATCH_ERR_NOT_CLOCK_FILE:
		return "not a clockwatch shared memory clock file";
	case CLOCKWATCH_ERR_NOT_PUBLISHED:
		return "the agent has not published an estimate yet";
	case CLOCKWATCH_ERR_VERSION:
		return "a layout version this reader does not read (use the header of the agent's release)";
	case CLOCKWATCH_ERR_BUSY:
		return "the record changed during every read (is more than one agent writing to the file?)";
	case CLOCKWATCH_ERR_INVALID:
		return "a field out of range";
	case CLOCKWATCH_ERR_UNSYNCHRONIZED:
		return "the agent is not synchronized (see clockwatch status)";
	case CLOCKWATCH_ERR_STALE:
		return "the agent stopped publishing";
	}
	return "unknown result";
}

/* clockwatch_status_name names a status. */
static inline const char *clockwatch_status_name(uint64_t status)
{
	switch (status) {
	case CLOCKWATCH_UNSYNCHRONIZED:
		return "unsynchronized";
	case CLOCKWATCH_HOLDOVER:
		return "holdover";
	case CLOCKWATCH_SYNCHRONIZED:
		return "synchronized";
	}
	return "unknown";
}

#endif /* CLOCKWATCH_SHM_H */
