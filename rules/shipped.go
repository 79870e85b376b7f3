package rules

import (
	_ "embed"
	"fmt"
	"sync"
)

// ShippedSource is the center's own code, 如皋市行政服务中心工作人员服务规范 (皋行服中心〔2012〕25号), cleaned of
// the web-page clutter it was found in.
//
//go:embed codes/rugao-2012.txt
var ShippedSource string

// shippedWords is the shipped code's pack: its own everyday words, in the format of the retrieval thesaurus.
//
//go:embed codes/rugao-2012.words.txt
var shippedWords string

// Words returns the word list of the pack that ships with a code (the words its staff use for what it names),
// or "" when none does. A code is known by its title and document number: an import of the same code gets its
// pack; a revision under a new number starts without one.
func Words(c *Code) string {
	shipped := shippedIdentity()
	if c != nil && c.Title == shipped.Title && c.DocNumber == shipped.DocNumber {
		return shippedWords
	}
	return ""
}

var shippedIdentity = sync.OnceValue(func() *Code { return Shipped() })

// Shipped parses the shipped code. It cannot fail unless the embedded file is broken, which the tests prevent.
func Shipped() *Code {
	code, err := Parse(ShippedSource)
	if err != nil {
		panic(fmt.Sprintf("rules: the shipped code does not parse: %v", err))
	}
	return code
}
