/*
 * clockwatch_read: print the estimate the clockwatch agent publishes in
 * shared memory, carried to an instant, and the interval that holds true
 * time, one key=value per line.
 *
 *	clockwatch_read [PATH] [--at UNIX_NS]
 *
 * PATH defaults to CLOCKWATCH_SHM_PATH. --at carries the estimate to that
 * instant of the system clock instead of now, to compare with the agent's
 * /api/v1/status, whose "time" is such an instant. Exit status 1 when the
 * file cannot be read, 2 when it holds no usable estimate.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clockwatch_shm.h"

int main(int argc, char **argv)
{
	const char *path = CLOCKWATCH_SHM_PATH;
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

	const uint64_t *words;
	int res = clockwatch_shm_open(path, &words);
	if (res != CLOCKWATCH_OK) {
		fprintf(stderr, "clockwatch_read: %s: %s\n", path, clockwatch_strerror(res));
		return 1;
	}
	struct clockwatch_record r;
	res = clockwatch_shm_read(words, &r);
	int64_t mono = clockwatch_monotonic_now();
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	int64_t realtime = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec;
	if (res != CLOCKWATCH_OK) {
		fprintf(stderr, "clockwatch_read: %s: %s\n", path, clockwatch_strerror(res));
		clockwatch_shm_close(words);
		return 1;
	}
	if (!have_at)
		at = realtime;
	/* The instant `at` on the monotonic clock, which runs with the system
	 * clock between steps. */
	int64_t at_mono = mono - (realtime - at);

	printf("layout=clockwatch-v%d\n", CLOCKWATCH_SHM_VERSION);
	printf("status=%s\n", clockwatch_status_name(r.status));
	printf("estimate_local_ns=%" PRId64 "\n", r.local);
	printf("offset_ns=%" PRId64 "\n", r.offset);
	printf("error_bound_ns=%" PRId64 "\n", r.error_bound);
	printf("offset_min_ns=%" PRId64 "\n", r.offset_min);
	printf("offset_max_ns=%" PRId64 "\n", r.offset_max);
	printf("drift_ppm=%.6f\n", r.drift * 1e6);
	printf("drift_bound_ppm=%.6f\n", r.drift_bound * 1e6);
	printf("at_local_ns=%" PRId64 "\n", at);

	int64_t offset, bound, earliest, latest;
	clockwatch_carry(&r, at, &offset, &bound);
	printf("offset_at_ns=%" PRId64 "\n", offset);
	printf("error_bound_at_ns=%" PRId64 "\n", bound);
	res = clockwatch_true_time(&r, at_mono, &earliest, &latest);
	clockwatch_shm_close(words);
	if (res != CLOCKWATCH_OK) {
		fprintf(stderr, "clockwatch_read: %s: %s\n", path, clockwatch_strerror(res));
		return 2;
	}
	printf("earliest_ns=%" PRId64 "\n", earliest);
	printf("latest_ns=%" PRId64 "\n", latest);
	return 0;
}
