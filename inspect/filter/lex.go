package filter

import "fmt"

// tokKind says what a token is.
type tokKind int

const (
	tEOF  tokKind = iota
	tWord         // a keyword, a number, an address or a name
	tOp           // punctuation: ( ) [ ] : and the operators
)

// token is one piece of an expression and where it starts.
type token struct {
	kind tokKind
	text string
	pos  int // byte offset in the expression
}

// operators lists the punctuation the lexer knows, longest first so that
// "<=" is taken before "<".
var operators = []string{
	"&&", "||", "!=", "==", "<=", ">=", "<<", ">>",
	"(", ")", "[", "]", ":", "!", "&", "|", "^", "+", "-", "*", "/",
	"%", "<", ">", "=", `\`,
}

// lex splits expr into tokens. A word is a run of letters, digits and
// the characters . _ - (and : outside brackets, for IPv6 addresses), as
// in tcpdump, so "tcp-syn", "10.0.0.1", "::1" and "3000-3010" are
// single words and a minus that subtracts needs spaces around it.
func lex(expr string) ([]token, error) {
	var toks []token
	depth := 0 // inside [ ], ':' separates an offset from a size
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isWordStart(c):
			j := i + 1
			for j < len(expr) && (isWordStart(expr[j]) || expr[j] == '-' ||
				expr[j] == ':' && depth == 0) {
				j++
			}
			// A word does not end with '-': "len-" is "len" and "-".
			for j > i+1 && expr[j-1] == '-' {
				j--
			}
			toks = append(toks, token{tWord, expr[i:j], i})
			i = j
			continue
		case c == ':' && depth == 0:
			// An IPv6 address may start with "::".
			j := i + 1
			for j < len(expr) && (isWordStart(expr[j]) || expr[j] == ':') {
				j++
			}
			toks = append(toks, token{tWord, expr[i:j], i})
			i = j
			continue
		}
		op := ""
		for _, o := range operators {
			if len(expr)-i >= len(o) && expr[i:i+len(o)] == o {
				op = o
				break
			}
		}
		if op == "" {
			return nil, &SyntaxError{Expr: expr, Pos: i,
				Msg: fmt.Sprintf("unexpected character %q", runeAt(expr, i))}
		}
		switch op {
		case "[":
			depth++
		case "]":
			depth = max(depth-1, 0)
		}
		toks = append(toks, token{tOp, op, i})
		i += len(op)
	}
	return append(toks, token{tEOF, "", len(expr)}), nil
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		c >= '0' && c <= '9' || c == '_' || c == '.'
}

// runeAt returns the character that starts at byte i of s.
func runeAt(s string, i int) rune {
	for _, r := range s[i:] {
		return r
	}
	return 0
}
