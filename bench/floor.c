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
 * Usage: floor SPEC SECONDS [nosleep] [keep]    (prints its own user+system CPU seconds at the
 * end; with `nosleep` it does SECONDS rounds back to back, for counting instructions under
 * valgrind; with `keep` each file is opened once and read again from offset 0 with pread(2)
 * every round, as sonde does with /proc and /sys files (lib/core/kept_files.hpp), so the floor's
 * reads cost what sonde's do) */
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
  int fd; /* keep: open once (-1: not yet or failed, -2: not on procfs or sysfs) */
};

static void read_to_eof(const char *path) {
  char buf[8192];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
}

/* keep: a /proc or /sys file's descriptor stays open; each round reads from offset 0 to EOF with
 * pread(2). A file that fails to open is opened (and fails) every round, and a file elsewhere is
 * opened, read and closed every round, as sonde does. */
static void pread_to_eof(struct op *op) {
  char buf[8192];
  if (op->fd == -2) {
    read_to_eof(op->path);
    return;
  }
  if (op->fd == -1) {
    op->fd = open(op->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (op->fd < 0) {
      op->fd = -1;
      return;
    }
    struct statfs fs;
    if (fstatfs(op->fd, &fs) != 0 || (fs.f_type != 0x9fa0 && fs.f_type != 0x62656572)) {
      while (read(op->fd, buf, sizeof buf) > 0) {
      }
      close(op->fd);
      op->fd = -2;
      return;
    }
  }
  off_t off = 0;
  ssize_t got;
  while ((got = pread(op->fd, buf, sizeof buf, off)) > 0) off += got;
}

static void list_dir(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) return;
  while (readdir(d) != NULL) {
  }
  closedir(d);
}

int main(int argc, char **argv) {
  int nosleep = 0, keep = 0;
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "nosleep") == 0) {
      nosleep = 1;
    } else if (strcmp(argv[i], "keep") == 0) {
      keep = 1;
    } else {
      argc = 0;
    }
  }
  if (argc < 3) {
    fprintf(stderr, "usage: %s SPEC SECONDS [nosleep] [keep]\n", argv[0]);
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
    ops[n].fd = -1;
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
        case 'r':
          if (keep) {
            pread_to_eof(&ops[i]);
          } else {
            read_to_eof(ops[i].path);
          }
          break;
        case 'd':
          list_dir(ops[i].path);
          break;
        case 's':
          (void)statfs(ops[i].path, &st);
          break;
      }
    }
    if (nosleep) continue;
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
