package daemon

import "errors"

// ErrRunning is wrapped by LockInstance's error when another process holds
// the lock.
var ErrRunning = errors.New("another instance is running")

// LockPath is the lock file of the daemon whose status socket is socket.
func LockPath(socket string) string { return socket + ".lock" }
