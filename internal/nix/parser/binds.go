package parser

import (
	"strings"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/scanner"
	"cairn.dev/cairn/internal/nix/token"
)

// parseBinds parses bindings into attrs up to the closing token, which it
// leaves current. expecting is what bison names when a binding is
// malformed at its start.
func (p *parser) parseBinds(attrs *ast.Attrs, closing scanner.Token, expecting string) {
	for {
		switch p.tok.t {
		case closing:
			return
		case scanner.INHERIT:
			p.parseInherit(attrs)
		case scanner.ID, scanner.OR_KW, scanner.QUOTE, scanner.DOLLAR_CURLY:
			// The path lives on p.paths, a stack shared by nested
			// bindings, until addAttr has used it (it keeps no reference).
			pathStart := p.tok.start
			base := len(p.paths)
			for {
				a := p.parseAttr()
				p.paths = append(p.paths, a)
				if p.tok.t != scanner.DOT {
					break
				}
				p.next()
			}
			if p.tok.t != scanner.ASSIGN {
				p.unexpected("'.' or '='")
			}
			p.next()
			value := p.parseExpr()
			p.expect(scanner.SEMI, "';'")
			p.addAttr(attrs, p.paths[base:], p.pos(pathStart), value)
			p.paths = p.paths[:base]
		default:
			p.unexpected(expecting)
		}
	}
}

// parseInherit parses `inherit a b;` and `inherit (e) a b;`.
func (p *parser) parseInherit(attrs *ast.Attrs) {
	p.next()
	from := -1
	if p.tok.t == scanner.LPAREN {
		p.next()
		e := p.parseExpr()
		p.expect(scanner.RPAREN, "')'")
		from = len(attrs.InheritFrom)
		attrs.InheritFrom = append(attrs.InheritFrom, e)
	}
	var names []ast.AttrName
	for p.tok.t != scanner.SEMI {
		pos := p.pos(p.tok.start)
		switch p.tok.t {
		case scanner.ID, scanner.OR_KW, scanner.QUOTE, scanner.DOLLAR_CURLY:
			a := p.parseAttr()
			if a.Expr != nil {
				p.errorAtPos(pos, "dynamic attributes not allowed in inherit")
			}
			names = append(names, a)
		default:
			p.unexpected("")
		}
	}
	p.next()
	for _, a := range names {
		if j := p.lookup(attrs, a.Name); j >= 0 {
			p.dupAttr(ast.Identifier(a.Name), a.NamePos, attrs.Attrs[j].NamePos)
		}
		def := &ast.AttrDef{NamePos: a.NamePos, Name: a.Name}
		if from >= 0 {
			def.Kind = ast.InheritedFrom
			def.From = from
		} else {
			def.Kind = ast.Inherited
			def.Value = &ast.Var{NamePos: a.NamePos, Name: a.Name}
		}
		p.appendAttr(attrs, def)
	}
}

func (p *parser) dupAttr(path string, pos, prev token.Pos) {
	p.errorAtPos(pos, "attribute '"+path+"' already defined at "+p.position(prev).String())
}

// indexThreshold is the size from which an attribute set gets a map from
// names to indexes while it is being parsed.
const indexThreshold = 16

// lookup returns the index of the static attribute name in attrs, or -1.
func (p *parser) lookup(attrs *ast.Attrs, name string) int {
	if len(attrs.Attrs) < indexThreshold {
		for i, a := range attrs.Attrs {
			if a.Name == name {
				return i
			}
		}
		return -1
	}
	idx := p.index[attrs]
	if idx == nil {
		if p.index == nil {
			p.index = make(map[*ast.Attrs]map[string]int)
		}
		idx = make(map[string]int, 2*len(attrs.Attrs))
		for i, a := range attrs.Attrs {
			idx[a.Name] = i
		}
		p.index[attrs] = idx
	}
	if i, ok := idx[name]; ok {
		return i
	}
	return -1
}

func (p *parser) appendAttr(attrs *ast.Attrs, def *ast.AttrDef) {
	attrs.Attrs = append(attrs.Attrs, def)
	if idx := p.index[attrs]; idx != nil {
		idx[def.Name] = len(attrs.Attrs) - 1
	}
}

// showPath formats an attribute path as Nix's errors do.
func showPath(path []ast.AttrName) string {
	var b strings.Builder
	for i, a := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		if a.Expr != nil {
			b.WriteString("\"${")
			b.WriteString(ast.Print(a.Expr))
			b.WriteString("}\"")
		} else {
			b.WriteString(ast.Identifier(a.Name))
		}
	}
	return b.String()
}

// addAttr adds `path = value;` to attrs, creating (or descending into)
// nested attribute sets for all but the last name, as Nix's
// ParserState::addAttr does.
func (p *parser) addAttr(attrs *ast.Attrs, path []ast.AttrName, pos token.Pos, value ast.Expr) {
	for i := 0; i < len(path)-1; i++ {
		a := path[i]
		var nested *ast.Attrs
		if a.Expr == nil {
			if j := p.lookup(attrs, a.Name); j >= 0 {
				prev := attrs.Attrs[j]
				n, ok := prev.Value.(*ast.Attrs)
				if !ok || prev.Kind != ast.Plain {
					p.dupAttr(showPath(path[:i+1]), pos, prev.NamePos)
				}
				nested = n
			} else {
				nested = &ast.Attrs{Lbrace: pos}
				p.appendAttr(attrs, &ast.AttrDef{NamePos: pos, Name: a.Name, Value: nested})
			}
		} else {
			nested = &ast.Attrs{Lbrace: pos}
			attrs.Dynamic = append(attrs.Dynamic, &ast.DynamicAttr{NamePos: pos, Name: a.Expr, Value: nested})
		}
		attrs = nested
	}
	last := path[len(path)-1]
	if last.Expr != nil {
		attrs.Dynamic = append(attrs.Dynamic, &ast.DynamicAttr{NamePos: pos, Name: last.Expr, Value: value})
		return
	}
	p.addAttrDef(attrs, path, &ast.AttrDef{NamePos: pos, Name: last.Name, Value: value})
}

// addAttrDef adds a static attribute; when the name is taken and both
// values are attribute sets, the new set is merged into the old one.
func (p *parser) addAttrDef(attrs *ast.Attrs, path []ast.AttrName, def *ast.AttrDef) {
	j := p.lookup(attrs, def.Name)
	if j < 0 {
		p.appendAttr(attrs, def)
		return
	}
	prev := attrs.Attrs[j]
	ae, ok1 := def.Value.(*ast.Attrs)
	jAttrs, ok2 := prev.Value.(*ast.Attrs)
	if !ok1 || !ok2 || def.Kind != ast.Plain || prev.Kind != ast.Plain {
		p.dupAttr(showPath(path), def.NamePos, prev.NamePos)
	}
	offset := len(jAttrs.InheritFrom)
	for _, ad := range ae.Attrs {
		if ad.Kind == ast.InheritedFrom {
			ad.From += offset
		}
		p.addAttrDef(jAttrs, append(path[:len(path):len(path)], ast.AttrName{NamePos: ad.NamePos, Name: ad.Name}), ad)
	}
	jAttrs.Dynamic = append(jAttrs.Dynamic, ae.Dynamic...)
	jAttrs.InheritFrom = append(jAttrs.InheritFrom, ae.InheritFrom...)
	ae.Attrs, ae.Dynamic, ae.InheritFrom = nil, nil, nil
}
