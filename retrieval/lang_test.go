package retrieval

import (
	"io/fs"
	"strings"
	"testing"
)

// TestLangFiles reads every shipped vocabulary file the way the engine does: each parses, each list has the kind
// the engine reads it as, no list is missing or left unread, and no file in lang/ goes unread.
func TestLangFiles(t *testing.T) {
	readers := map[string]func() error{
		"question.txt": func() error { _, err := readLang("question.txt", readQuestionLang); return err },
		"lookup.txt":   func() error { _, err := readLang("lookup.txt", readLookupLang); return err },
		"abstain.txt":  func() error { _, err := readLang("abstain.txt", readAbstainLang); return err },
		"scan.txt":     func() error { _, err := readLang("scan.txt", readScanLang); return err },
		"observe.txt":  func() error { _, err := readLang("observe.txt", readObserveLang); return err },
	}
	files, err := fs.Glob(langFiles, "lang/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(readers) {
		t.Errorf("lang/ holds %v; the engine reads %d files", files, len(readers))
	}
	for _, path := range files {
		name := strings.TrimPrefix(path, "lang/")
		read, ok := readers[name]
		if !ok {
			t.Errorf("%s: no reader", path)
			continue
		}
		if err := read(); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// TestQuestionLangLists checks properties analyze relies on: an A-not-A form is taken before any form it
// contains, and every A-not-A form asks permission or obligation.
func TestQuestionLangLists(t *testing.T) {
	w, err := readLang("question.txt", readQuestionLang)
	if err != nil {
		t.Fatal(err)
	}
	order := sortedForms(w.aNotA)
	for i, f := range order {
		for _, g := range order[:i] {
			if strings.Contains(f, g) {
				t.Errorf("A-not-A form %s is taken after %s, which it contains", f, g)
			}
		}
		if k := w.aNotA[f]; k != askPermission && k != askObligation {
			t.Errorf("A-not-A form %s asks %d", f, k)
		}
	}
	if len(w.rule) == 0 || len(w.filler) == 0 || w.negation == "" {
		t.Errorf("empty lists: rule %d, filler %d, negation %q", len(w.rule), len(w.filler), w.negation)
	}
}

// TestParseLangMistakes: a mistake in a vocabulary file is reported with the file and the line.
func TestParseLangMistakes(t *testing.T) {
	read := func(f *langFile) []string {
		out := f.words("w")
		out = append(out, f.regexp("r", 1).String(), f.chars("c"))
		f.pairs("p")
		f.table("t")
		return out
	}
	good := "# head\n@w words\na b\n@r regexp\n(x)\n@c chars\nxy\n@p pairs\na b\n@t table\nk v\n"
	if f, err := parseLang("x.txt", good); err != nil {
		t.Fatalf("good file: %v", err)
	} else if got := read(f); f.done() != nil || strings.Join(got, ",") != "a,b,(x),xy" {
		t.Fatalf("good file read as %v, %v", got, f.done())
	}
	tests := []struct {
		name, src, want string
	}{
		{"line before a list", "a b\n@w words\n", "x.txt:1:"},
		{"unknown kind", "@w list\n", "x.txt:1:"},
		{"list twice", "@w words\na\n@w words\nb\n", "x.txt:3:"},
		{"wrong kind", strings.Replace(good, "@w words", "@w chars", 1), "x.txt:2: @w is read as words"},
		{"missing list", strings.Replace(good, "@c chars\nxy\n", "", 1), "no list @c"},
		{"empty list", strings.Replace(good, "@c chars\nxy\n", "@c chars\n", 1), "x.txt:6: @c is empty"},
		{"unread list", good + "@z words\nq\n", "x.txt:12: @z is not read"},
		{"bad regexp", strings.Replace(good, "(x)", "(x", 1), "x.txt:4: @r"},
		{"space in regexp", strings.Replace(good, "(x)", "(x )", 1), "x.txt:5: @r: a space"},
		{"groups", strings.Replace(good, "(x)", "x", 1), "x.txt:4: @r has 0 groups, the code reads 1"},
		{"odd pairs", strings.Replace(good, "a b\n@t", "a b c\n@t", 1), "x.txt:9: @p"},
		{"table row", strings.Replace(good, "k v", "k v w", 1), "x.txt:11: @t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseLang("x.txt", tt.src)
			if err == nil {
				read(f)
				err = f.done()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}
