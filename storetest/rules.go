package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/rules"
)

// benchTime is the import time of the benchmarks' codes.
var benchTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// t0 has nanoseconds on purpose: both stores keep microseconds.
var t0 = time.Date(2024, 3, 1, 9, 30, 0, 123456789, time.UTC)

// sampleCode is a small code with every field set. Its clause IDs are in document order, which is not the
// order of their strings ("1.10" after "1.2").
func sampleCode() *rules.Code {
	return &rules.Code{
		Title:     "政务服务中心窗口工作人员服务规范",
		Issuer:    "某市政务服务中心",
		DocNumber: "政服〔2012〕1号",
		Issued:    "2012-05-01",
		Headings: []rules.Heading{
			{ID: "1", Title: "规范化服务的内容"},
			{ID: "1.1", Title: "服务仪表"},
			{ID: "2", Title: "服务纪律"},
		},
		Clauses: []rules.Clause{
			{ID: "0", Title: "", Path: []string{}, Text: "为规范窗口服务，制定本规范。",
				Statements: []rules.Statement{{Text: "为规范窗口服务，制定本规范。", Modality: rules.None}}},
			{ID: "1.1.1", Title: "服务仪表", Path: []string{"规范化服务的内容", "服务仪表"}, Text: "着装整洁，佩戴工作牌。",
				Statements: []rules.Statement{{Text: "着装整洁", Modality: rules.Required}, {Text: "佩戴工作牌", Modality: rules.Required}}},
			{ID: "1.1.2", Title: "服务仪表", Path: []string{"规范化服务的内容", "服务仪表"}, Text: "男同志不留胡须，不得染彩发。",
				Statements: []rules.Statement{{Text: "不留胡须", Modality: rules.Prohibited}, {Text: "不得染彩发", Modality: rules.Prohibited}}},
			{ID: "1.1.10", Title: "服务仪表", Path: []string{"规范化服务的内容", "服务仪表"}, Text: "提倡使用普通话，可以使用方言。",
				Statements: []rules.Statement{{Text: "提倡使用普通话", Modality: rules.Encouraged}, {Text: "可以使用方言", Modality: rules.Permitted}}},
			{ID: "2.1", Title: "服务纪律", Path: []string{"服务纪律"}, Text: "严禁在工作时间饮酒。",
				Statements: []rules.Statement{{Text: "严禁在工作时间饮酒", Modality: rules.Prohibited}}},
		},
	}
}

// changedCode is sampleCode with one clause reworded and one added.
func changedCode(n int) *rules.Code {
	c := sampleCode()
	c.Clauses[2].Text = fmt.Sprintf("男同志不留胡须，不得染彩发（第%d次修订）。", n)
	c.Clauses[2].Statements = []rules.Statement{{Text: "不留胡须", Modality: rules.Prohibited}}
	c.Clauses = append(c.Clauses, rules.Clause{ID: "2.2", Title: "服务纪律", Path: []string{"服务纪律"},
		Text: fmt.Sprintf("不得擅自离岗（%d）。", n), Statements: []rules.Statement{{Text: "不得擅自离岗", Modality: rules.Prohibited}}})
	return c
}

// TestRules checks rules.Store.
func TestRules(t *testing.T, open Open) {
	t.Run("EmptyStore", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		if v, err := s.CodeInForce(ctx); !errors.Is(err, rules.ErrNotFound) {
			t.Errorf("CodeInForce on an empty store = %v, %v; want ErrNotFound", v, err)
		}
		if v, err := s.CodeVersion(ctx, 1); !errors.Is(err, rules.ErrNotFound) {
			t.Errorf("CodeVersion(1) on an empty store = %v, %v; want ErrNotFound", v, err)
		}
		vs, err := s.CodeVersions(ctx)
		if err != nil || len(vs) != 0 {
			t.Errorf("CodeVersions on an empty store = %v, %v; want none", vs, err)
		}
	})
	t.Run("Versions", func(t *testing.T) { testVersions(t, open) })
	t.Run("ShippedCode", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		code := rules.Shipped()
		v, created, err := s.PutCode(ctx, code, rules.ShippedSource, t0)
		if err != nil || !created {
			t.Fatalf("PutCode(shipped) = %v, %v, %v", v, created, err)
		}
		got, err := s.CodeInForce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Source != rules.ShippedSource {
			t.Errorf("source changed in the store")
		}
		checkCode(t, got.Code, rules.Shipped())
	})
	t.Run("ConcurrentPutCode", func(t *testing.T) { testConcurrentPutCode(t, open) })
	t.Run("ArticleCode", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		code, err := rules.Parse("某中心管理办法\n第一章 总则\n第一条 为规范服务，制定本办法。\n第二章 服务行为\n" +
			"第二条 窗口工作人员严禁下列行为：\n（一）吃零食；\n（二）玩手机。\n第三条 本办法自发布之日起施行。\n")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.PutCode(ctx, code, "articles", t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.CodeInForce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code.Layout != rules.LayoutArticles || got.Code.Hash() != code.Hash() || got.Code.Cite("2.2") != "第二条第（二）项" {
			t.Fatalf("layout %q, hash kept %v, cite %q", got.Code.Layout, got.Code.Hash() == code.Hash(), got.Code.Cite("2.2"))
		}
		checkCode(t, got.Code, code)
	})
}

