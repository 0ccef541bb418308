package sysio_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The seam is only worth something if nothing bypasses it: an agent that opens a socket or runs
// a program on its own cannot be recorded or replayed. The world side (the simulator and its
// plug emulator) and tests are exempt.
var forbiddenImports = map[string]bool{
	"os/exec": true, "net/http": true, "github.com/eclipse/paho.mqtt.golang": true, "io/ioutil": true,
}

var forbiddenCalls = map[string]bool{"os.ReadFile": true, "os.Open": true, "os.ReadDir": true, "os.Stat": true, "os.Lstat": true,
	// Raw sockets go through sysio.Dialer (RPC pings).
	"net.Dial": true, "net.DialTimeout": true, "net.DialTCP": true, "net.DialUDP": true, "net.DialIP": true,
	"net.DialUnix": true, "net.Dialer": true, "net.ListenPacket": true, "net.ListenUDP": true}

func TestNothingBypassesTheSeam(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch {
			case rel == "lib/sysio", rel == "simulator", d.Name() == "testdata", strings.HasPrefix(d.Name(), "."):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		checked++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if forbiddenImports[p] {
				t.Errorf("%s imports %s: go through lib/sysio", rel, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && forbiddenCalls[id.Name+"."+sel.Sel.Name] {
				t.Errorf("%s uses %s.%s: go through lib/sysio (Files, Dial)", rel, id.Name, sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d files: is the walk rooted at the module?", checked)
	}
}
