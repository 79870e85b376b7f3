package rules

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestShippedPack: the shipped code has its pack, with every file, and the pack's code is the shipped code.
func TestShippedPack(t *testing.T) {
	p := PackOf(Shipped())
	if p == nil {
		t.Fatal("the shipped code has no pack")
	}
	if p.Name != "rugao-2012" || p.Code != ShippedSource {
		t.Errorf("pack %q: its code is not ShippedSource", p.Name)
	}
	for name, text := range map[string]string{"words": p.Words, "readings": p.Readings, "quiz": p.Quiz, "checklist": p.Checklist} {
		if strings.TrimSpace(text) == "" {
			t.Errorf("the shipped pack has no %s", name)
		}
	}
	if Words(Shipped()) != p.Words {
		t.Error("Words(Shipped()) is not the pack's word list")
	}
	found := false
	for _, q := range Packs() {
		found = found || q == p
	}
	if !found {
		t.Error("Packs() does not list the shipped pack")
	}
}

// TestPackOfIdentity: a pack belongs to a code by title and document number, not by its text: the same code
// reworded keeps its pack, a revision under a new number or another code has none.
func TestPackOfIdentity(t *testing.T) {
	reworded, err := Parse(strings.Replace(ShippedSource, "不留胡须", "不留长胡须", 1))
	if err != nil {
		t.Fatal(err)
	}
	renumbered := Shipped()
	renumbered.DocNumber = "皋行服中心〔2025〕3号"
	other, err := Parse("某中心服务规范\n\n一、服务\n（一）语言\n1、要讲普通话。\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		code *Code
		want bool
	}{
		{"the same code reworded", reworded, true},
		{"a revision under a new number", renumbered, false},
		{"another code", other, false},
		{"no code", nil, false},
	} {
		if got := PackOf(tc.code) != nil; got != tc.want {
			t.Errorf("%s: has a pack = %v, want %v", tc.name, got, tc.want)
		}
		if got := Words(tc.code) != ""; got != tc.want {
			t.Errorf("%s: has words = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReadPacks: a folder without code.txt is an error; the other files are optional.
func TestReadPacks(t *testing.T) {
	fsys := fstest.MapFS{
		"codes/a/code.txt":  {Data: []byte("某中心服务规范\n\n一、服务\n（一）语言\n1、要讲普通话。\n")},
		"codes/a/words.txt": {Data: []byte("普通话 = 国语\n")},
		"codes/readme.md":   {Data: []byte("not a pack")},
	}
	ps, err := readPacks(fsys, "codes")
	if err != nil || len(ps) != 1 || ps[0].Words == "" || ps[0].Quiz != "" || ps[0].Parsed().Title != "某中心服务规范" {
		t.Fatalf("readPacks = %+v, %v", ps, err)
	}
	fsys["codes/b/words.txt"] = &fstest.MapFile{Data: []byte("x = y\n")}
	if _, err := readPacks(fsys, "codes"); err == nil {
		t.Error("a pack without code.txt was read")
	}
}
