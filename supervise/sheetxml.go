package supervise

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/conductbot/conductbot/workday"
)

// The workbook's data rows bypass excelize's StreamWriter, which keeps a 16 MB buffer per sheet in memory
// until the workbook is written (four sheets past it at 100,000 reports: 200–350 MB at the peak). excelize
// makes the workbook with each sheet's head (panes, widths, header row, dimension, table) and the rows are
// written here, as the sheet's XML, to a temporary file a sheet; when the workbook is written, each sheet's
// rows are copied from disk into its part between the header row and </sheetData>.

// sheetPart is one sheet of a table: excelize's stream (its head) and the file its rows go to.
type sheetPart struct {
	sw   *excelize.StreamWriter
	zip  string // the sheet's part in the package: xl/worksheets/sheetN.xml
	file *os.File
	w    *bufio.Writer
	cell []byte // reused for each cell's reference
}

func newSheetPart(sw *excelize.StreamWriter, index int, tmpDir string) (*sheetPart, error) {
	f, err := os.CreateTemp(tmpDir, "conductbot-sheet-")
	if err != nil {
		return nil, err
	}
	return &sheetPart{sw: sw, zip: fmt.Sprintf("xl/worksheets/sheet%d.xml", index), file: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// close removes the part's rows file.
func (p *sheetPart) close() {
	p.file.Close()
	os.Remove(p.file.Name())
}

// maxCellChars is Excel's limit of a cell's text (UTF-16 units); excelize cuts longer texts to it too.
const maxCellChars = 32767

// row writes one data row (row is 1-based, the header being 1) as excelize's StreamWriter would: numbers as
// numbers, days as date serials, texts inline.
func (p *sheetPart) row(row int, cells []any, style func(col int, v any) int) error {
	w := p.w
	r := strconv.Itoa(row)
	w.WriteString(`<row r="` + r + `">`)
	for c, v := range cells {
		p.cell = append(appendColumn(p.cell[:0], c+1), r...)
		w.WriteString(`<c r="`)
		w.Write(p.cell)
		w.WriteString(`" s="`)
		w.WriteString(strconv.Itoa(style(c, v)))
		switch x := v.(type) {
		case nil:
			w.WriteString(`"/>`)
			continue
		case int:
			w.WriteString(`"><v>` + strconv.Itoa(x) + `</v>`)
		case float64:
			w.WriteString(`"><v>` + strconv.FormatFloat(x, 'f', -1, 64) + `</v>`)
		case day:
			w.WriteString(`"><v>` + strconv.Itoa(dateSerial(workday.Date(x))) + `</v>`)
		default:
			s, ok := v.(string)
			if !ok {
				s = fmt.Sprint(v)
			}
			s = cutUTF16(s, maxCellChars)
			w.WriteString(`" t="inlineStr"><is><t`)
			if s != "" && (isSpace(s[0]) || isSpace(s[len(s)-1])) {
				w.WriteString(` xml:space="preserve"`)
			}
			w.WriteString(`>`)
			if err := escapeText(w, s); err != nil {
				return err
			}
			w.WriteString(`</t></is>`)
		}
		w.WriteString(`</c>`)
	}
	_, err := w.WriteString(`</row>`)
	return err
}

func isSpace(b byte) bool { return b == '\t' || b == '\n' || b == '\r' || b == ' ' }

// escapeText writes s escaped for XML, its line breaks kept as they are (as excelize writes them).
func escapeText(w io.Writer, s string) error {
	var buf bytes.Buffer
	if err := xml.EscapeText(&buf, []byte(s)); err != nil {
		return err
	}
	_, err := w.Write(bytes.ReplaceAll(buf.Bytes(), []byte("&#xA;"), []byte("\n")))
	return err
}

// cutUTF16 cuts s to at most n UTF-16 units.
func cutUTF16(s string, n int) string {
	if len(s) <= n {
		return s
	}
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}

// appendColumn appends the letters of the 1-based column col (A, B, … Z, AA …).
func appendColumn(b []byte, col int) []byte {
	var letters [4]byte
	i := len(letters)
	for col > 0 {
		col--
		i--
		letters[i] = byte('A' + col%26)
		col /= 26
	}
	return append(b, letters[i:]...)
}

// dateSerial is the day's serial number in the 1900 date system: days since 30 December 1899.
func dateSerial(d workday.Date) int {
	return int(d.Time(time.UTC).Sub(excelEpoch) / (24 * time.Hour))
}

var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// assemble writes the workbook in wb (as excelize wrote it) to w, each sheet part's rows copied into its part
// before </sheetData>; every other part is copied as it is, still compressed.
func assemble(w io.Writer, wb *os.File, parts []*sheetPart) error {
	st, err := wb.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(wb, st.Size())
	if err != nil {
		return err
	}
	byZip := map[string]*sheetPart{}
	for _, p := range parts {
		if err := p.w.Flush(); err != nil {
			return err
		}
		byZip[p.zip] = p
	}
	zw := zip.NewWriter(w)
	for _, e := range zr.File {
		p := byZip[e.Name]
		if p == nil {
			if err := zw.Copy(e); err != nil {
				return err
			}
			continue
		}
		head, err := readPart(e) // the sheet without its rows: a few kilobytes
		if err != nil {
			return err
		}
		at := bytes.LastIndex(head, []byte("</sheetData>"))
		if at < 0 {
			return fmt.Errorf("%s: no </sheetData>", e.Name)
		}
		pw, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: e.Modified})
		if err != nil {
			return err
		}
		if _, err := pw.Write(head[:at]); err != nil {
			return err
		}
		if _, err := p.file.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.Copy(pw, p.file); err != nil {
			return err
		}
		if _, err := pw.Write(head[at:]); err != nil {
			return err
		}
		delete(byZip, e.Name)
	}
	if len(byZip) > 0 {
		return fmt.Errorf("%d sheets not found in the workbook", len(byZip))
	}
	return zw.Close()
}

func readPart(e *zip.File) ([]byte, error) {
	r, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
