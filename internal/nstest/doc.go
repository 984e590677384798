// Package nstest builds throw-away Linux network namespaces for tests that
// need a real kernel or a real peer (FRR, BIRD, keepalived).
//
// Everything a test creates is registered with t.Cleanup: namespaces are
// deleted, and processes the test started (and only those) are stopped.
// Tests that need root or a binary skip with the reason when it is missing,
// and fail instead when the environment variable CI is "true", so that a
// CI run cannot pass by skipping the tests that matter.
package nstest
