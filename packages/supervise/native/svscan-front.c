/*
 * svscan-front PROG [ARG...]: the PID 1 in front of svscan in a container (bin/svscan execs it when
 * it is PID 1). The kernel drops a signal whose disposition is the default when it is sent to a PID
 * namespace's init, and Node resets every disposition to the default and unblocks every signal while
 * it boots, for ~100 ms before any JavaScript runs: a `docker stop` then would be lost. So this
 * program blocks every signal first, then runs PROG (node and svscan's script) as its child with the
 * signal mask it was given and SVKIT_FRONT_FD=N in the environment, N the write end of a pipe.
 * svscan writes one byte there once it catches TERM, INT and HUP (early-signals.ts). Until then the
 * signals that come are remembered, then passed on in order, and from then on each is passed on as
 * it comes. A signal the terminal sends to the whole foreground process group (^C: si_code
 * SI_KERNEL) reached svscan too and is not passed on twice. Other signals svscan does not catch are
 * dropped, as the kernel dropped them when svscan was PID 1. Every zombie is reaped (orphans come
 * here unless svscan took them as their subreaper); when PROG exits, this exits with its status
 * (128 + the signal when it was killed). Messages go to stderr as svscan's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* what svscan acts on: TERM and INT bring it down, HUP rescans */
static const int PASSED[] = { SIGTERM, SIGINT, SIGHUP };
#define NPASSED (int)(sizeof PASSED / sizeof PASSED[0])

static void die(const char *what, int code)
{
  fprintf(stderr, "svscan: fatal: unable to %s: %s\n", what, strerror(errno));
  exit(code);
}

/* The exit status that tells what happened to the child. */
static int status_of(int st)
{
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 111;
}

int main(int argc, char **argv)
{
  sigset_t all, old, set;
  int pipefd[2];
  char fdtext[16];
  pid_t child;
  int i, ready = 0;
  int early[NPASSED]; /* signals that came before svscan was ready, in order, each once */
  int nearly = 0;

  /* first of all: from here on no signal is lost (a blocked signal is never dropped, even for init) */
  sigfillset(&all);
  if (sigprocmask(SIG_SETMASK, &all, &old) == -1) die("block signals", 111);
  signal(SIGCHLD, SIG_DFL); /* an inherited SIG_IGN would reap svscan behind our back */
  if (argc < 2) {
    fputs("svscan-front: usage: svscan-front prog [arg ...]\n", stderr);
    return 100;
  }
  sigemptyset(&set);
  for (i = 0; i < NPASSED; i++) sigaddset(&set, PASSED[i]);
  sigaddset(&set, SIGCHLD);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd == -1) die("create signalfd", 111);
  if (pipe2(pipefd, O_CLOEXEC) == -1) die("create pipe", 111);

  child = fork();
  if (child == -1) die("fork", 111);
  if (child == 0) {
    /* the write end goes to svscan (not close-on-exec); the mask svscan starts with is ours from before */
    int w = fcntl(pipefd[1], F_DUPFD, 3);
    if (w == -1) die("duplicate the ready pipe", 111);
    snprintf(fdtext, sizeof fdtext, "%d", w);
    if (setenv("SVKIT_FRONT_FD", fdtext, 1) == -1) die("set SVKIT_FRONT_FD", 111);
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "svscan: fatal: unable to run %s: %s\n", argv[1], strerror(errno));
    _exit(111);
  }
  close(pipefd[1]);

  for (;;) {
    struct pollfd p[2] = { { sfd, POLLIN, 0 }, { pipefd[0], POLLIN, 0 } };
    if (poll(p, ready ? 1 : 2, -1) == -1) {
      if (errno == EINTR) continue;
      die("poll", 111);
    }
    if (!ready && p[1].revents) {
      /* the ready byte, or EOF (svscan died or closed it): either way, no more waiting */
      char b;
      ssize_t n = read(pipefd[0], &b, 1);
      if (n == -1 && (errno == EINTR || errno == EAGAIN)) continue;
      ready = 1;
      close(pipefd[0]);
      for (i = 0; i < nearly; i++) kill(child, early[i]);
      nearly = 0;
    }
    if (p[0].revents) {
      struct signalfd_siginfo si;
      ssize_t n = read(sfd, &si, sizeof si);
      if (n == -1 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n != (ssize_t)sizeof si) die("read signalfd", 111);
      int sig = (int)si.ssi_signo;
      if (sig == SIGCHLD) {
        int st;
        pid_t pid;
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
          if (pid == child) return status_of(st);
      } else if (si.ssi_code == SI_KERNEL) {
        /* the terminal's ^C, ^\ or hangup to the foreground process group: svscan got it itself */
      } else if (ready) {
        kill(child, sig);
      } else {
        for (i = 0; i < nearly && early[i] != sig; i++) {}
        if (i == nearly) early[nearly++] = sig;
      }
    }
  }
}
