package main

import (
	"strings"
	"testing"
)

// TestWriteTableAlignsChinese: columns line up on a terminal whatever mix of Chinese and ASCII they hold.
func TestWriteTableAlignsChinese(t *testing.T) {
	var b strings.Builder
	if err := writeTable(&b, [][]string{{"NO", "NAME", "STATUS"}, {"3", "不动产登记", "active"}, {"12", "社保", "inactive"}, {"5A", "公积金 (提取)", "active"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	col := -1
	for _, l := range lines {
		for _, word := range []string{"STATUS", "inactive", "active"} {
			if i := strings.Index(l, word); i >= 0 {
				if c := displayWidth(l[:i]); col == -1 {
					col = c
				} else if c != col {
					t.Fatalf("the third column starts at %d and %d:\n%s", col, c, b.String())
				}
				break
			}
		}
	}
	if displayWidth("不动产") != 6 || displayWidth("ab１") != 4 {
		t.Error("display widths")
	}
}
