package rules

import (
	_ "embed"
	"fmt"
)

// ShippedSource is the center's own code, 如皋市行政服务中心工作人员服务规范 (皋行服中心〔2012〕25号), cleaned of
// the web-page clutter it was found in. It is the code of the pack rules/codes/rugao-2012.
//
//go:embed codes/rugao-2012/code.txt
var ShippedSource string

// Words returns the word list of the pack that ships with a code (the words its staff use for what it names),
// or "" when none does. A code is known by its title and document number (PackOf): an import of the same code
// gets its pack; a revision under a new number starts without one.
func Words(c *Code) string {
	if p := PackOf(c); p != nil {
		return p.Words
	}
	return ""
}

// Shipped parses the shipped code. It cannot fail unless the embedded file is broken, which the tests prevent.
func Shipped() *Code {
	code, err := Parse(ShippedSource)
	if err != nil {
		panic(fmt.Sprintf("rules: the shipped code does not parse: %v", err))
	}
	return code
}
