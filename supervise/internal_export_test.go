package supervise

import "testing"

// FontData is the embedded chart font, for the tests of package supervise_test.
func FontData() []byte { return fontData }

// SetSheetRows makes a sheet hold n data rows until the test ends (Excel's limit, small).
func SetSheetRows(t testing.TB, n int) {
	old := sheetRows
	sheetRows = n
	t.Cleanup(func() { sheetRows = old })
}
