// Package apicheck holds the test that keeps the module's public API
// free of internal types: no exported identifier of a non-internal
// package takes, returns, embeds or holds a type that lives under
// internal/, so everything an importer needs is reachable.
package apicheck
