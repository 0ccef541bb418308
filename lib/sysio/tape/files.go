package tape

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// All file operations share one channel: an agent's reads and writes of /proc, /sys and device
// nodes depend on each other's order.

func dataAnswer(data []byte, err error) []Field {
	if err != nil {
		return []Field{errorField("files", err)}
	}
	return []Field{fld("data", string(data))}
}

func statAnswer(fi sysio.FileInfo, err error) []Field {
	if err != nil {
		return []Field{errorField("files", err)}
	}
	ans := []Field{fld("mode", fi.Mode.String()), fld("size", strconv.FormatInt(fi.Size, 10))}
	if fi.Major != 0 || fi.Minor != 0 {
		ans = append(ans, fld("dev", fmt.Sprintf("%d:%d", fi.Major, fi.Minor)))
	}
	return ans
}

func namesAnswer(names []string, err error) []Field {
	if err != nil {
		return []Field{errorField("files", err)}
	}
	return []Field{fld("names", names...)}
}

func readAtAsk(path string, off int64, n int) []Field {
	return []Field{fld("read-at", path, strconv.FormatInt(off, 10), strconv.Itoa(n))}
}

func writeBlockAsk(w sysio.BlockWrite) []Field {
	ask := []Field{fld("write-block", w.Path, fmt.Sprintf("%d:%d", w.Major, w.Minor), strconv.FormatInt(w.Off, 10)), fld("data", string(w.Data))}
	if w.Exclusive {
		ask = append(ask, fld("exclusive"))
	}
	return ask
}

func writeAsk(path string, data []byte, perm fs.FileMode) []Field {
	return []Field{fld("write", path, fmt.Sprintf("%#04o", perm.Perm())), fld("data", string(data))}
}

type recFiles struct{ r *recorder }

func (x recFiles) ReadFile(path string) ([]byte, error) {
	id := x.r.begin("files", []Field{fld("read", path)})
	data, err := x.r.inner.Files.ReadFile(path)
	x.r.end(id, dataAnswer(data, err))
	return data, err
}

func (x recFiles) ReadAt(path string, off int64, n int) ([]byte, error) {
	id := x.r.begin("files", readAtAsk(path, off, n))
	data, err := x.r.inner.Files.ReadAt(path, off, n)
	x.r.end(id, dataAnswer(data, err))
	return data, err
}

func (x recFiles) WriteBlock(w sysio.BlockWrite) error {
	id := x.r.begin("files", writeBlockAsk(w))
	err := x.r.inner.Files.WriteBlock(w)
	x.r.end(id, okOrError("files", err))
	return err
}

func (x recFiles) WriteFile(path string, data []byte, perm fs.FileMode) error {
	id := x.r.begin("files", writeAsk(path, data, perm))
	err := x.r.inner.Files.WriteFile(path, data, perm)
	x.r.end(id, okOrError("files", err))
	return err
}

func (x recFiles) Stat(path string) (sysio.FileInfo, error) {
	id := x.r.begin("files", []Field{fld("stat", path)})
	fi, err := x.r.inner.Files.Stat(path)
	x.r.end(id, statAnswer(fi, err))
	return fi, err
}

func (x recFiles) ReadDir(path string) ([]string, error) {
	id := x.r.begin("files", []Field{fld("readdir", path)})
	names, err := x.r.inner.Files.ReadDir(path)
	x.r.end(id, namesAnswer(names, err))
	return names, err
}

type playFiles struct{ p *player }

func (x playFiles) answer(ask []Field) ([]Field, error) {
	e, err := x.p.serve("files", ask)
	if err != nil {
		return nil, err
	}
	return e.Answer, answerError("files", e.Answer)
}

func (x playFiles) ReadFile(path string) ([]byte, error) {
	ans, err := x.answer([]Field{fld("read", path)})
	if err != nil {
		return nil, err
	}
	return []byte(arg(ans, "data")), nil
}

func (x playFiles) ReadAt(path string, off int64, n int) ([]byte, error) {
	ans, err := x.answer(readAtAsk(path, off, n))
	if err != nil {
		return nil, err
	}
	return []byte(arg(ans, "data")), nil
}

func (x playFiles) WriteBlock(w sysio.BlockWrite) error {
	_, err := x.answer(writeBlockAsk(w))
	return err
}

func (x playFiles) WriteFile(path string, data []byte, perm fs.FileMode) error {
	_, err := x.answer(writeAsk(path, data, perm))
	return err
}

func (x playFiles) Stat(path string) (sysio.FileInfo, error) {
	ans, err := x.answer([]Field{fld("stat", path)})
	if err != nil {
		return sysio.FileInfo{}, err
	}
	// Values checked by the schema.
	mode, _ := parseMode(arg(ans, "mode"))
	size, _ := strconv.ParseInt(arg(ans, "size"), 10, 64)
	fi := sysio.FileInfo{Mode: mode, Size: size}
	if maj, mnr, ok := strings.Cut(arg(ans, "dev"), ":"); ok {
		ma, _ := strconv.ParseUint(maj, 10, 32)
		mi, _ := strconv.ParseUint(mnr, 10, 32)
		fi.Major, fi.Minor = uint32(ma), uint32(mi)
	}
	return fi, nil
}

func (x playFiles) ReadDir(path string) ([]string, error) {
	ans, err := x.answer([]Field{fld("readdir", path)})
	if err != nil {
		return nil, err
	}
	f, _ := field(ans, "names")
	return f.Args, nil
}

// modeTypes are fs.FileMode's type letters, from its highest bit down, as String prints them.
const modeTypes = "dalTLDpSugct?"

// parseMode reads back what fs.FileMode.String printed ("Drw-rw----", "-rw-r--r--").
func parseMode(s string) (fs.FileMode, error) {
	bad := fmt.Errorf("bad file mode %q (want as ls prints it, like -rw-r--r-- or Drw-rw----)", s)
	if len(s) < 10 {
		return 0, bad
	}
	var m fs.FileMode
	if typ := s[:len(s)-9]; typ != "-" {
		for _, c := range typ {
			i := strings.IndexRune(modeTypes, c)
			if i < 0 {
				return 0, bad
			}
			m |= 1 << (31 - i)
		}
	}
	const rwx = "rwxrwxrwx"
	for i, c := range s[len(s)-9:] {
		switch {
		case byte(c) == rwx[i]:
			m |= 1 << (8 - i)
		case c != '-':
			return 0, bad
		}
	}
	if m.String() != s {
		return 0, bad
	}
	return m, nil
}
