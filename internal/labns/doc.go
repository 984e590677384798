// Package labns is the namespace kit of the example labs (ringlab,
// anycastlab): network namespaces the lab creates and deletes, commands
// run in them, and daemons started inside them with their logs, for
// programs that run outside `go test` (internal/nstest is the kit of the
// tests). Linux only.
package labns
