package rules

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sync"
)

// packFiles holds the packs: one folder a code under rules/codes, each with the code and what is built from it.
//
//go:embed codes
var packFiles embed.FS

// A Pack is everything that ships with one code: the code itself and what is written for it. Nothing in a pack
// is used for another code: a code is matched to its pack by identity (PackOf), and every file but code.txt
// may be missing (then what it would hold is derived from the code by its user).
type Pack struct {
	Name      string // the folder, e.g. rugao-2012
	Code      string // code.txt: the source, in the format rules.Parse reads
	Words     string // words.txt: the code's own word list, in the format of retrieval/thesaurus.txt
	Readings  string // readings.txt: one-line readings of clauses (remind.ParseReadings)
	Quiz      string // quiz.txt: the question bank of 每日一题 (remind.ParseQuiz)
	Checklist string // checklist.txt: the inspectors' default checklist (inspect.ParseItems)

	parsed *Code
}

// Parsed returns the pack's code, parsed once and shared: callers must not modify it.
func (p *Pack) Parsed() *Code { return p.parsed }

// Packs lists the embedded packs in the order of their folder names.
func Packs() []*Pack { return loadPacks() }

// PackOf returns the pack of code, found by identity (title and document number), or nil when none ships with
// it: an import of the same code gets its pack; a revision under a new document number has none, since nothing
// written for the old text may be taken to hold for the new one.
func PackOf(code *Code) *Pack {
	if code == nil || code.Title == "" {
		return nil
	}
	for _, p := range loadPacks() {
		if p.parsed.Title == code.Title && p.parsed.DocNumber == code.DocNumber {
			return p
		}
	}
	return nil
}

var loadPacks = sync.OnceValue(func() []*Pack {
	ps, err := readPacks(packFiles, "codes")
	if err != nil {
		panic("rules: " + err.Error()) // the embedded files are broken; the tests prevent it
	}
	return ps
})

// readPacks reads every folder under dir of fsys as a pack.
func readPacks(fsys fs.FS, dir string) ([]*Pack, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("packs: %w", err)
	}
	var out []*Pack
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := &Pack{Name: e.Name()}
		files := []struct {
			name     string
			into     *string
			required bool
		}{
			{"code.txt", &p.Code, true},
			{"words.txt", &p.Words, false},
			{"readings.txt", &p.Readings, false},
			{"quiz.txt", &p.Quiz, false},
			{"checklist.txt", &p.Checklist, false},
		}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, path.Join(dir, e.Name(), f.name))
			switch {
			case err == nil:
				*f.into = string(b)
			case f.required || !errors.Is(err, fs.ErrNotExist):
				return nil, fmt.Errorf("pack %s: %w", e.Name(), err)
			}
		}
		if p.parsed, err = Parse(p.Code); err != nil {
			return nil, fmt.Errorf("pack %s: code.txt: %w", e.Name(), err)
		}
		out = append(out, p)
	}
	return out, nil
}
