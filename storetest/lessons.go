package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/conductbot/conductbot/rules"
)

// LessonStore keeps the lessons of code versions (sqlstore/lessons.go).
type LessonStore interface {
	PutLessons(ctx context.Context, lessons []rules.Lesson) (int, error)
	Lessons(ctx context.Context, versionID int64) ([]rules.Lesson, error)
	ModelLessons(ctx context.Context, clauseHashes []string) ([]rules.Lesson, error)
}

// TestLessons checks LessonStore: lessons are kept per version and clause, once each, in document order; the
// model's are found again by clause hash under a later version; a lesson of a clause the version lacks fails.
func TestLessons(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	v1, _, err := s.PutCode(ctx, sampleCode(), "v1", t0)
	if err != nil {
		t.Fatal(err)
	}
	hash := func(v *rules.Version, id string) string {
		c, ok := v.Code.Clause(id)
		if !ok {
			t.Fatalf("no clause %s", id)
		}
		return rules.TextHash(c.Text)
	}
	at := t0.Add(time.Minute)
	put := []rules.Lesson{
		{VersionID: v1.ID, ClauseID: "2.1", Text: "上班能喝点啤酒吗", Source: rules.LessonModel, ClauseHash: hash(v1, "2.1"), CreatedAt: at},
		{VersionID: v1.ID, ClauseID: "1.1.2", Text: "能留胡子吗", Source: rules.LessonModel, ClauseHash: hash(v1, "1.1.2"), CreatedAt: at},
		{VersionID: v1.ID, ClauseID: "1.1.2", Text: "  头发能染成红色吗 ", Source: rules.LessonAdmin, ClauseHash: hash(v1, "1.1.2"), CreatedAt: at.Add(time.Second)},
	}
	if n, err := s.PutLessons(ctx, put); err != nil || n != 3 {
		t.Fatalf("PutLessons = %d, %v; want 3 new", n, err)
	}
	// The same lessons again (and one new) add only the new one.
	again := append(put[:1:1], rules.Lesson{VersionID: v1.ID, ClauseID: "2.1", Text: "中午喝酒行吗", Source: rules.LessonAdmin, ClauseHash: hash(v1, "2.1")})
	if n, err := s.PutLessons(ctx, again); err != nil || n != 1 {
		t.Fatalf("PutLessons again = %d, %v; want 1 new", n, err)
	}
	got, err := s.Lessons(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, l := range got {
		texts = append(texts, l.ClauseID+" "+l.Source+" "+l.Text)
	}
	want := []string{"1.1.2 model 能留胡子吗", "1.1.2 admin 头发能染成红色吗", "2.1 model 上班能喝点啤酒吗", "2.1 admin 中午喝酒行吗"}
	if len(texts) != len(want) {
		t.Fatalf("Lessons = %q, want %q", texts, want)
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Fatalf("Lessons = %q, want %q", texts, want)
		}
	}
	if !got[0].CreatedAt.Equal(at.Truncate(time.Microsecond)) || got[0].VersionID != v1.ID || got[0].ClauseHash != hash(v1, "1.1.2") {
		t.Errorf("lesson read back as %+v", got[0])
	}
	if got[3].CreatedAt.IsZero() {
		t.Errorf("a lesson without a time got none")
	}

	// A clause the version lacks: nothing of the call is stored.
	bad := []rules.Lesson{
		{VersionID: v1.ID, ClauseID: "2.1", Text: "新的问题", Source: rules.LessonAdmin, ClauseHash: "x"},
		{VersionID: v1.ID, ClauseID: "9.9", Text: "没有这条", Source: rules.LessonAdmin, ClauseHash: "x"},
	}
	if _, err := s.PutLessons(ctx, bad); err == nil {
		t.Errorf("a lesson of a clause the version lacks was stored")
	}
	for _, l := range []rules.Lesson{{VersionID: v1.ID, ClauseID: "2.1", Text: " ", Source: rules.LessonAdmin},
		{VersionID: v1.ID, ClauseID: "2.1", Text: "问题", Source: "guess"}} {
		if _, err := s.PutLessons(ctx, []rules.Lesson{l}); err == nil {
			t.Errorf("PutLessons(%+v) succeeded", l)
		}
	}
	if got, _ := s.Lessons(ctx, v1.ID); len(got) != 4 {
		t.Errorf("after failed calls, %d lessons; want 4", len(got))
	}

	// A new version keeping 2.1's text: the model's lesson is found by the hash, the admin's is not.
	v2, _, err := s.PutCode(ctx, changedCode(1), "v2", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Lessons(ctx, v2.ID); len(l) != 0 {
		t.Errorf("a new version has %d lessons", len(l))
	}
	cached, err := s.ModelLessons(ctx, []string{hash(v2, "2.1"), hash(v2, "2.2")})
	if err != nil {
		t.Fatal(err)
	}
	if len(cached) != 1 || cached[0].Text != "上班能喝点啤酒吗" || cached[0].Source != rules.LessonModel {
		t.Errorf("ModelLessons = %+v; want the model's lesson of 2.1 only", cached)
	}
	if none, err := s.ModelLessons(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("ModelLessons(nil) = %v, %v", none, err)
	}
}
