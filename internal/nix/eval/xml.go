package eval

import (
	"sort"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// XML: builtins.toXML and `--xml` output, in the format of Nix 2.8's
// value-to-xml.cc and xml-writer.cc.

// PrintXML returns what `nix-instantiate --eval --xml` prints for v:
// values not yet evaluated print as <unevaluated />, so callers force v
// deeply first for --strict. location adds the path, line and column of
// attributes and functions (off with --no-location).
func (ev *Evaluator) PrintXML(v Value, location bool) (string, error) {
	var b strings.Builder
	err := ev.catch(func() {
		w := &xmlWriter{ev: ev, b: &b, location: location, drvsSeen: map[string]bool{}}
		w.document(v, token.NoPos)
	})
	return b.String(), err
}

// toXML is builtins.toXML: strict, without locations.
func (ev *Evaluator) toXML(v Value, pos token.Pos) *String {
	var b strings.Builder
	w := &xmlWriter{ev: ev, b: &b, strict: true, drvsSeen: map[string]bool{}}
	w.document(v, pos)
	return &String{S: b.String(), Ctx: w.ctx}
}

type xmlWriter struct {
	ev       *Evaluator
	b        *strings.Builder
	strict   bool
	location bool
	ctx      Context
	drvsSeen map[string]bool
	depth    int // open elements
}

// xmlAttr is an XML attribute; lists of them are written sorted by name,
// as Nix keeps them in a std::map.
type xmlAttr struct{ name, value string }

func (w *xmlWriter) document(v Value, pos token.Pos) {
	w.b.WriteString("<?xml version='1.0' encoding='utf-8'?>\n")
	w.open("expr", nil)
	w.value(v, pos)
	w.close("expr")
}

func (w *xmlWriter) indent() {
	for i := 0; i < w.depth; i++ {
		w.b.WriteString("  ")
	}
}

func (w *xmlWriter) attrs(attrs []xmlAttr) {
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].name < attrs[j].name })
	for _, a := range attrs {
		w.b.WriteByte(' ')
		w.b.WriteString(a.name)
		w.b.WriteString(`="`)
		for i := 0; i < len(a.value); i++ {
			switch c := a.value[i]; c {
			case '"':
				w.b.WriteString("&quot;")
			case '<':
				w.b.WriteString("&lt;")
			case '>':
				w.b.WriteString("&gt;")
			case '&':
				w.b.WriteString("&amp;")
			case '\n':
				w.b.WriteString("&#xA;")
			default:
				w.b.WriteByte(c)
			}
		}
		w.b.WriteByte('"')
	}
}

func (w *xmlWriter) open(name string, attrs []xmlAttr) {
	w.indent()
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.attrs(attrs)
	w.b.WriteString(">\n")
	w.depth++
}

func (w *xmlWriter) close(name string) {
	w.depth--
	w.indent()
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteString(">\n")
}

func (w *xmlWriter) empty(name string, attrs ...xmlAttr) {
	w.indent()
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.attrs(attrs)
	w.b.WriteString(" />\n")
}

// posAttrs returns the path, line and column of pos.
func (w *xmlWriter) posAttrs(pos token.Pos) []xmlAttr {
	p := w.ev.fset.Position(pos)
	return []xmlAttr{
		{"path", p.Filename},
		{"line", strconv.Itoa(p.Line)},
		{"column", strconv.Itoa(p.Column)},
	}
}

// peek returns v forced when strict, or as far as it is already known.
func (w *xmlWriter) peek(v Value, pos token.Pos) Value {
	if w.strict {
		return w.ev.force(v, pos)
	}
	if t, ok := v.(*Thunk); ok {
		if t.done() {
			return t.x
		}
	}
	return v
}

func (w *xmlWriter) value(v Value, pos token.Pos) {
	ev := w.ev
	ev.checkInterrupt(pos)
	if w.depth > maxDepth {
		ev.stackOverflow(pos)
	}
	v = w.peek(v, pos)
	switch x := v.(type) {
	case int64:
		w.empty("int", xmlAttr{"value", strconv.FormatInt(x, 10)})
	case bool:
		s := "false"
		if x {
			s = "true"
		}
		w.empty("bool", xmlAttr{"value", s})
	case *String:
		w.ctx = w.ctx.Merge(x.Ctx)
		w.empty("string", xmlAttr{"value", x.S})
	case Path:
		w.empty("path", xmlAttr{"value", string(x)})
	case nil:
		w.empty("null")
	case float64:
		w.empty("float", xmlAttr{"value", cFloat(x)})
	case *Attrs:
		if ev.isDerivation(x) {
			var attrs []xmlAttr
			drvPath := ""
			if a, ok := x.Get("drvPath"); ok {
				if s, ok := w.peek(a.Value, attrPos(a, pos)).(*String); ok {
					drvPath = s.S
					attrs = append(attrs, xmlAttr{"drvPath", s.S})
				}
			}
			if a, ok := x.Get("outPath"); ok {
				if s, ok := w.peek(a.Value, attrPos(a, pos)).(*String); ok {
					attrs = append(attrs, xmlAttr{"outPath", s.S})
				}
			}
			w.open("derivation", attrs)
			if drvPath != "" && !w.drvsSeen[drvPath] {
				w.drvsSeen[drvPath] = true
				w.showAttrs(x)
			} else {
				w.empty("repeated")
			}
			w.close("derivation")
			return
		}
		w.open("attrs", nil)
		w.showAttrs(x)
		w.close("attrs")
	case *List:
		w.open("list", nil)
		for _, e := range x.Elems {
			w.value(e, pos)
		}
		w.close("list")
	case *Lambda:
		var attrs []xmlAttr
		if w.location {
			attrs = w.posAttrs(x.fn.pos)
		}
		w.open("function", attrs)
		fn := x.fn
		if fn.hasFormals {
			var pat []xmlAttr
			if fn.hasArg && fn.argName != "" {
				pat = append(pat, xmlAttr{"name", fn.argName})
			}
			if fn.ellipsis {
				pat = append(pat, xmlAttr{"ellipsis", "1"})
			}
			w.open("attrspat", pat)
			names := make([]string, len(fn.formals))
			for i, f := range fn.formals {
				names[i] = f.name
			}
			sort.Strings(names)
			for _, n := range names {
				w.empty("attr", xmlAttr{"name", n})
			}
			w.close("attrspat")
		} else {
			w.empty("varpat", xmlAttr{"name", fn.argName})
		}
		w.close("function")
	default:
		// Built-in functions, partial applications and values not
		// evaluated yet.
		w.empty("unevaluated")
	}
}

func (w *xmlWriter) showAttrs(a *Attrs) {
	for i := range a.List {
		at := &a.List[i]
		attrs := []xmlAttr{{"name", at.Name}}
		if w.location && at.Pos.IsValid() {
			attrs = append(attrs, w.posAttrs(at.Pos)...)
		}
		w.open("attr", attrs)
		w.value(at.Value, at.Pos)
		w.close("attr")
	}
}
