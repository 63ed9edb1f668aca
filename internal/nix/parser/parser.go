// Package parser parses Nix source text into the syntax tree of package ast.
//
// It is a recursive-descent parser with the grammar, precedences and
// desugarings of Nix's own (bison) parser, src/libexpr/parser.y: the same
// inputs are accepted, the same trees are built (so that ast.Print gives
// the text of `nix-instantiate --parse`), and syntax errors are worded as
// bison words them ("syntax error, unexpected X, expecting Y"). Like Nix,
// the parser stops at the first error.
//
// The parser also does what Nix's parser does beyond syntax: nested
// attribute paths are merged into nested attribute sets, duplicate
// attributes and formals are errors, indented strings are stripped, and
// path literals are made absolute. With Config.Globals set it also reports
// undefined variables, which Nix reports while parsing too. Config.Lints
// turns on the lints of Nix's settings (URL literals, absolute and short
// path literals) as warnings or errors, and Config.Warn receives the
// warnings, among them Nix's warning about `or` used as an identifier.
package parser

import (
	"strings"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/scanner"
	"cairn.dev/cairn/internal/nix/token"
)

// Config holds what parsing needs to know of its surroundings.
type Config struct {
	// BaseDir is the directory relative path literals are resolved
	// against: the directory of the file, or the working directory for
	// an expression given on the command line. "/" when empty.
	BaseDir string
	// HomeDir is what `~` stands for in `~/...` path literals.
	HomeDir string
	// Globals, when set, reports whether a name is bound at the top
	// level (builtins such as `map`, `true`, `__sub`); the parser then
	// reports variables that are bound nowhere, as Nix does when it
	// parses. NixGlobals is Nix 2.8's set.
	Globals func(name string) bool
	// Lints sets the level of each lint by name (LintURLLiterals, ...);
	// a lint not named is ignored. A fatal lint is a parse error at the
	// offending literal.
	Lints map[string]Level
	// Warn, when set, receives the parse's warnings in the order they
	// are found: lints at level Warn, and the uses of `or` as an
	// identifier whose meaning a future Nix will change (given whatever
	// the lint settings, as Nix does). Without it they are dropped.
	Warn func(Warning)
}

// MaxDepth is how deeply expressions may nest. Deeper input is an error
// rather than a risk to the stack of the parser and of later passes.
const MaxDepth = 4096

// ParseFile parses the Nix expression src, registered in fset under
// filename, and returns its tree. Errors are an ErrorList.
func ParseFile(fset *token.FileSet, filename string, src []byte, cfg Config) (ast.Expr, error) {
	file := fset.AddFile(filename, src)
	p := &parser{file: file, cfg: cfg}
	if p.cfg.BaseDir == "" {
		p.cfg.BaseDir = "/"
	}
	e := p.parse(string(src))
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	if cfg.Globals != nil {
		if err := checkVars(p, e); err != nil {
			return nil, p.errs
		}
	}
	return e, nil
}

// tok is one scanned token.
type tok struct {
	t          scanner.Token
	start, end int
	str        string
	indent     bool
	ival       int64
	fval       float64
}

type parser struct {
	file *token.File
	cfg  Config
	sc   scanner.Scanner

	tok  tok   // current token
	la   []tok // tokens read ahead of tok
	errs ErrorList

	prevEnd int // end offset of the token before tok

	paths []ast.AttrName // attribute paths of bindings being parsed

	depth int
	index map[*ast.Attrs]map[string]int // name -> index into Attrs.Attrs, for large sets
}

// bailout unwinds the parser at its first error.
type bailout struct{}

func (p *parser) parse(src string) (e ast.Expr) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			e = nil
		}
	}()
	p.sc.Init(src)
	p.next()
	e = p.parseExpr()
	if p.tok.t != scanner.EOF {
		p.unexpected("end of file")
	}
	return e
}

