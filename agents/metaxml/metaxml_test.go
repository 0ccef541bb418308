package metaxml

import "testing"

// The shapes meta-data uses: nesting, attributes added after the start, empty elements closed
// short, text leaves, and etree's escaping (entities; U+FFFD for what XML cannot carry).
func TestDoc(t *testing.T) {
	d := New("\t")
	d.Start("a", "x", `1 < 2 & "q" 'q'`)
	d.Attr("y", "z")
	d.Leaf("b", "t>e\tx\nt\x01\xff…\uFFFE")
	d.Start("c")
	d.End()
	d.Start("d")
	d.Leaf("e", "", "v", "w")
	d.End()
	got := d.String()
	want := "<?xml version=\"1.0\"?>\n<a x=\"1 &lt; 2 &amp; &quot;q&quot; &apos;q&apos;\" y=\"z\">\n" +
		"\t<b>t&gt;e\tx\nt\uFFFD\uFFFD…\uFFFD</b>\n\t<c/>\n\t<d>\n\t\t<e v=\"w\"/>\n\t</d>\n</a>\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
