// Package metaxml writes the agents' meta-data documents: nested elements with attributes,
// leaves with text, indented one level per depth. It streams into a string rather than
// building a tree, because Pacemaker and pcs ask for meta-data often and an agent's whole run
// should cost little more than the process; the output is byte for byte what the etree
// library, which rendered it before, wrote (the golden files in metadata/ hold it).
package metaxml

import (
	"strings"
	"unicode/utf8"
)

// Doc is one document being written.
type Doc struct {
	b      strings.Builder
	indent string
	open   []string
	bare   bool // the innermost start tag still lacks its '>' (attributes may follow)
}

// New starts a document whose levels are indented by indent ("\t", "  ").
func New(indent string) *Doc {
	d := &Doc{indent: indent}
	d.b.Grow(16 << 10)
	d.b.WriteString(`<?xml version="1.0"?>`)
	return d
}

// Start opens an element on a line of its own; attrs are name, value pairs.
func (d *Doc) Start(tag string, attrs ...string) {
	d.closeStart()
	d.newline(len(d.open))
	d.b.WriteByte('<')
	d.b.WriteString(tag)
	d.bare = true
	d.open = append(d.open, tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		d.Attr(attrs[i], attrs[i+1])
	}
}

// Attr adds an attribute to the element just started, before any child.
func (d *Doc) Attr(name, value string) {
	if !d.bare {
		panic("metaxml: attribute " + name + " after a child") // a bug of the caller, caught by every test
	}
	d.b.WriteByte(' ')
	d.b.WriteString(name)
	d.b.WriteString(`="`)
	escape(&d.b, value)
	d.b.WriteByte('"')
}

// End closes the innermost element: <tag/> when it got no child.
func (d *Doc) End() {
	tag := d.open[len(d.open)-1]
	d.open = d.open[:len(d.open)-1]
	if d.bare {
		d.bare = false
		d.b.WriteString("/>")
		return
	}
	d.newline(len(d.open))
	d.b.WriteString("</")
	d.b.WriteString(tag)
	d.b.WriteByte('>')
}

// Leaf writes an element holding only text (none: <tag/>).
func (d *Doc) Leaf(tag, text string, attrs ...string) {
	d.Start(tag, attrs...)
	if text == "" {
		d.End()
		return
	}
	d.b.WriteByte('>')
	escape(&d.b, text)
	d.b.WriteString("</")
	d.b.WriteString(tag)
	d.b.WriteByte('>')
	d.bare = false
	d.open = d.open[:len(d.open)-1]
}

// String closes what is still open and returns the document, ending in a newline.
func (d *Doc) String() string {
	for len(d.open) > 0 {
		d.End()
	}
	d.b.WriteByte('\n')
	return d.b.String()
}

func (d *Doc) closeStart() {
	if d.bare {
		d.b.WriteByte('>')
		d.bare = false
	}
}

func (d *Doc) newline(depth int) {
	d.b.WriteByte('\n')
	for range depth {
		d.b.WriteString(d.indent)
	}
}

// escape writes s with the five predefined entities, and U+FFFD for what XML cannot carry
// (control characters, invalid UTF-8), as etree's default escaping does.
func escape(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); {
		c, width := s[i], 1
		if c >= 64 && c < utf8.RuneSelf || c < 64 && special&(1<<c) == 0 {
			i++ // most of a description: plain ASCII, told by one test
			continue
		}
		var esc string
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '\'':
			esc = "&apos;"
		case c == '"':
			esc = "&quot;"
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			esc = "\uFFFD"
		case c >= utf8.RuneSelf:
			var r rune
			r, width = utf8.DecodeRuneInString(s[i:])
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
			}
		}
		if esc == "" {
			i += width
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		i += width
		last = i
	}
	b.WriteString(s[last:])
}

// special has a bit for each byte below 64 that escape replaces: the control characters but
// tab, newline and carriage return, and " & ' < >.
const special = (1<<32-1)&^(1<<'\t'|1<<'\n'|1<<'\r') | 1<<'"' | 1<<'&' | 1<<'\'' | 1<<'<' | 1<<'>'

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
