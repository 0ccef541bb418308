package metaxml

import (
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/require"
)

// The writer must stay byte for byte what etree writes for the same tree: etree rendered the
// meta-data before and remains the reference, here only, so the agents don't link it.
func FuzzAgainstEtree(f *testing.F) {
	f.Add("1 < 2 & \"q\"", "t>e\tx\nt\x01\xff…\uFFFE", "", uint8(3))
	f.Add("", "plain", "v", uint8(0))
	f.Fuzz(func(t *testing.T, attr, text, leafAttr string, shape uint8) {
		ref := etree.NewDocument()
		ref.CreateProcInst("xml", `version="1.0"`)
		d := New("  ")
		root := ref.CreateElement("resource-agent")
		root.CreateAttr("name", attr)
		d.Start("resource-agent", "name", attr)
		if shape&1 != 0 {
			root.CreateAttr("version", text)
			d.Attr("version", text)
		}
		p := root.CreateElement("parameters")
		d.Start("parameters")
		for i := 0; i < int(shape>>1&3); i++ {
			l := p.CreateElement("longdesc")
			l.CreateAttr("lang", leafAttr)
			l.SetText(text)
			d.Leaf("longdesc", text, "lang", leafAttr)
		}
		d.End()
		if shape&8 != 0 {
			root.CreateElement("actions")
			d.Start("actions")
			d.End()
		}
		ref.Indent(2)
		want, err := ref.WriteToString()
		require.NoError(t, err)
		require.Equal(t, want, d.String())
	})
}
