// Command http is the floor of an agent that links net/http (ocf-isard, for dockerd's API): the
// trivial binary plus that package's initialisers and size, which no code of ours can avoid.
package main

import (
	_ "net/http"
	"os"
)

func main() { os.Stdout.WriteString("floor\n") }