func (p *parser) scan() tok {
	t := p.sc.Scan()
	k := tok{t: t, start: p.sc.Start, end: p.sc.End, str: p.sc.Str, indent: p.sc.Indent}
	switch t {
	case scanner.INT:
		k.ival = p.sc.Int
	case scanner.FLOAT:
		k.fval = p.sc.Float
	case scanner.ERROR:
		k.str = p.sc.ErrMsg
	}
	return k
}

// next advances to the next token. A lexical error stops the parse when
// its token is reached, as it does in Nix.
func (p *parser) next() {
	p.prevEnd = p.tok.end
	if len(p.la) > 0 {
		p.tok = p.la[0]
		copy(p.la, p.la[1:])
		p.la = p.la[:len(p.la)-1]
	} else {
		p.tok = p.scan()
	}
	if p.tok.t == scanner.ERROR {
		p.errorAt(p.tok.start, p.tok.str)
	}
}

// peek returns the kind of the token n places after the current one.
func (p *parser) peek(n int) scanner.Token {
	for len(p.la) < n {
		p.la = append(p.la, p.scan())
	}
	return p.la[n-1].t
}

func (p *parser) pos(off int) token.Pos { return p.file.Pos(off) }

func (p *parser) position(pos token.Pos) token.Position { return p.file.Position(pos) }

func (p *parser) errorAt(off int, msg string) {
	p.errs.Add(p.file.Position(p.file.Pos(off)), msg)
	panic(bailout{})
}

func (p *parser) errorAtPos(pos token.Pos, msg string) {
	p.errs.Add(p.file.Position(pos), msg)
	panic(bailout{})
}

// unexpected reports the current token as a syntax error; expecting lists
// the tokens bison would name, in its order ("" for none).
func (p *parser) unexpected(expecting string) {
	msg := "syntax error, unexpected " + p.tok.t.String()
	if expecting != "" {
		msg += ", expecting " + expecting
	}
	p.errorAt(p.tok.start, msg)
}

// expect consumes a token of kind t or reports a syntax error.
func (p *parser) expect(t scanner.Token, expecting string) tok {
	if p.tok.t != t {
		p.unexpected(expecting)
	}
	k := p.tok
	p.next()
	return k
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.errorAt(p.tok.start, "expression nested too deeply (more than 4096 levels)")
	}
}

func (p *parser) leave() { p.depth-- }

const expectAttr = "identifier or 'or' or '${' or '\"'"

// parseExpr parses expr_function: lambdas, assert, with, let, and below.
func (p *parser) parseExpr() ast.Expr {
	p.enter()
	defer p.leave()
	switch p.tok.t {
	case scanner.ID:
		switch p.peek(1) {
		case scanner.COLON:
			start := p.tok.start
			name := p.tok.str
			p.next()
			p.next()
			body := p.parseExpr()
			return &ast.Lambda{FuncPos: p.pos(start), Arg: name, Body: body}
		case scanner.AT:
			start := p.tok.start
			name := p.tok.str
			p.next()
			p.next()
			if p.tok.t != scanner.LBRACE {
				p.unexpected("'{'")
			}
			formals := p.parseFormals()
			p.expect(scanner.COLON, "':'")
			return p.lambda(start, name, formals)
		}
	case scanner.LBRACE:
		if p.isFormals() {
			start := p.tok.start
			formals := p.parseFormals()
			switch p.tok.t {
			case scanner.COLON:
				p.next()
				return p.lambda(start, "", formals)
			case scanner.AT:
				p.next()
				if p.tok.t != scanner.ID {
					p.unexpected("identifier")
				}
				name := p.tok.str
				p.next()
				p.expect(scanner.COLON, "':'")
				return p.lambda(start, name, formals)
			}
			p.unexpected("':' or '@'")
		}
	case scanner.ASSERT:
		start := p.tok.start
		p.next()
		cond := p.parseExpr()
		p.expect(scanner.SEMI, "';'")
		body := p.parseExpr()
		return &ast.Assert{AssertPos: p.pos(start), Cond: cond, Body: body}
	case scanner.WITH:
		start := p.tok.start
		p.next()
		attrs := p.parseExpr()
		p.expect(scanner.SEMI, "';'")
		body := p.parseExpr()
		return &ast.With{WithPos: p.pos(start), Attrs: attrs, Body: body}
	case scanner.LET:
		if p.peek(1) == scanner.LBRACE {
			break // the legacy `let { ... }`, an expr_simple
		}
		start := p.tok.start
		p.next()
		binds := &ast.Attrs{Lbrace: p.pos(start)}
		p.parseBinds(binds, scanner.IN, "'in' or 'inherit'")
		p.next()
		body := p.parseExpr()
		if len(binds.Dynamic) > 0 {
			p.errorAt(start, "dynamic attributes not allowed in let")
		}
		return &ast.Let{LetPos: p.pos(start), Bindings: binds, Body: body}
	}
	return p.parseIf()
}

