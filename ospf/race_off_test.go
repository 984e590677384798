//go:build !race

package ospf

// raceDetector: see race_on_test.go.
const raceDetector = false
