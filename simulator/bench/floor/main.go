// Command floor is the bench's anchor for process start-up: a static Go binary that prints one
// line, the least any Go agent can cost.
package main

import "os"

func main() { os.Stdout.WriteString("floor\n") }