func (p *parser) lambda(start int, arg string, formals *ast.Formals) ast.Expr {
	p.validateFormals(start, arg, formals)
	body := p.parseExpr()
	return &ast.Lambda{FuncPos: p.pos(start), Arg: arg, Formals: formals, Body: body}
}

// isFormals tells, at a '{' that starts an expression, whether it opens
// the formals of a lambda rather than an attribute set.
func (p *parser) isFormals() bool {
	switch p.peek(1) {
	case scanner.RBRACE:
		t := p.peek(2)
		return t == scanner.COLON || t == scanner.AT
	case scanner.ELLIPSIS:
		return true
	case scanner.ID:
		switch p.peek(2) {
		case scanner.COMMA, scanner.QUESTION, scanner.RBRACE:
			return true
		}
	}
	return false
}

// parseFormals parses `{ a, b ? e, ... }`; the current token is '{'.
func (p *parser) parseFormals() *ast.Formals {
	f := &ast.Formals{Lbrace: p.pos(p.tok.start)}
	p.next()
	switch p.tok.t {
	case scanner.RBRACE:
		p.next()
		return f
	case scanner.ELLIPSIS:
		p.next()
		p.expect(scanner.RBRACE, "'}'")
		f.Ellipsis = true
		return f
	case scanner.ID:
	default:
		p.unexpected("identifier or '...' or '}'")
	}
	for {
		formal := &ast.Formal{NamePos: p.pos(p.tok.start), Name: p.tok.str}
		p.next()
		if p.tok.t == scanner.QUESTION {
			p.next()
			formal.Default = p.parseExpr()
		}
		f.List = append(f.List, formal)
		switch p.tok.t {
		case scanner.RBRACE:
			p.next()
			return f
		case scanner.COMMA:
			p.next()
		default:
			p.unexpected("'}' or ','")
		}
		switch p.tok.t {
		case scanner.ID:
			continue
		case scanner.RBRACE:
			p.next()
			return f
		case scanner.ELLIPSIS:
			p.next()
			p.expect(scanner.RBRACE, "'}'")
			f.Ellipsis = true
			return f
		}
		p.unexpected("identifier or '...' or '}'")
	}
}

// validateFormals reports duplicate formals as Nix does: the duplicated
// name seen first, at its second occurrence; then an @-name that is also
// a formal, at the lambda.
func (p *parser) validateFormals(start int, arg string, f *ast.Formals) {
	if len(f.List) > 1 {
		var dupName string
		var dupPos token.Pos
		first := -1
		if len(f.List) <= 16 {
			for i, a := range f.List {
				for j := i + 1; j < len(f.List); j++ {
					if f.List[j].Name == a.Name {
						if first < 0 || i < first {
							first, dupName, dupPos = i, a.Name, f.List[j].NamePos
						}
						break
					}
				}
				if first >= 0 {
					break
				}
			}
		} else {
			seen := make(map[string]int, len(f.List))
			for i, a := range f.List {
				if j, ok := seen[a.Name]; ok {
					if first < 0 || j < first {
						first, dupName, dupPos = j, a.Name, a.NamePos
					}
					continue
				}
				seen[a.Name] = i
			}
		}
		if first >= 0 {
			p.errorAtPos(dupPos, "duplicate formal function argument '"+ast.Identifier(dupName)+"'")
		}
	}
	if arg != "" {
		for _, a := range f.List {
			if a.Name == arg {
				p.errorAt(start, "duplicate formal function argument '"+ast.Identifier(arg)+"'")
			}
		}
	}
}

