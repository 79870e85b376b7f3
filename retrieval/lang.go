package retrieval

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
)

// The engine's vocabularies — question forms, fillers, chat spellings, the words that place a question at work,
// the patterns of a clause named by its number — are general Chinese, for any code, kept as data in lang/*.txt
// (one file a stage: lang/lookup.txt, lang/question.txt, lang/scan.txt, lang/abstain.txt; lang/observe.txt for
// reading an inspector's description). The format, the same
// in every file:
//
//	# a comment (a whole line)
//	@NAME KIND     starts a list; its lines run to the next @ line
//
// KIND says how the lines are read:
//
//	words    words separated by spaces, in order (the order matters where the code says so)
//	chars    a set of characters, written together; spaces are ignored
//	regexp   one regular expression (RE2); its lines are joined with nothing between them, so a long one may be
//	         broken anywhere (best at a |); it may hold no space (write \s or \x20)
//	pairs    FROM TO pairs separated by spaces, in order (a replacement table)
//	table    one KEY VALUE a line
//
// A file is read once, at start; a mistake in it (an unknown kind, a list the code does not read, a list it
// reads missing, a bad regular expression) stops the program with the file and line, and TestLangFiles reads
// every file.

//go:embed lang/*.txt
var langFiles embed.FS

// langList is one list of a vocabulary file, as written.
type langList struct {
	kind  string
	line  int      // of its @ line
	lines []string // its lines, trimmed, without comments and blank lines
	nums  []int    // the line number of each of lines
}

// langFile is a vocabulary file read: its lists by name. Reading a list marks it used; done reports lists the
// code did not read.
type langFile struct {
	name  string
	lists map[string]*langList
	order []string
	used  map[string]bool
	err   error // the first error of reading a list
}

var langKinds = map[string]bool{"words": true, "chars": true, "regexp": true, "pairs": true, "table": true}

// parseLang reads a vocabulary file's lists.
func parseLang(name, src string) (*langFile, error) {
	f := &langFile{name: name, lists: map[string]*langList{}, used: map[string]bool{}}
	var cur *langList
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "@") {
			fs := strings.Fields(line[1:])
			if len(fs) != 2 || !langKinds[fs[1]] {
				return nil, fmt.Errorf("%s:%d: want @NAME KIND (KIND: words, chars, regexp, pairs or table)", name, i+1)
			}
			if _, dup := f.lists[fs[0]]; dup {
				return nil, fmt.Errorf("%s:%d: list %s given twice", name, i+1, fs[0])
			}
			cur = &langList{kind: fs[1], line: i + 1}
			f.lists[fs[0]] = cur
			f.order = append(f.order, fs[0])
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: a line before the first @NAME KIND", name, i+1)
		}
		cur.lines = append(cur.lines, line)
		cur.nums = append(cur.nums, i+1)
	}
	return f, nil
}

// list returns the named list, checking its kind; a mistake is kept for done.
func (f *langFile) list(name, kind string) *langList {
	l, ok := f.lists[name]
	switch {
	case !ok:
		f.fail(fmt.Errorf("%s: no list @%s %s", f.name, name, kind))
		return &langList{kind: kind}
	case l.kind != kind:
		f.fail(fmt.Errorf("%s:%d: @%s is read as %s, not %s", f.name, l.line, name, kind, l.kind))
		return &langList{kind: kind}
	case len(l.lines) == 0:
		f.fail(fmt.Errorf("%s:%d: @%s is empty", f.name, l.line, name))
	}
	f.used[name] = true
	return l
}

func (f *langFile) fail(err error) {
	if f.err == nil {
		f.err = err
	}
}

// words reads a words list.
func (f *langFile) words(name string) []string {
	var out []string
	for _, l := range f.list(name, "words").lines {
		out = append(out, strings.Fields(l)...)
	}
	return out
}

// chars reads a chars list.
func (f *langFile) chars(name string) string {
	return strings.Join(strings.Fields(strings.Join(f.list(name, "chars").lines, " ")), "")
}

// regexp reads a regexp list; groups is the number of capturing groups the code reads (-1: any).
func (f *langFile) regexp(name string, groups int) *regexp.Regexp {
	l := f.list(name, "regexp")
	for i, line := range l.lines {
		if strings.ContainsAny(line, " \t") {
			f.fail(fmt.Errorf("%s:%d: @%s: a space inside a regular expression (write \\s or \\x20)", f.name, l.nums[i], name))
		}
	}
	re, err := regexp.Compile(strings.Join(l.lines, ""))
	if err != nil {
		f.fail(fmt.Errorf("%s:%d: @%s: %w", f.name, l.line, name, err))
		return regexp.MustCompile(`$^`)
	}
	if groups >= 0 && re.NumSubexp() != groups {
		f.fail(fmt.Errorf("%s:%d: @%s has %d groups, the code reads %d", f.name, l.line, name, re.NumSubexp(), groups))
	}
	return re
}

// pairs reads a pairs list as strings.NewReplacer takes it: from, to, from, to….
func (f *langFile) pairs(name string) []string {
	l := f.list(name, "pairs")
	var out []string
	for i, line := range l.lines {
		fs := strings.Fields(line)
		if len(fs)%2 != 0 {
			f.fail(fmt.Errorf("%s:%d: @%s: want FROM TO pairs", f.name, l.nums[i], name))
			return nil
		}
		out = append(out, fs...)
	}
	return out
}

// table reads a table list: one key and one value a line, in order.
func (f *langFile) table(name string) [][2]string {
	l := f.list(name, "table")
	var out [][2]string
	for i, line := range l.lines {
		fs := strings.Fields(line)
		if len(fs) != 2 {
			f.fail(fmt.Errorf("%s:%d: @%s: want KEY VALUE", f.name, l.nums[i], name))
			return nil
		}
		out = append(out, [2]string{fs[0], fs[1]})
	}
	return out
}

// done returns the first mistake met while reading, or names a list the code did not read.
func (f *langFile) done() error {
	if f.err != nil {
		return f.err
	}
	for _, name := range f.order {
		if !f.used[name] {
			return fmt.Errorf("%s:%d: @%s is not read by the engine", f.name, f.lists[name].line, name)
		}
	}
	return nil
}

// readLang reads the embedded vocabulary file lang/NAME with read, which takes the lists it needs; a mistake is
// returned with the file and line.
func readLang[T any](name string, read func(*langFile) T) (T, error) {
	var zero T
	src, err := langFiles.ReadFile("lang/" + name)
	if err != nil {
		return zero, err
	}
	f, err := parseLang("lang/"+name, string(src))
	if err != nil {
		return zero, err
	}
	v := read(f)
	if err := f.done(); err != nil {
		return zero, err
	}
	return v, nil
}

// mustReadLang is readLang at start: the shipped files are part of the program, so a mistake is a panic.
func mustReadLang[T any](name string, read func(*langFile) T) T {
	v, err := readLang(name, read)
	if err != nil {
		panic(fmt.Sprintf("retrieval: %v", err))
	}
	return v
}
