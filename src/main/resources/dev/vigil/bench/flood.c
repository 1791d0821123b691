/*
 * vigil bench's event generator, paced per millisecond: `rate` rounds a second for `seconds`.
 * A round of "create" creates and removes a file in DIR (one create_file event under the
 * default hooks); a round of "open" opens and closes a file there (one open event when the
 * sandbox open hook is on: the cheapest event to make, for the pipeline's throughput).
 * Prints the rounds it did: fewer than asked when one core cannot go faster.
 *   flood create|open RATE SECONDS DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[1], "create") && strcmp(argv[1], "open"))) {
		fprintf(stderr, "usage: flood create|open RATE SECONDS DIR\n");
		return 2;
	}
	int create = !strcmp(argv[1], "create");
	long rate = atol(argv[2]);
	long ticks = (long)(atof(argv[3]) * 1000);
	char path[4096];
	snprintf(path, sizeof(path), "%s/flood", argv[4]);
	if (!create)
		close(open(path, O_CREAT | O_WRONLY, 0600));
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	long done = 0;
	for (long tick = 0; tick < ticks; tick++) {
		long due = rate * (tick + 1) / 1000;
		for (; done < due; done++) {
			int fd = open(path, create ? O_CREAT | O_WRONLY : O_RDONLY, 0600);
			if (fd >= 0)
				close(fd);
			if (create)
				unlink(path);
		}
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("%ld\n", done);
	return 0;
}
