package safego

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEachTurnsPanicsIntoErrors(t *testing.T) {
	errs := Each(3, func(i int) error {
		switch i {
		case 1:
			panic("boom")
		case 2:
			return errors.New("plain")
		}
		return nil
	})
	require.NoError(t, errs[0])
	require.ErrorContains(t, errs[1], "boom")
	require.EqualError(t, errs[2], "plain")
}

// TestNoOtherGoStatement: every goroutine of the code Pacemaker runs (the agents, their
// runtimes and libraries) starts through this package, so none can panic into exit 2.
func TestNoOtherGoStatement(t *testing.T) {
	root := "../.."
	var found []string
	for _, top := range []string{"agents", "lib", "fence-espurna", "ocf-writeboost", "ocf-flock-nfs", "ocf-isard"} {
		dir := filepath.Join(root, top)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			if filepath.Base(filepath.Dir(path)) == "safego" {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if g, ok := n.(*ast.GoStmt); ok {
					found = append(found, fset.Position(g.Pos()).String())
				}
				return true
			})
			return nil
		}))
	}
	require.Empty(t, found, "start goroutines with safego.Go or safego.Each")
}
