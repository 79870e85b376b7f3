package rules

import (
	_ "embed"
	"fmt"
)

// ShippedSource is the center's own code, 如皋市行政服务中心工作人员服务规范 (皋行服中心〔2012〕25号), cleaned of
// the web-page clutter it was found in.
//
//go:embed codes/rugao-2012.txt
var ShippedSource string

// Shipped parses the shipped code. It cannot fail unless the embedded file is broken, which the tests prevent.
func Shipped() *Code {
	code, err := Parse(ShippedSource)
	if err != nil {
		panic(fmt.Sprintf("rules: the shipped code does not parse: %v", err))
	}
	return code
}
