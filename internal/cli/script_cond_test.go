package cli_test

import (
	"fmt"
	"os"
)

// scriptCondition answers the conditions of testscript files beyond the
// built-in ones: [root] (builds need root).
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "root":
		return os.Geteuid() == 0, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}
