package nfs

import (
	"fmt"
	"strings"
)

// Mount is one line of /proc/self/mountinfo.
type Mount struct {
	Dev    string // major:minor
	Root   string // the directory of the filesystem mounted here ("/" unless a bind)
	Point  string
	FSType string
	Source string
}

// Mountinfo is where the kernel lists this mount namespace's mounts, binds with their roots.
const Mountinfo = "/proc/self/mountinfo"

// ParseMountinfo reads mountinfo (proc(5)): ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE
// SOURCE SUPEROPTS, with spaces and backslashes in paths octal-escaped.
func ParseMountinfo(data []byte) ([]Mount, error) {
	var out []Mount
	for n, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 6 || len(g) < 2 {
			return nil, fmt.Errorf("mountinfo line %d: %q", n+1, line)
		}
		out = append(out, Mount{Dev: f[2], Root: unescape(f[3]), Point: unescape(f[4]), FSType: g[0], Source: unescape(g[1])})
	}
	return out, nil
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// At returns the mount on top at point (the last one mounted there), if any.
func At(mounts []Mount, point string) (Mount, bool) {
	for i := len(mounts) - 1; i >= 0; i-- {
		if mounts[i].Point == point {
			return mounts[i], true
		}
	}
	return Mount{}, false
}

// Under returns the mount that holds path (a clean absolute path): the last-mounted of those
// whose mount point is its longest prefix.
func Under(mounts []Mount, path string) Mount {
	best := Mount{Point: "/", Root: "/"}
	for _, m := range mounts {
		if within(path, m.Point) && len(m.Point) >= len(best.Point) {
			best = m
		}
	}
	return best
}

// Source is what a bind mount of path shows as its root: the path within its filesystem.
func Source(m Mount, path string) string {
	rel := strings.TrimPrefix(path, m.Point)
	if m.Point == "/" {
		rel = path
	}
	root := strings.TrimSuffix(m.Root, "/") + rel
	if root == "" {
		return "/"
	}
	return root
}

// within reports path at or below dir.
func within(path, dir string) bool {
	return dir == "/" || path == dir || strings.HasPrefix(path, dir+"/")
}
