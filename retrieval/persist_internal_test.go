package retrieval

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/conductbot/conductbot/rules"
)

// builtIndex builds the lexicon and offline embedder of code as buildIndex does when nothing is stored.
func builtIndex(t *testing.T, code *rules.Code, ls lessonSet) (*lexicon, *OfflineEmbedder, *Thesaurus) {
	t.Helper()
	th, err := ShippedThesaurus().With(rules.Words(code))
	if err != nil {
		t.Fatal(err)
	}
	lx := newLexicon(code, th, ls)
	corpus := make([]string, len(code.Clauses))
	for i, c := range code.Clauses {
		corpus[i] = embedText(c)
	}
	return lx, NewOfflineEmbedder(th, corpus), th
}

// TestStoredIndexRoundTrip holds a loaded index to the one built: every table, and every document once
// prepared, is what newLexicon made, and the embedder embeds alike.
func TestStoredIndexRoundTrip(t *testing.T) {
	code := rules.Shipped()
	ls := newLessonSet(code, []rules.Lesson{
		{ClauseID: code.Clauses[3].ID, Text: "上班时间能不能打游戏", Source: rules.LessonAdmin},
		{ClauseID: code.Clauses[7].ID, Text: "头发乱糟糟的可以吗", Source: rules.LessonModel},
	})
	for _, c := range []struct {
		name string
		ls   lessonSet
	}{{"without lessons", lessonSet{}}, {"with lessons", ls}} {
		t.Run(c.name, func(t *testing.T) {
			built, emb, th := builtIndex(t, code, c.ls)
			data := encodeIndex(built, emb)
			loaded, lemb, err := decodeIndex(data, code, th)
			if err != nil {
				t.Fatal(err)
			}
			loaded.lessons = c.ls
			for name, pair := range map[string][2]any{
				"post": {built.post, loaded.post}, "idf": {built.idf, loaded.idf}, "bigram": {built.bigram, loaded.bigram},
				"formal": {built.formal, loaded.formal}, "topic": {built.topic, loaded.topic},
				"avgLen": {built.avgLen, loaded.avgLen}, "maxIDF": {built.maxIDF, loaded.maxIDF},
				"embedder idf": {emb.idf, lemb.idf}, "model": {emb.model, lemb.model}, "unknown": {emb.unknown, lemb.unknown},
			} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("%s differs after loading", name)
				}
			}
			topics := 0
			for i := range built.docs {
				b, l := &built.docs[i], loaded.doc(i)
				if b.length != l.length || b.penalty != l.penalty || b.norm != l.norm || !reflect.DeepEqual(b.clause, l.clause) ||
					!reflect.DeepEqual(b.tf, l.tf) || !reflect.DeepEqual(b.stmts, l.stmts) || !reflect.DeepEqual(b.topic, l.topic) {
					t.Fatalf("document %d (%s) differs after loading", i, b.clause.ID)
				}
				topics += len(b.topic)
			}
			if topics == 0 {
				t.Fatal("no document has topics: the test checks nothing of them")
			}
			texts := []string{"中午太困了能在窗口趴一会吗", "上班能穿拖鞋吗", embedText(code.Clauses[0])}
			want, _ := emb.Embed(context.Background(), texts)
			got, _ := lemb.Embed(context.Background(), texts)
			if !reflect.DeepEqual(got, want) {
				t.Error("the loaded embedder embeds otherwise")
			}
		})
	}
}

// TestStoredIndexRejectsDamage checks that a truncated, altered or foreign index is an error, never a panic nor
// a lexicon that reads out of range later.
func TestStoredIndexRejectsDamage(t *testing.T) {
	code := rules.Shipped()
	built, emb, th := builtIndex(t, code, lessonSet{})
	data := encodeIndex(built, emb)
	if _, _, err := decodeIndex(data, code, th); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 3, len(data) / 3, len(data) / 2, len(data) - 1} {
		if _, _, err := decodeIndex(data[:n], code, th); err == nil {
			t.Errorf("a prefix of %d bytes of %d decoded", n, len(data))
		}
	}
	other := &rules.Code{Clauses: code.Clauses[1:]}
	if _, _, err := decodeIndex(data, other, th); err == nil {
		t.Error("an index decoded for a code of another size")
	}
	old := append([]byte(nil), data...)
	copy(old[1:], "ix2")
	if _, _, err := decodeIndex(old, code, th); err == nil {
		t.Error("an index of the older format decoded")
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 150 {
		bad := append([]byte(nil), data...)
		for range 1 + r.IntN(4) {
			bad[r.IntN(len(bad))] = byte(r.Uint32())
		}
		lx, _, err := decodeIndex(bad, code, th)
		if err != nil {
			continue
		}
		for i := range lx.docs { // an altered byte that still decodes must not make a document panic
			lx.doc(i)
		}
	}
}
