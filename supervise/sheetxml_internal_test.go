package supervise

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/workday"
)

// TestSheetRowXML: a data row is written as excelize writes cells: numbers as values, days as date serials,
// texts inline and escaped, with xml:space where white space at either end matters, cut at Excel's limit.
func TestSheetRowXML(t *testing.T) {
	var buf bytes.Buffer
	p := &sheetPart{w: bufio.NewWriter(&buf)}
	style := func(c int, _ any) int { return c + 1 }
	long := strings.Repeat("长", maxCellChars+5)
	cells := []any{3, 0.5, day(workday.MustDate("2026-11-03")), nil, "a<b & c>\n第二行", " 前后空格 ", long, "3A"}
	if err := p.row(27, cells, style); err != nil {
		t.Fatal(err)
	}
	p.w.Flush()
	want := `<row r="27"><c r="A27" s="1"><v>3</v></c><c r="B27" s="2"><v>0.5</v></c><c r="C27" s="3"><v>46329</v></c>` +
		`<c r="D27" s="4"/><c r="E27" s="5" t="inlineStr"><is><t>a&lt;b &amp; c&gt;` + "\n" + `第二行</t></is></c>` +
		`<c r="F27" s="6" t="inlineStr"><is><t xml:space="preserve"> 前后空格 </t></is></c>` +
		`<c r="G27" s="7" t="inlineStr"><is><t>` + strings.Repeat("长", maxCellChars) + `</t></is></c>` +
		`<c r="H27" s="8" t="inlineStr"><is><t>3A</t></is></c></row>`
	if got := buf.String(); got != want {
		t.Fatalf("row:\n%.300s\nwant\n%.300s", got, want)
	}
	for col, name := range map[int]string{1: "A", 26: "Z", 27: "AA", 52: "AZ", 703: "AAA"} {
		if got := string(appendColumn(nil, col)); got != name {
			t.Errorf("column %d: %s, want %s", col, got, name)
		}
	}
}
