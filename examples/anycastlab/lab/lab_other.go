//go:build !linux

package lab

import (
	"context"
	"errors"
)

// Run needs Linux network namespaces.
func Run(context.Context, Options) ([]Result, error) {
	return nil, errors.New("lab: network namespaces need Linux")
}
