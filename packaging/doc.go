// Package packaging holds no code: it is the files that install the
// daemons on a Linux host (systemd units under systemd/, the iproute2
// protocol names under iproute2/) and the tests that keep them true to
// the code.
package packaging
