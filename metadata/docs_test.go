package metadata

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docPage is the docs/ page that documents the agent of a golden meta-data file.
func docPage(meta string) string {
	name := strings.TrimSuffix(filepath.Base(meta), ".xml")
	return filepath.Join("..", "docs", name+".md")
}

// docRow is a row of a page's parameter table: | `name` | default | what it is |
var docRow = regexp.MustCompile("(?m)^\\| `(\\w+)` \\|([^|]*)\\|")

// Every agent has a page in docs/ whose parameter table lists exactly the parameters of its
// golden meta-data (the old fence-agents names aside), with the same defaults: the page
// cannot keep a parameter that is gone, miss a new one, or promise another default.
func TestDocsParametersMatchMetaData(t *testing.T) {
	files, _ := filepath.Glob("*.xml")
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			var meta struct {
				Params []struct {
					Name       string `xml:"name,attr"`
					Deprecated string `xml:"deprecated,attr"`
					Content    struct {
						Default string `xml:"default,attr"`
					} `xml:"content"`
				} `xml:"parameters>parameter"`
			}
			require.NoError(t, xml.Unmarshal(raw, &meta))
			page, err := os.ReadFile(docPage(f))
			require.NoError(t, err, "every agent needs a page in docs/")
			_, table, ok := strings.Cut(string(page), "\n## Parameters\n")
			require.True(t, ok, "%s has no ## Parameters section", docPage(f))
			table, _, _ = strings.Cut(table, "\n## ")

			want := map[string]string{}
			for _, p := range meta.Params {
				if p.Deprecated != "1" {
					want[p.Name] = p.Content.Default
				}
			}
			got := map[string]string{}
			for _, m := range docRow.FindAllStringSubmatch(table, -1) {
				if m[1] == "parameter" {
					continue
				}
				_, dup := got[m[1]]
				assert.False(t, dup, "%s is documented twice", m[1])
				got[m[1]] = strings.TrimSpace(m[2])
			}
			assert.Equal(t, want, got, "%s: parameters and defaults vs %s", docPage(f), f)
		})
	}
}
