package sqlstore

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/conductbot/conductbot/rules"
)

// Reading a version's clauses decodes two small JSON values per clause (its path and its statements): at
// 10,000 clauses encoding/json's reflection took a third of a process's start. clauseDecoder reads the shapes
// the store writes (json.Marshal's on SQLite, jsonb's text on PostgreSQL: spaces, keys in any order) directly,
// and hands anything else (an unknown key, null, a string with escapes) to encoding/json, so that the result is
// always what json.Unmarshal gives.
type clauseDecoder struct {
	// interned holds the strings seen in paths and titles: a code's clauses share a few section titles.
	interned map[string]string
}

func newClauseDecoder() *clauseDecoder {
	return &clauseDecoder{interned: make(map[string]string)}
}

// intern returns b as a string, the same string for the same bytes.
func (d *clauseDecoder) intern(b []byte) string {
	if s, ok := d.interned[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	d.interned[s] = s
	return s
}

// path decodes a clause's path ([]string).
func (d *clauseDecoder) path(b []byte) ([]string, error) {
	if p, ok := d.fastPath(b); ok {
		return p, nil
	}
	var p []string
	err := json.Unmarshal(b, &p)
	return p, err
}

// statements decodes a clause's statements ([]rules.Statement).
func (d *clauseDecoder) statements(b []byte) ([]rules.Statement, error) {
	if st, ok := d.fastStatements(b); ok {
		return st, nil
	}
	var st []rules.Statement
	err := json.Unmarshal(b, &st)
	return st, err
}

// jsonCursor reads JSON tokens from b; every method reports false on anything it does not read itself.
type jsonCursor struct{ b []byte }

func (c *jsonCursor) space() {
	for len(c.b) > 0 && (c.b[0] == ' ' || c.b[0] == '\t' || c.b[0] == '\n' || c.b[0] == '\r') {
		c.b = c.b[1:]
	}
}

// punct consumes the byte p after optional spaces.
func (c *jsonCursor) punct(p byte) bool {
	c.space()
	if len(c.b) > 0 && c.b[0] == p {
		c.b = c.b[1:]
		return true
	}
	return false
}

// str returns the bytes of a string without escapes (valid UTF-8, no control characters), without its quotes.
func (c *jsonCursor) str() ([]byte, bool) {
	c.space()
	if len(c.b) == 0 || c.b[0] != '"' {
		return nil, false
	}
	for i := 1; i < len(c.b); i++ {
		switch ch := c.b[i]; {
		case ch == '"':
			s := c.b[1:i]
			if !utf8.Valid(s) {
				return nil, false // encoding/json replaces invalid bytes
			}
			c.b = c.b[i+1:]
			return s, true
		case ch == '\\' || ch < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// end reports whether only spaces are left.
func (c *jsonCursor) end() bool {
	c.space()
	return len(c.b) == 0
}

// array calls item for each element of an array, which item reads; false when the array is not read to its end.
func (c *jsonCursor) array(item func() bool) bool {
	if !c.punct('[') {
		return false
	}
	if c.punct(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if c.punct(']') {
			return true
		}
		if !c.punct(',') {
			return false
		}
	}
}

func (d *clauseDecoder) fastPath(b []byte) ([]string, bool) {
	c := &jsonCursor{b: b}
	p := []string{}
	ok := c.array(func() bool {
		s, ok := c.str()
		if ok {
			p = append(p, d.intern(s))
		}
		return ok
	})
	if !ok || !c.end() {
		return nil, false
	}
	return p, true
}

func (d *clauseDecoder) fastStatements(b []byte) ([]rules.Statement, bool) {
	c := &jsonCursor{b: b}
	st := []rules.Statement{}
	ok := c.array(func() bool {
		var s rules.Statement
		if !c.punct('{') {
			return false
		}
		if c.punct('}') {
			st = append(st, s)
			return true
		}
		for {
			key, ok := c.str()
			if !ok || !c.punct(':') {
				return false
			}
			val, ok := c.str()
			if !ok {
				return false
			}
			switch string(key) {
			case "text":
				s.Text = string(val)
			case "modality":
				s.Modality = modality(val)
			default:
				return false // encoding/json matches keys without regard to case; leave it to it
			}
			if c.punct('}') {
				st = append(st, s)
				return true
			}
			if !c.punct(',') {
				return false
			}
		}
	})
	if !ok || !c.end() {
		return nil, false
	}
	return st, true
}

// modality returns the constant spelled b, without allocating for the known ones.
func modality(b []byte) rules.Modality {
	for _, m := range [...]rules.Modality{rules.None, rules.Prohibited, rules.Required, rules.Encouraged, rules.Permitted} {
		if string(m) == string(b) {
			return m
		}
	}
	return rules.Modality(b)
}
