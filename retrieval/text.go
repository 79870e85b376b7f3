package retrieval

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// maxQuestionRunes bounds the part of a question that retrieval reads; a 10,000-character paste is answered from
// its beginning rather than refused.
const maxQuestionRunes = 300

// normalize folds full-width forms to their narrow ones, lower-cases Latin letters, turns every run of
// punctuation, symbols, emoji and control characters into one space, and trims.
func normalize(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true
	n := 0
	for _, r := range s {
		if n >= maxQuestionRunes {
			break
		}
		n++
		switch {
		case isHan(r) || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case r == '±' || r == '×':
			b.WriteRune(r)
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// segments splits normalized text into runs of Han characters and runs of other letters and digits.
func segments(s string) []string {
	var out []string
	start, kind := -1, 0
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, s[start:end])
		}
		start = -1
	}
	for i, r := range s {
		k := 0
		switch {
		case r == ' ':
			k = 0
		case isHan(r):
			k = 1
		default:
			k = 2
		}
		if k != kind {
			flush(i)
			if k != 0 {
				start = i
			}
			kind = k
		}
	}
	flush(len(s))
	return out
}

// grams returns the character unigrams and bigrams of Han segments, and whole words of other segments.
// Unigrams carry the prefix "1:" so they never collide with a two-letter word.
func grams(s string, withUnigrams bool) []string {
	var out []string
	for _, seg := range segments(s) {
		r, _ := utf8.DecodeRuneInString(seg)
		if !isHan(r) {
			out = append(out, seg)
			continue
		}
		rs := []rune(seg)
		for i := range rs {
			if withUnigrams {
				out = append(out, "1:"+string(rs[i]))
			}
			if i+1 < len(rs) {
				out = append(out, string(rs[i:i+2]))
			}
		}
	}
	return out
}

// maxTermQuote is the longest quotation that is a term of the code (“三个一样”, “一口清”, “中心”) rather than an
// example of speech (“我不管，问别人去”).
const maxTermQuote = 6

// stripQuotes separates the code's quoted examples from its own words: the examples (“我不管，问别人去”) are
// weaker evidence than the code's own wording. Short quotations are terms and stay with the own words.
func stripQuotes(s string) (outside, inside string) {
	var o, in, cur strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '“', '「', '『':
			if depth == 0 {
				cur.Reset()
			}
			depth++
			continue
		case '”', '」', '』':
			if depth > 0 {
				depth--
				if depth == 0 {
					if q := cur.String(); utf8.RuneCountInString(q) <= maxTermQuote {
						o.WriteString(q)
					} else {
						in.WriteString(q)
						in.WriteByte(' ')
						o.WriteByte(' ')
					}
				}
			}
			continue
		}
		if depth > 0 {
			cur.WriteRune(r)
		} else {
			o.WriteRune(r)
		}
	}
	if depth > 0 { // an unclosed quotation: keep its text as the code's own
		o.WriteString(cur.String())
	}
	return o.String(), in.String()
}

func textHash(s string) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return fmt.Sprintf("%016x", h)
}