// parseIf parses expr_if.
func (p *parser) parseIf() ast.Expr {
	if p.tok.t != scanner.IF {
		return p.parseBinary(1)
	}
	start := p.tok.start
	p.next()
	cond := p.parseExpr()
	p.expect(scanner.THEN, "'then'")
	then := p.parseExpr()
	p.expect(scanner.ELSE, "'else'")
	els := p.parseExpr()
	return &ast.If{IfPos: p.pos(start), Cond: cond, Then: then, Else: els}
}

// Operator precedences, from Nix's grammar (higher binds tighter).
const (
	precImpl   = 1
	precOr     = 2
	precAnd    = 3
	precEq     = 4
	precCmp    = 5
	precUpdate = 6
	precNot    = 7
	precAdd    = 8
	precMul    = 9
	precConcat = 10
	precHas    = 11
	precNeg    = 12
)

func binaryPrec(t scanner.Token) int {
	switch t {
	case scanner.IMPL:
		return precImpl
	case scanner.OR:
		return precOr
	case scanner.AND:
		return precAnd
	case scanner.EQ, scanner.NEQ:
		return precEq
	case scanner.LT, scanner.GT, scanner.LEQ, scanner.GEQ:
		return precCmp
	case scanner.UPDATE:
		return precUpdate
	case scanner.PLUS, scanner.MINUS:
		return precAdd
	case scanner.STAR, scanner.SLASH:
		return precMul
	case scanner.CONCAT:
		return precConcat
	case scanner.QUESTION:
		return precHas
	}
	return 0
}

func binaryOp(t scanner.Token) ast.Op {
	switch t {
	case scanner.EQ:
		return ast.OpEq
	case scanner.NEQ:
		return ast.OpNEq
	case scanner.AND:
		return ast.OpAnd
	case scanner.OR:
		return ast.OpOr
	case scanner.IMPL:
		return ast.OpImpl
	case scanner.UPDATE:
		return ast.OpUpdate
	case scanner.CONCAT:
		return ast.OpConcat
	case scanner.PLUS:
		return ast.OpAdd
	case scanner.MINUS:
		return ast.OpSub
	case scanner.STAR:
		return ast.OpMul
	case scanner.SLASH:
		return ast.OpDiv
	case scanner.LT:
		return ast.OpLess
	case scanner.LEQ:
		return ast.OpLeq
	case scanner.GT:
		return ast.OpGreater
	}
	return ast.OpGeq
}

// parseBinary parses the operators of precedence minPrec and above
// (precedence climbing). Chains of right-associative operators are
// collected in a loop, so that long `a // b // c ...` chains do not
// deepen the recursion.
func (p *parser) parseBinary(minPrec int) ast.Expr {
	left := p.parseUnary()
	for {
		prec := binaryPrec(p.tok.t)
		if prec == 0 || prec < minPrec {
			return left
		}
		switch prec {
		case precHas:
			p.next()
			path := p.parseAttrPath()
			// '?' is declared non-associative, but no conflict ever
			// arises for it, so `a ? b ? c` is `(a ? b) ? c` in Nix.
			left = &ast.HasAttr{X: left, Path: path}
		case precImpl, precUpdate, precConcat:
			operands := []ast.Expr{left}
			var ops []tok
			for binaryPrec(p.tok.t) == prec {
				ops = append(ops, p.tok)
				p.next()
				operands = append(operands, p.parseBinary(prec+1))
			}
			right := operands[len(operands)-1]
			for i := len(ops) - 1; i >= 0; i-- {
				right = &ast.Binary{Op: binaryOp(ops[i].t), OpPos: p.pos(ops[i].start), X: operands[i], Y: right}
			}
			left = right
		default:
			op := p.tok
			p.next()
			right := p.parseBinary(prec + 1)
			left = &ast.Binary{Op: binaryOp(op.t), OpPos: p.pos(op.start), X: left, Y: right}
			if (prec == precEq || prec == precCmp) && binaryPrec(p.tok.t) == prec {
				p.unexpected("")
			}
		}
	}
}

