//go:build race

package ring

// raceDetector: the tests run under the race detector, some ten times
// slower; the soak shortens its day (see soakHours).
const raceDetector = true
