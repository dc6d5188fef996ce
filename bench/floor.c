/* The performance floor of sonde's collectors: a minimal C program that does, once a second, the
 * same /proc and /sys reads, directory listings and statfs calls as sonde's default collectors
 * do in one second (every collector at `interval: 1s`), and nothing else: no parsing, no
 * series, no HTTP. bench/floor_compare.sh records those calls from a running sonde (strace) into
 * a spec file and runs this program on it beside sonde; sonde's CPU divided by this program's is
 * the "multiple of the floor" in docs/performance.md.
 *
 * Spec file: one operation per line, "r PATH" (open, read to EOF, close), "d PATH" (opendir,
 * readdir to the end, closedir) or "s PATH" (statfs). Failures are ignored: a file that is
 * absent costs sonde its failed open too.
 *
 * Usage: floor SPEC SECONDS [nosleep]    (prints its own user+system CPU seconds at the end;
 * with `nosleep` it does SECONDS rounds back to back, for counting instructions under valgrind) */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

struct op {
  char kind;
  char *path;
};

static void read_to_eof(const char *path) {
  char buf[8192];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
}

static void list_dir(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) return;
  while (readdir(d) != NULL) {
  }
  closedir(d);
}

int main(int argc, char **argv) {
  if (argc != 3 && !(argc == 4 && strcmp(argv[3], "nosleep") == 0)) {
    fprintf(stderr, "usage: %s SPEC SECONDS [nosleep]\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (f == NULL) {
    perror(argv[1]);
    return 1;
  }
  struct op *ops = NULL;
  size_t n = 0, cap = 0;
  char line[4096];
  while (fgets(line, sizeof line, f) != NULL) {
    size_t len = strlen(line);
    if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
    if (len < 3 || line[1] != ' ' || strchr("rds", line[0]) == NULL) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      ops = realloc(ops, cap * sizeof *ops);
      if (ops == NULL) return 1;
    }
    ops[n].kind = line[0];
    ops[n].path = strdup(line + 2);
    n++;
  }
  fclose(f);
  const long seconds = strtol(argv[2], NULL, 10);
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (long s = 0; s < seconds; s++) {
    for (size_t i = 0; i < n; i++) {
      struct statfs st;
      switch (ops[i].kind) {
        case 'r': read_to_eof(ops[i].path); break;
        case 'd': list_dir(ops[i].path); break;
        case 's': (void)statfs(ops[i].path, &st); break;
      }
    }
    if (argc == 4) continue;
    next.tv_sec += 1;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("floor_ops_per_second=%zu cpu_seconds=%.3f\n", n,
         ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
             ru.ru_stime.tv_usec / 1e6);
  return 0;
}