// parseUnary parses `!x`, `-x` and applications.
func (p *parser) parseUnary() ast.Expr {
	switch p.tok.t {
	case scanner.NOT:
		start := p.tok.start
		p.next()
		p.enter()
		x := p.parseBinary(precNot + 1)
		p.leave()
		return &ast.Not{OpPos: p.pos(start), X: x}
	case scanner.MINUS:
		start := p.tok.start
		p.next()
		p.enter()
		x := p.parseBinary(precNeg + 1)
		p.leave()
		return &ast.Neg{OpPos: p.pos(start), X: x}
	}
	return p.parseApp()
}

// startsSelect reports whether t can start an expr_select.
func startsSelect(t scanner.Token) bool {
	switch t {
	case scanner.ID, scanner.INT, scanner.FLOAT, scanner.QUOTE, scanner.IND_STRING_OPEN,
		scanner.PATH, scanner.HPATH, scanner.SPATH, scanner.URI, scanner.LPAREN,
		scanner.LET, scanner.REC, scanner.LBRACE, scanner.LBRACK:
		return true
	}
	return false
}

// parseApp parses function application; `f a b` is one Call, and so is
// `(f a) b`, as in Nix.
func (p *parser) parseApp() ast.Expr {
	if !startsSelect(p.tok.t) {
		p.unexpected("")
	}
	// A cursed `x or` is no longer cursed as the function: read as an
	// identifier, `or` would be an argument of the same call.
	fn, _ := p.parseSelect()
	for startsSelect(p.tok.t) {
		arg, cursed := p.parseSelect()
		p.warnCursedOr(cursed)
		if c, ok := fn.(*ast.Call); ok {
			c.Args = append(c.Args, arg)
		} else {
			fn = &ast.Call{Fn: fn, Args: []ast.Expr{arg}}
		}
	}
	return fn
}

// parseSelect parses expr_select: `x.a.b`, `x.a.b or d`, and the call
// `x or` that Nix keeps for a function named `or`; for that call it also
// returns what the caller needs to warn about it (see warnCursedOr).
func (p *parser) parseSelect() (ast.Expr, *cursedOr) {
	start := p.tok.start
	x := p.parseSimple()
	switch p.tok.t {
	case scanner.DOT:
		p.next()
		path := p.parseAttrPath()
		sel := &ast.Select{X: x, Path: path}
		if p.tok.t == scanner.OR_KW {
			p.next()
			p.enter()
			if !startsSelect(p.tok.t) {
				p.unexpected("")
			}
			def, cursed := p.parseSelect()
			p.warnCursedOr(cursed)
			sel.Default = def
			p.leave()
		}
		sel.EndPos = p.pos(p.lastEnd())
		return sel, nil
	case scanner.OR_KW:
		orPos := p.pos(p.tok.start)
		end := p.tok.end
		p.next()
		return &ast.Call{Fn: x, Args: []ast.Expr{&ast.Var{NamePos: orPos, Name: "or"}}}, &cursedOr{start: start, end: end}
	}
	return x, nil
}

// lastEnd returns the end offset of the token before the current one.
func (p *parser) lastEnd() int { return p.prevEnd }

// parseAttrPath parses `a.b."c".${d}`.
func (p *parser) parseAttrPath() []ast.AttrName {
	path := make([]ast.AttrName, 0, 2)
	for {
		path = append(path, p.parseAttr())
		if p.tok.t != scanner.DOT {
			return path
		}
		p.next()
	}
}

