//go:build race

package ospf

// raceDetector: the tests run under the race detector, some ten times
// slower; the LSDB soak shrinks its database (TestSoak_LSDB100kRefresh).
const raceDetector = true