func testVersions(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	type step struct {
		name        string
		code        *rules.Code
		source      string
		wantCreated bool
		wantNumber  int
		wantSource  string // the version keeps the source of its first import
		wantCount   int    // versions after the step
	}
	steps := []step{
		{"import", sampleCode(), "source 1", true, 1, "source 1", 1},
		{"re-import the same code", sampleCode(), "source 1 again", false, 1, "source 1", 1},
		{"import a changed code", changedCode(1), "source 2", true, 2, "source 2", 2},
		{"re-import the first code", sampleCode(), "source 1 once more", false, 1, "source 1", 2},
		{"import another change", changedCode(2), "source 3", true, 3, "source 3", 3},
		{"re-import the second code", changedCode(1), "", false, 2, "source 2", 3},
	}
	type imported struct {
		v    *rules.Version
		code *rules.Code
	}
	byNumber := map[int]imported{}
	for i, st := range steps {
		now := t0.Add(time.Duration(i) * time.Hour)
		v, created, err := s.PutCode(ctx, st.code, st.source, now)
		if err != nil {
			t.Fatalf("step %q: PutCode: %v", st.name, err)
		}
		if created != st.wantCreated || v.Number != st.wantNumber || !v.InForce || v.Hash != st.code.Hash() {
			t.Fatalf("step %q: PutCode = number %d, in force %v, created %v, hash ok %v; want number %d, in force, created %v",
				st.name, v.Number, v.InForce, created, v.Hash == st.code.Hash(), st.wantNumber, st.wantCreated)
		}
		checkCode(t, v.Code, st.code)
		if created {
			if !v.CreatedAt.Equal(now.Truncate(time.Microsecond)) {
				t.Errorf("step %q: CreatedAt = %v, want %v", st.name, v.CreatedAt, now.Truncate(time.Microsecond))
			}
			byNumber[v.Number] = imported{v: v, code: st.code}
		} else if prev := byNumber[v.Number]; prev.v.ID != v.ID || !v.CreatedAt.Equal(prev.v.CreatedAt) {
			t.Errorf("step %q: re-import returned ID %d created %v, want the first import's ID %d created %v",
				st.name, v.ID, v.CreatedAt, prev.v.ID, prev.v.CreatedAt)
		}

		inForce, err := s.CodeInForce(ctx)
		if err != nil {
			t.Fatalf("step %q: CodeInForce: %v", st.name, err)
		}
		if inForce.ID != v.ID || inForce.Number != st.wantNumber || !inForce.InForce || inForce.Source != st.wantSource {
			t.Errorf("step %q: CodeInForce = ID %d number %d in force %v source %q; want ID %d number %d source %q",
				st.name, inForce.ID, inForce.Number, inForce.InForce, inForce.Source, v.ID, st.wantNumber, st.wantSource)
		}
		checkCode(t, inForce.Code, st.code)

		vs, err := s.CodeVersions(ctx)
		if err != nil {
			t.Fatalf("step %q: CodeVersions: %v", st.name, err)
		}
		if len(vs) != st.wantCount {
			t.Fatalf("step %q: %d versions, want %d", st.name, len(vs), st.wantCount)
		}
		inForceCount := 0
		for j, lv := range vs {
			if want := st.wantCount - j; lv.Number != want {
				t.Errorf("step %q: CodeVersions[%d].Number = %d, want %d (newest first)", st.name, j, lv.Number, want)
			}
			if lv.InForce {
				inForceCount++
				if lv.ID != v.ID {
					t.Errorf("step %q: version %d listed in force, want %d", st.name, lv.ID, v.ID)
				}
			}
			if lv.Code != nil && lv.Code.Clauses != nil {
				t.Errorf("step %q: CodeVersions lists clauses", st.name)
			}
			if prev, ok := byNumber[lv.Number]; ok {
				if lv.ID != prev.v.ID || lv.Hash != prev.code.Hash() || !lv.CreatedAt.Equal(prev.v.CreatedAt) {
					t.Errorf("step %q: listed version %d = %+v, want ID %d, its hash and creation time", st.name, lv.Number, lv, prev.v.ID)
				}
				if lv.Code != nil && lv.Code.Title != prev.code.Title {
					t.Errorf("step %q: listed version %d has title %q", st.name, lv.Number, lv.Code.Title)
				}
			}
		}
		if inForceCount != 1 {
			t.Errorf("step %q: %d versions listed in force, want 1", st.name, inForceCount)
		}

		// Every version stays readable with its own wording.
		for n, imp := range byNumber {
			got, err := s.CodeVersion(ctx, imp.v.ID)
			if err != nil {
				t.Fatalf("step %q: CodeVersion(%d): %v", st.name, imp.v.ID, err)
			}
			if got.Number != n || got.InForce != (got.ID == v.ID) || !got.CreatedAt.Equal(imp.v.CreatedAt) {
				t.Errorf("step %q: CodeVersion(%d) = number %d in force %v created %v", st.name, imp.v.ID, got.Number, got.InForce, got.CreatedAt)
			}
			checkCode(t, got.Code, imp.code)
		}
	}
	if _, err := s.CodeVersion(ctx, 1<<40); !errors.Is(err, rules.ErrNotFound) {
		t.Errorf("CodeVersion of an unknown ID: %v, want ErrNotFound", err)
	}
	// The reworded clause of version 1 still reads as it did.
	v1, err := s.CodeVersion(ctx, byNumber[1].v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cl, _ := v1.Code.Clause("1.1.2"); cl.Text != "男同志不留胡须，不得染彩发。" {
		t.Errorf("version 1 clause 1.1.2 = %q", cl.Text)
	}
}

func testConcurrentPutCode(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	const codes, perCode = 4, 3
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	errs := make(chan error, codes*perCode)
	for i := 0; i < codes*perCode; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := changedCode(i % codes)
			<-start
			_, c, err := s.PutCode(ctx, code, "", t0)
			if err != nil {
				errs <- err
				return
			}
			if c {
				mu.Lock()
				created++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent PutCode: %v", err)
	}
	if created != codes {
		t.Errorf("%d PutCode calls created a version, want %d", created, codes)
	}
	vs, err := s.CodeVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != codes {
		t.Fatalf("%d versions, want %d", len(vs), codes)
	}
	var inForce []int64
	for i, v := range vs {
		if v.Number != codes-i {
			t.Errorf("version numbers %d at position %d, want %d", v.Number, i, codes-i)
		}
		if v.InForce {
			inForce = append(inForce, v.ID)
		}
	}
	if len(inForce) != 1 {
		t.Fatalf("versions in force: %v, want exactly one", inForce)
	}
	v, err := s.CodeInForce(ctx)
	if err != nil || v.ID != inForce[0] {
		t.Fatalf("CodeInForce = %v, %v; want version %d", v, err, inForce[0])
	}
}

// checkCode compares a stored code with the one imported.
func checkCode(t *testing.T, got, want *rules.Code) {
	t.Helper()
	if got == nil {
		t.Errorf("no code")
		return
	}
	if got.Title != want.Title || got.Issuer != want.Issuer || got.DocNumber != want.DocNumber || got.Issued != want.Issued {
		t.Errorf("code header = %q %q %q %q, want %q %q %q %q", got.Title, got.Issuer, got.DocNumber, got.Issued,
			want.Title, want.Issuer, want.DocNumber, want.Issued)
	}
	if !reflect.DeepEqual(got.Headings, want.Headings) {
		t.Errorf("headings = %v, want %v", got.Headings, want.Headings)
	}
	if len(got.Clauses) != len(want.Clauses) {
		t.Errorf("%d clauses, want %d", len(got.Clauses), len(want.Clauses))
		return
	}
	for i := range want.Clauses {
		if !reflect.DeepEqual(got.Clauses[i], want.Clauses[i]) {
			t.Errorf("clause %d = %+v, want %+v", i, got.Clauses[i], want.Clauses[i])
			return
		}
	}
}