// parseAttr parses one attribute name: an identifier, `or`, a string or
// `${e}`. A string without interpolation, or `${e}` whose e is such a
// string, is a static name.
func (p *parser) parseAttr() ast.AttrName {
	pos := p.pos(p.tok.start)
	switch p.tok.t {
	case scanner.ID, scanner.OR_KW:
		name := p.tok.str
		p.next()
		return ast.AttrName{NamePos: pos, Name: name}
	case scanner.QUOTE:
		e := p.parseString()
		if s, ok := e.(*ast.String); ok {
			return ast.AttrName{NamePos: pos, Name: s.Value}
		}
		return ast.AttrName{NamePos: pos, Expr: e}
	case scanner.DOLLAR_CURLY:
		p.next()
		e := p.parseExpr()
		p.expect(scanner.RBRACE, "'}'")
		if s, ok := e.(*ast.String); ok {
			return ast.AttrName{NamePos: pos, Name: s.Value}
		}
		return ast.AttrName{NamePos: pos, Expr: e}
	}
	p.unexpected(expectAttr)
	return ast.AttrName{}
}

// parseSimple parses expr_simple.
func (p *parser) parseSimple() ast.Expr {
	k := p.tok
	pos := p.pos(k.start)
	switch k.t {
	case scanner.ID:
		p.next()
		if k.str == "__curPos" {
			return &ast.CurPos{At: pos}
		}
		return &ast.Var{NamePos: pos, Name: k.str}
	case scanner.INT:
		p.next()
		return &ast.Int{ValuePos: pos, Value: k.ival}
	case scanner.FLOAT:
		p.next()
		return &ast.Float{ValuePos: pos, Value: k.fval}
	case scanner.QUOTE:
		return p.parseString()
	case scanner.IND_STRING_OPEN:
		return p.parseIndString()
	case scanner.PATH, scanner.HPATH:
		return p.parsePath()
	case scanner.SPATH:
		p.next()
		return &ast.Call{
			Fn: &ast.Var{NamePos: pos, Name: "__findFile"},
			Args: []ast.Expr{
				&ast.Var{NamePos: pos, Name: "__nixPath"},
				&ast.String{ValuePos: pos, Value: k.str[1 : len(k.str)-1]},
			},
		}
	case scanner.URI:
		p.lintURL(k)
		p.next()
		return &ast.String{ValuePos: pos, Value: k.str}
	case scanner.LPAREN:
		p.next()
		e := p.parseExpr()
		p.expect(scanner.RPAREN, "')'")
		return e
	case scanner.LET:
		p.next()
		p.expect(scanner.LBRACE, "'{'")
		attrs := &ast.Attrs{Lbrace: pos, Rec: true}
		p.parseBinds(attrs, scanner.RBRACE, "'inherit' or '}'")
		p.next()
		return &ast.Select{X: attrs, Path: []ast.AttrName{{NamePos: pos, Name: "body"}}, EndPos: p.pos(p.lastEnd())}
	case scanner.REC:
		p.next()
		p.expect(scanner.LBRACE, "'{'")
		attrs := &ast.Attrs{Lbrace: pos, Rec: true}
		p.parseBinds(attrs, scanner.RBRACE, "'inherit' or '}'")
		p.next()
		return attrs
	case scanner.LBRACE:
		p.next()
		attrs := &ast.Attrs{Lbrace: pos}
		if p.tok.t != scanner.RBRACE {
			p.parseBinds(attrs, scanner.RBRACE, "'inherit'")
		}
		p.next()
		return attrs
	case scanner.LBRACK:
		p.next()
		p.enter()
		defer p.leave()
		list := &ast.List{Lbrack: pos}
		for startsSelect(p.tok.t) {
			e, cursed := p.parseSelect()
			p.warnCursedOr(cursed)
			list.Elems = append(list.Elems, e)
		}
		if p.tok.t != scanner.RBRACK {
			p.unexpected("")
		}
		p.next()
		return list
	}
	p.unexpected("")
	return nil
}

