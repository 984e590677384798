// Package daemon holds the plumbing the example daemons (ospfd, ripd,
// vrrpd, ringd) and their configuration loaders share: the command line
// (CLI: run, check and the status subcommand, with their flags), strict
// YAML decoding whose errors read "path:LINE: reason" (DecodeYAMLStrict),
// finding the line of a YAML path for semantic errors (Line, PathString),
// the unix-socket status server and client (ServeUnix, ServeStatus,
// QueryStatus, PrintJSON), the one-line view protocol of `show VIEW`
// (ServeViews, FetchView, CLI.ShowView) and its text tables (NewTable),
// on Linux the kernel's links and addresses and a netlink watch on them
// (ReadKernel, Kernel, WatchKernel), and the tail of a daemon's main: a
// logger at the configured level and a run until SIGTERM or SIGINT
// (Logger, RunUntilSignal, CLI.Run).
//
// Nothing here is protocol logic; each daemon keeps its own configuration
// types, validation, status views and output tables.
package daemon
