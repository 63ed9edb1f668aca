package scanner

// Token is the kind of a lexical token.
type Token uint8

// The tokens of the Nix language. The names follow Nix's grammar; String
// returns the wording Nix uses in syntax errors.
const (
	EOF     Token = iota // end of file
	ILLEGAL              // a byte that starts no token ("invalid token")
	ERROR                // a lexical error; Scanner.ErrMsg says which

	ID       // identifier
	STR      // literal part of a string or path
	IND_STR  // literal part of an indented string
	INT      // integer literal
	FLOAT    // floating-point literal
	PATH     // path (or the first segment of an interpolated path)
	HPATH    // ~/ path
	SPATH    // <...> path
	PATH_END // end of an (interpolated) path; zero width
	URI      // URI literal

	IF
	THEN
	ELSE
	ASSERT
	WITH
	LET
	IN
	REC
	INHERIT
	EQ        // ==
	NEQ       // !=
	LEQ       // <=
	GEQ       // >=
	UPDATE    // //
	CONCAT    // ++
	AND       // &&
	OR        // ||
	IMPL      // ->
	OR_KW     // or
	PIPE_FROM // <|
	PIPE_INTO // |>

	DOLLAR_CURLY     // ${
	IND_STRING_OPEN  // ''
	IND_STRING_CLOSE // ''
	ELLIPSIS         // ...

	LT       // <
	GT       // >
	PLUS     // +
	MINUS    // -
	STAR     // *
	SLASH    // /
	QUESTION // ?
	COLON    // :
	AT       // @
	SEMI     // ;
	NOT      // !
	DOT      // .
	QUOTE    // "
	LPAREN   // (
	RPAREN   // )
	LBRACE   // {
	RBRACE   // }
	LBRACK   // [
	RBRACK   // ]
	ASSIGN   // =
	COMMA    // ,

	numTokens
)

var tokenNames = [numTokens]string{
	EOF:              "end of file",
	ILLEGAL:          "invalid token",
	ERROR:            "invalid token",
	ID:               "identifier",
	STR:              "string",
	IND_STR:          "indented string",
	INT:              "integer",
	FLOAT:            "floating-point literal",
	PATH:             "path",
	HPATH:            "'~/…' path",
	SPATH:            "'<…>' path",
	PATH_END:         "end of path",
	URI:              "URI",
	IF:               "'if'",
	THEN:             "'then'",
	ELSE:             "'else'",
	ASSERT:           "'assert'",
	WITH:             "'with'",
	LET:              "'let'",
	IN:               "'in'",
	REC:              "'rec'",
	INHERIT:          "'inherit'",
	EQ:               "'=='",
	NEQ:              "'!='",
	LEQ:              "'<='",
	GEQ:              "'>='",
	UPDATE:           "'//'",
	CONCAT:           "'++'",
	AND:              "'&&'",
	OR:               "'||'",
	IMPL:             "'->'",
	OR_KW:            "'or'",
	PIPE_FROM:        "'<|'",
	PIPE_INTO:        "'|>'",
	DOLLAR_CURLY:     "'${'",
	IND_STRING_OPEN:  "start of an indented string",
	IND_STRING_CLOSE: "end of an indented string",
	ELLIPSIS:         "'...'",
	LT:               "'<'",
	GT:               "'>'",
	PLUS:             "'+'",
	MINUS:            "'-'",
	STAR:             "'*'",
	SLASH:            "'/'",
	QUESTION:         "'?'",
	COLON:            "':'",
	AT:               "'@'",
	SEMI:             "';'",
	NOT:              "'!'",
	DOT:              "'.'",
	QUOTE:            "'\"'",
	LPAREN:           "'('",
	RPAREN:           "')'",
	LBRACE:           "'{'",
	RBRACE:           "'}'",
	LBRACK:           "'['",
	RBRACK:           "']'",
	ASSIGN:           "'='",
	COMMA:            "','",
}

// String returns the token's name as Nix's syntax errors spell it, e.g.
// "identifier", "'=='", "end of file".
func (t Token) String() string {
	if t < numTokens {
		return tokenNames[t]
	}
	return "invalid token"
}

// keyword returns the keyword token spelled s, or ID.
func keyword(s string) Token {
	switch s {
	case "if":
		return IF
	case "then":
		return THEN
	case "else":
		return ELSE
	case "assert":
		return ASSERT
	case "with":
		return WITH
	case "let":
		return LET
	case "in":
		return IN
	case "rec":
		return REC
	case "inherit":
		return INHERIT
	case "or":
		return OR_KW
	}
	return ID
}