// parseString parses "..." (the current token is the opening quote).
func (p *parser) parseString() ast.Expr {
	quote := p.tok.start
	p.next()
	var parts []ast.Expr
	interp := false
	partsStart := p.tok.start
	for {
		switch p.tok.t {
		case scanner.STR:
			parts = append(parts, &ast.String{ValuePos: p.pos(p.tok.start), Value: p.tok.str})
			p.next()
			continue
		case scanner.DOLLAR_CURLY:
			p.next()
			parts = append(parts, p.parseExpr())
			p.expect(scanner.RBRACE, "'}'")
			interp = true
			continue
		case scanner.QUOTE:
			p.next()
		default:
			p.unexpected("'\"'")
		}
		break
	}
	if !interp {
		if len(parts) == 0 {
			return &ast.String{ValuePos: p.pos(quote), Value: ""}
		}
		s := parts[0].(*ast.String)
		s.ValuePos = p.pos(quote)
		return s
	}
	return &ast.Interp{StartPos: p.pos(partsStart), Parts: parts}
}

// parsePath parses a path literal, with its interpolations.
func (p *parser) parsePath() ast.Expr {
	k := p.tok
	pos := p.pos(k.start)
	p.lintPath(k)
	var value string
	if k.t == scanner.HPATH {
		value = p.cfg.HomeDir + k.str[1:]
	} else {
		lit := k.str
		if strings.HasPrefix(lit, "/") {
			value = canonPath(lit)
		} else {
			value = canonPath(p.cfg.BaseDir + "/" + lit)
		}
		if len(lit) > 1 && lit[len(lit)-1] == '/' {
			value += "/"
		}
	}
	path := &ast.Path{ValuePos: pos, Value: value}
	p.next()
	if p.tok.t == scanner.PATH_END {
		p.next()
		return path
	}
	parts := []ast.Expr{path}
	if p.tok.t == scanner.STR {
		parts = append(parts, &ast.String{ValuePos: p.pos(p.tok.start), Value: p.tok.str})
		p.next()
		if p.tok.t != scanner.DOLLAR_CURLY {
			p.unexpected("'${'")
		}
	}
	for {
		switch p.tok.t {
		case scanner.STR:
			parts = append(parts, &ast.String{ValuePos: p.pos(p.tok.start), Value: p.tok.str})
			p.next()
			continue
		case scanner.DOLLAR_CURLY:
			p.next()
			parts = append(parts, p.parseExpr())
			p.expect(scanner.RBRACE, "'}'")
			continue
		case scanner.PATH_END:
			p.next()
		default:
			p.unexpected("")
		}
		break
	}
	return &ast.Interp{StartPos: pos, Parts: parts, IsPath: true}
}

// canonPath makes an absolute path canonical: no empty, "." or ".."
// components, no trailing slash ("/" stays "/").
func canonPath(path string) string {
	clean := true
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			if i+1 == len(path) && i > 0 {
				clean = false
				break
			}
			if i+1 < len(path) && (path[i+1] == '/' || path[i+1] == '.') {
				clean = false
				break
			}
		}
	}
	if clean && path != "" {
		return path
	}
	var b []byte
	for i := 0; i < len(path); {
		for i < len(path) && path[i] == '/' {
			i++
		}
		j := i
		for j < len(path) && path[j] != '/' {
			j++
		}
		seg := path[i:j]
		i = j
		switch seg {
		case "", ".":
		case "..":
			k := len(b)
			for k > 0 && b[k-1] != '/' {
				k--
			}
			if k > 0 {
				k--
			}
			b = b[:k]
		default:
			b = append(b, '/')
			b = append(b, seg...)
		}
	}
	if len(b) == 0 {
		return "/"
	}
	return string(b)
}
