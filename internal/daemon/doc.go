// Package daemon holds the plumbing the example daemons (ospfd, ripd,
// vrrpd, ringd, anycastd) and their configuration loaders share:
//
//   - the command line, one convention for every daemon (CLI: run, check,
//     show, version, help; usage errors exit 2), and the help and version
//     texts (runtime/debug build information);
//   - one instance per status socket (LockInstance: an flock on
//     SOCKET.lock, with the pid in it, held for the life of the process);
//   - the tail of a daemon's main (CLI.Run, RunUntilSignal): a logger at
//     the configured level and format (Logger, CheckLogFormat), a run until
//     SIGTERM or SIGINT, and SIGHUP as a reload channel, never a stop
//     (RunFunc, Reloads, NextConfig, SameYAML);
//   - strict YAML decoding whose errors speak the file's terms,
//     "path:LINE: key: reason" (DecodeYAMLStrict, YAMLError), finding the
//     line of a YAML path for semantic errors (Line, PathString, ErrAt);
//   - the unix-socket status server and client (ServeUnix, ServeStatus,
//     QueryStatus, PrintJSON), the one-line view protocol of `show VIEW`
//     (ServeViews, FetchView, CLI.ShowView) and its text tables
//     (NewTable);
//   - the Prometheus metrics server of metrics_listen (CheckListen,
//     NewRegistry: one registry per daemon with the Go and process
//     collectors, ServeMetrics: /metrics until stopped); the collectors
//     are in package internal/promx;
//   - on Linux the kernel's links and addresses and a netlink watch on
//     them that also wakes on a reload (ReadKernel, Kernel, WatchKernel,
//     KernelWatch.Wait).
//
// Nothing here is protocol logic; each daemon keeps its own configuration
// types, validation, status views and output tables. Package clitest
// checks a daemon's command line against the convention.
package daemon
