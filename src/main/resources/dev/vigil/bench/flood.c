/*
 * vigil bench's event generator: creates and removes one file, `rate` times a second for
 * `seconds`, paced per millisecond. Each round is one create_file event under the default
 * hooks (three events, with open and unlink, under all). Prints the rounds it did: fewer than
 * asked when one core cannot go faster.
 *   flood RATE SECONDS DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: flood RATE SECONDS DIR\n");
		return 2;
	}
	long rate = atol(argv[1]);
	long ticks = (long)(atof(argv[2]) * 1000);
	char path[4096];
	snprintf(path, sizeof(path), "%s/flood", argv[3]);
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	long done = 0;
	for (long tick = 0; tick < ticks; tick++) {
		long due = rate * (tick + 1) / 1000;
		for (; done < due; done++) {
			int fd = open(path, O_CREAT | O_WRONLY, 0600);
			if (fd >= 0)
				close(fd);
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
