package main

import (
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/width"
)

// displayWidth is how many terminal columns s takes: a Chinese character (East Asian wide or full-width) two,
// others one.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// plural is "1 report", "2 reports".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// writeTable writes rows as columns aligned on the terminal, two spaces apart, Chinese counted double width
// (text/tabwriter counts a character as one column, which misaligns Chinese).
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		line := ""
		for i, c := range r {
			if i == len(r)-1 {
				line += c
				break
			}
			line += c + strings.Repeat(" ", widths[i]-displayWidth(c)+2)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
