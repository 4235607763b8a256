package agent

import (
	"errors"
	"fmt"

	"github.com/clockwatch/clockwatch/internal/filelimit"
)

// maxPEMFile is the largest PEM file (CA bundle, certificate chain, key)
// the agent reads: several times a distribution's whole CA bundle.
const maxPEMFile = 4 << 20

// readPEMFile reads a PEM file of at most maxPEMFile bytes.
func readPEMFile(path string) ([]byte, error) {
	data, err := filelimit.Read(path, maxPEMFile)
	if errors.Is(err, filelimit.ErrTooLarge) {
		return nil, fmt.Errorf("%w, more than a PEM file of certificates or a key can be; name the PEM file itself", err)
	}
	return data, err
}
