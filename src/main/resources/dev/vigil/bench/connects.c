/*
 * vigil bench's connect loop: COUNT TCP connects to closed loopback ports (20000–20099 in turn),
 * each refused at once, from one process, so that the workload is connects and nothing else.
 *   connects COUNT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: connects COUNT\n");
		return 2;
	}
	long count = atol(argv[1]);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	for (long i = 0; i < count; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0) {
			perror("socket");
			return 1;
		}
		to.sin_port = htons(20000 + i % 100);
		connect(s, (struct sockaddr *)&to, sizeof(to)); /* refused: nothing listens there */
		close(s);
	}
	return 0;
}
