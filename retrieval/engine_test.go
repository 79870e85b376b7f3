package retrieval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
)

// store is what the engine needs from a store.
type store interface {
	rules.Store
	retrieval.VectorStore
}

// openSQLite opens a fresh SQLite store in a temporary directory with the shipped code imported.
func openSQLite(tb testing.TB) store {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, _, err := db.PutCode(context.Background(), rules.Shipped(), rules.ShippedSource, time.Now()); err != nil {
		tb.Fatal(err)
	}
	return db
}

func newEngine(tb testing.TB, st store, opts retrieval.Options) *retrieval.Engine {
	tb.Helper()
	opts.Codes, opts.Vectors = st, st
	e, err := retrieval.NewEngine(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func readSet(tb testing.TB, path string) []retrieval.EvalItem {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	items, err := retrieval.ReadEvalSet(f)
	if err != nil {
		tb.Fatal(err)
	}
	return items
}

// TestDevSet holds the engine to the development set's bar: every question's best citation is a gold clause,
// both out-of-scope questions abstained on, every verdict right.
func TestDevSet(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	results, m, err := retrieval.Evaluate(context.Background(), e.Ask, readSet(t, "testdata/eval/dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		a := r.Answer
		if len(r.Item.Gold) > 0 && r.Rank != 1 {
			t.Errorf("%s: best citation %v, want one of %v", r.Item.Q, ids(a), r.Item.Gold)
		}
		if r.Item.Abstain != a.Abstained {
			t.Errorf("%s: abstained %v, want %v", r.Item.Q, a.Abstained, r.Item.Abstain)
		}
		if r.Item.Verdict != "" && r.Item.Verdict != a.Verdict {
			t.Errorf("%s: verdict %s, want %s", r.Item.Q, a.Verdict, r.Item.Verdict)
		}
	}
	t.Logf("dev: %+v", m)
}

// TestColloquialSets guards the figures on the eight colloquial sets, each written independently of the engine
// (testdata/eval/README.md), against regressions. The bars are below the measured figures, which the closing
// notes record.
func TestColloquialSets(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	for _, set := range []struct {
		file                               string
		hit1, hit3, abstain, falseAbst, vd float64
		unsafe                             int // 可以 for a forbidden act: the worst answer
	}{
		{"testdata/eval/colloquial.jsonl", 0.92, 0.97, 0.97, 0.03, 0.88, 0},
		{"testdata/eval/holdout.jsonl", 0.94, 0.98, 0.72, 0.02, 0.85, 0},
		{"testdata/eval/blind3.jsonl", 0.90, 0.97, 0.95, 0.05, 0.80, 0},
		{"testdata/eval/blind4.jsonl", 0.91, 0.96, 0.88, 0.03, 0.75, 0},
		{"testdata/eval/blind5.jsonl", 0.91, 0.96, 0.60, 0.03, 0.78, 0},
		{"testdata/eval/blind6.jsonl", 0.90, 0.97, 0.70, 0.02, 0.84, 0},
		{"testdata/eval/blind7.jsonl", 0.90, 0.95, 0.76, 0.04, 0.74, 0},
		{"testdata/eval/blind8.jsonl", 0.87, 0.95, 0.83, 0.02, 0.82, 0}, // held out: never tuned on
	} {
		t.Run(filepath.Base(set.file), func(t *testing.T) {
			_, m, err := retrieval.Evaluate(context.Background(), e.Ask, readSet(t, set.file))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", m)
			checks := []struct {
				name      string
				got, want float64
				atLeast   bool
			}{
				{"hit@1", m.HitAt1, set.hit1, true},
				{"hit@3", m.HitAt3, set.hit3, true},
				{"abstention accuracy", m.AbstentionAcc, set.abstain, true},
				{"false abstention rate", m.FalseAbstention, set.falseAbst, false},
				{"verdict accuracy", m.VerdictAcc, set.vd, true},
			}
			for _, c := range checks {
				if c.atLeast && c.got < c.want || !c.atLeast && c.got > c.want {
					t.Errorf("%s = %.3f, want %s %.2f", c.name, c.got, map[bool]string{true: ">=", false: "<="}[c.atLeast], c.want)
				}
			}
			if m.Unsafe > set.unsafe {
				t.Errorf("%d unsafe verdicts (可以 for a forbidden act), want at most %d", m.Unsafe, set.unsafe)
			}
		})
	}
}

func ids(a *retrieval.Answer) []string {
	out := make([]string, len(a.Citations))
	for i, c := range a.Citations {
		out[i] = c.ID
	}
	return out
}

// TestAnswerShape checks what a user sees: verdict first, the deciding sentence quoted, the clause ID with its
// section title; and the JSON contract of docs/design.md.
func TestAnswerShape(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	a, err := e.Ask(context.Background(), "中午太困了能在窗口趴一会吗")
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != retrieval.Forbidden || a.Abstained || len(a.Citations) == 0 || a.Citations[0].ID != "1.3.3" {
		t.Fatalf("got verdict %s abstained %v citations %v", a.Verdict, a.Abstained, ids(a))
	}
	for _, want := range []string{"不可以", "1.3.3", "服务仪表", "打瞌睡"} {
		if !strings.Contains(a.Answer, want) {
			t.Errorf("answer lacks %q:\n%s", want, a.Answer)
		}
	}
	if !strings.HasPrefix(a.Answer, "不可以") {
		t.Errorf("the verdict does not come first:\n%s", a.Answer)
	}
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"question", "answer", "verdict", "abstained", "citations"}
	if len(m) != len(want) {
		t.Errorf("JSON has keys %v, want exactly %v", keys(m), want)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	c := m["citations"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "title", "text", "score"} {
		if _, ok := c[k]; !ok {
			t.Errorf("citation lacks %q: %v", k, c)
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestAbstention: a question the code does not cover gets 规范中没有相关规定 and the nearest clauses, no verdict.
func TestAbstention(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	for _, q := range []string{"今天天气怎么样", "食堂几点开饭", "年假有几天", "窗口人员的年度体检什么时候"} {
		a, err := e.Ask(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Abstained || a.Verdict != retrieval.NoVerdict || !strings.HasPrefix(a.Answer, "规范中没有相关规定") {
			t.Errorf("%s: abstained %v verdict %s answer %q", q, a.Abstained, a.Verdict, a.Answer)
		}
	}
}

// TestQuestionForms: the verdict follows the question's form — may I, must I, may I not, is it a violation, and
// what/how questions, which get none — and a form is not taken for the content it asks about.
func TestQuestionForms(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	for _, c := range []struct {
		q       string
		clause  string
		verdict retrieval.Verdict
	}{
		{"上班时间可以在窗口吃东西吗", "1.3.3", retrieval.Forbidden},
		{"接待群众要不要起立", "1.2.1", retrieval.Required},
		{"群众来了可以不起立吗", "1.2.1", retrieval.Forbidden},
		{"女同事可以化淡妆吗", "1.3.2", retrieval.Allowed},
		{"上班刷抖音算不算违规", "1.3.3", retrieval.Forbidden},
		{"我趴在桌上睡了十分钟，被领导看到了，这算违规吗", "1.3.3", retrieval.Forbidden},
		{"接电话要先说什么", "1.2.6", retrieval.NoVerdict}, // ends in 么, but asks what
		{"说方言会被扣分吗", "1.1.1", ""},                  // about Mandarin, not about the score
		{"规定什么时候要起立", "1.2.1", ""},
		{"女的能穿高跟鞋吗", "1.3.2", retrieval.NoVerdict}, // 不得穿拖鞋 shares only 穿 with it
		// The opposite of what a prohibition names, when the prohibition names most of the asked act: the clause is
		// quoted and the reader judges (a wrong 可以 is the worst answer; 翘二郎腿 was read as the opposite of 坐姿端正).
		{"能涂透明指甲油吗", "1.3.2", retrieval.NoVerdict},
		{"男同事能留短发吗", "1.3.2", retrieval.NoVerdict},
		{"即办件能拖到明天吗", "1.5.3", retrieval.Forbidden},
		{"上班刷短视频被抓了扣几分", "3", retrieval.NoVerdict}, // 1.3.3 is about the act, 3 states the count   // the clause says when: 接待服务对象时
	} {
		a, err := e.Ask(context.Background(), c.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Citations) == 0 || a.Citations[0].ID != c.clause || c.verdict != "" && a.Verdict != c.verdict {
			t.Errorf("%s: got %v verdict %s, want %s verdict %s", c.q, ids(a), a.Verdict, c.clause, c.verdict)
		}
	}
}

// TestEncouragedIsNotRequired: 提倡 answers a may-I question with 可以 and says it is not a hard rule.
func TestEncouragedIsNotRequired(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	a, err := e.Ask(context.Background(), "跟老乡能用方言吗")
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != retrieval.Allowed || !strings.HasPrefix(a.Answer, "可以") || !strings.Contains(a.Answer, "不是硬性要求") {
		t.Errorf("verdict %s, answer %q", a.Verdict, a.Answer)
	}
}

// TestCodeFacts: questions about the code itself are answered from its header, citing the preamble; a
// question about a rule that shares the words is not.
func TestCodeFacts(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	for _, q := range []string{"服务规范是哪年发的", "这套规范什么时候出台的", "规范的文号是多少", "谁制定的这个规范"} {
		a, err := e.Ask(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained || len(a.Citations) != 1 || a.Citations[0].ID != "0" ||
			!strings.Contains(a.Answer, "2012 年 6 月 12 日") || !strings.Contains(a.Answer, "皋行服中心〔2012〕25号") {
			t.Errorf("%s: abstained %v citations %v answer %q", q, a.Abstained, ids(a), a.Answer)
		}
	}
	a, err := e.Ask(context.Background(), "规范里什么时候要起立")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(a.Answer, "皋行服中心〔2012〕25号") {
		t.Errorf("a rule question answered with the code's header: %q", a.Answer)
	}
}

// TestLookup: a question that names a clause gets that clause.
func TestLookup(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	for _, tc := range []struct{ q, id string }{
		{"1.3.3", "1.3.3"},
		{"第1.3.3条", "1.3.3"},
		{"1.3.3 是什么", "1.3.3"},
		{"一(三)3", "1.3.3"},
		{"一\uff08三\uff093", "1.3.3"},
		{"第一部分第三节第3条", "1.3.3"},
		{"服务仪表第3条", "1.3.3"},
		{"服务语言第4条", "1.1.4"},
		{"2", "2"},
	} {
		a, err := e.Ask(context.Background(), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Lookup || len(a.Citations) == 0 || a.Citations[0].ID != tc.id {
			t.Errorf("%q: lookup %v citations %v, want %s", tc.q, a.Lookup, ids(a), tc.id)
		}
	}
	// A heading lists its clauses.
	a, err := e.Ask(context.Background(), "1.3")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(a); len(got) != 3 || got[0] != "1.3.1" || got[2] != "1.3.3" {
		t.Errorf("1.3: citations %v, want 1.3.1…1.3.3", got)
	}
}

// TestBadInput: odd input gets a sensible answer or an abstention, never an error or a panic.
func TestBadInput(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	for name, q := range map[string]string{
		"empty":            "",
		"whitespace":       " \t\n\u3000 ",
		"10000 characters": strings.Repeat("窗口可以吃东西吗", 1250),
		"emoji":            "😀😀🙏🏻 能吃东西吗🍔",
		"control":          "能\x00在\x07窗口\x1b[31m吃东西吗",
		"sql":              "'; DROP TABLE clauses; --",
		"english":          "can I eat at the counter?",
		"punctuation":      "？？？！！。。。，，",
		"invalid utf8":     "窗口\xff\xfe吃东西",
	} {
		a, err := e.Ask(context.Background(), q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.TrimSpace(a.Answer) == "" {
			t.Errorf("%s: empty answer", name)
		}
		if !a.Abstained && len(a.Citations) == 0 {
			t.Errorf("%s: an answer without citations", name)
		}
	}
	a, _ := e.Ask(context.Background(), strings.Repeat("窗口可以吃东西吗", 1250))
	if a.Abstained || len(a.Citations) == 0 || a.Citations[0].ID != "1.3.3" {
		t.Errorf("a long question is answered from its beginning: got %v", ids(a))
	}
}

// countingEmbedder counts the texts it is asked to embed.
type countingEmbedder struct {
	retrieval.Embedder
	texts atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.texts.Add(int64(len(texts)))
	return c.Embedder.Embed(ctx, texts)
}

// TestIndexingIsIdempotent: indexing an unchanged code again embeds nothing; a changed clause is the only new
// text embedded in the next version.
func TestIndexingIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	v, err := st.CodeInForce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	emb := &countingEmbedder{Embedder: retrieval.NewOfflineEmbedder(retrieval.ShippedThesaurus(), []string{"窗口"})}
	_, n, err := retrieval.IndexVersion(ctx, st, emb, v)
	if err != nil || n != len(v.Code.Clauses) {
		t.Fatalf("first indexing embedded %d (%v), want %d", n, err, len(v.Code.Clauses))
	}
	emb.texts.Store(0)
	if _, n, err = retrieval.IndexVersion(ctx, st, emb, v); err != nil || n != 0 {
		t.Fatalf("second indexing embedded %d (%v), want 0", n, err)
	}
	if got := emb.texts.Load(); got != 1 { // the probe that learns the dimension
		t.Errorf("second indexing sent %d texts to the embedder, want only the probe", got)
	}
	changed := rules.Shipped()
	changed.Clauses[5].Text += "（修订）"
	v2, created, err := st.PutCode(ctx, changed, "changed", time.Now())
	if err != nil || !created {
		t.Fatalf("PutCode: created %v err %v", created, err)
	}
	if _, n, err = retrieval.IndexVersion(ctx, st, emb, v2); err != nil || n != 1 {
		t.Fatalf("indexing a version with one changed clause embedded %d (%v), want 1", n, err)
	}
}

// TestReload: importing a new version makes the engine answer from it.
func TestReload(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	e := newEngine(t, st, retrieval.Options{})
	code, err := rules.Parse("标题：窗口纪律\n\n一、纪律\n1、工作时间不得佩戴耳机听音乐。\n2、窗口工作人员应佩戴工牌上岗。\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.PutCode(ctx, code, "x", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := e.Ask(ctx, "上班能戴耳机听音乐吗")
	if err != nil {
		t.Fatal(err)
	}
	if a.Abstained || ids(a)[0] != "1.1" || a.Verdict != retrieval.Forbidden || !strings.Contains(a.Answer, "窗口纪律") {
		t.Errorf("after reload: %v %s %q", ids(a), a.Verdict, a.Answer)
	}
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// embeddingServer is an OpenAI-compatible /v1/embeddings stand-in; fail decides each response.
func embeddingServer(t *testing.T, dims int, fail func(n int64) (status int, body string)) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		if status, body := fail(n); status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var data []string
		for i, text := range req.Input {
			v := make([]string, dims)
			for j := range v {
				v[j] = fmt.Sprintf("%.4f", float64((len(text)*(j+1))%17)/17+0.01)
			}
			data = append(data, fmt.Sprintf(`{"object":"embedding","index":%d,"embedding":[%s]}`, i, strings.Join(v, ",")))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"object":"list","data":[%s],"model":%q,"usage":{"prompt_tokens":1,"total_tokens":1}}`, strings.Join(data, ","), req.Model)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestRemoteFallback: when the OpenAI-compatible server fails at question time — down, 429, malformed JSON, a
// wrong dimension — the engine answers from the offline vectors, with one log line.
func TestRemoteFallback(t *testing.T) {
	failAfterIndexing := func(status int, body string) func(int64) (int, string) {
		var indexed atomic.Bool
		return func(n int64) (int, string) {
			if !indexed.Load() {
				if n >= 2 { // the probe and one batch index the code
					indexed.Store(true)
				}
				return 0, ""
			}
			return status, body
		}
	}
	cases := []struct {
		name   string
		status int
		body   string
	}{
		{"server error", 500, `{"error":{"message":"boom","type":"server_error"}}`},
		{"rate limited", 429, `{"error":{"message":"slow down","type":"rate_limit_exceeded"}}`},
		{"malformed JSON", 200, `{"object":"list","data":[{`},
		{"wrong dimension", 200, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"m"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := embeddingServer(t, 8, failAfterIndexing(tc.status, tc.body))
			logs := &logBuffer{}
			emb, err := retrieval.NewOpenAIEmbedder(retrieval.OpenAIConfig{
				BaseURL: srv.URL + "/v1", APIKey: "sk-test", EmbeddingModel: "test-embed", MaxRetries: -1,
				Sleep: func(context.Context, time.Duration) error { return nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			e := newEngine(t, openSQLite(t), retrieval.Options{Remote: emb, Log: slog.New(slog.NewTextHandler(logs, nil))})
			a, err := e.Ask(context.Background(), "窗口可以吃东西吗")
			if err != nil {
				t.Fatal(err)
			}
			if a.Abstained || ids(a)[0] != "1.3.3" || a.Verdict != retrieval.Forbidden {
				t.Errorf("fallback answer: %v %s", ids(a), a.Verdict)
			}
			if n := strings.Count(logs.String(), "using offline vectors"); n != 1 {
				t.Errorf("%d fallback log lines, want 1:\n%s", n, logs.String())
			}
			if strings.Contains(logs.String(), "sk-test") {
				t.Error("the API key was logged")
			}
		})
	}
}

// TestRemoteDownAtStart: when the server is down while indexing, the engine starts offline and says so once.
func TestRemoteDownAtStart(t *testing.T) {
	srv, calls := embeddingServer(t, 8, func(int64) (int, string) { return 503, `{"error":{"message":"down"}}` })
	emb, err := retrieval.NewOpenAIEmbedder(retrieval.OpenAIConfig{
		BaseURL: srv.URL, APIKey: "k", EmbeddingModel: "m", MaxRetries: -1,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	e := newEngine(t, openSQLite(t), retrieval.Options{Remote: emb, Log: slog.New(slog.NewTextHandler(logs, nil))})
	before := calls.Load()
	a, err := e.Ask(context.Background(), "男工作人员可以留胡子吗")
	if err != nil || a.Verdict != retrieval.Forbidden {
		t.Fatalf("answer %v %v", a, err)
	}
	if calls.Load() != before {
		t.Error("the engine kept calling a server that failed at start")
	}
	if strings.Count(logs.String(), "remote embeddings unavailable") != 1 {
		t.Errorf("want one log line about the remote embedder:\n%s", logs.String())
	}
}

// TestRemoteIndexCache: the remote embedder is asked once per clause text; reopening the engine costs no call.
func TestRemoteIndexCache(t *testing.T) {
	srv, calls := embeddingServer(t, 8, func(int64) (int, string) { return 0, "" })
	cfg := retrieval.OpenAIConfig{BaseURL: srv.URL + "/v1", APIKey: "k", EmbeddingModel: "m", QueryCacheSize: -1}
	st := openSQLite(t)
	emb, _ := retrieval.NewOpenAIEmbedder(cfg)
	newEngine(t, st, retrieval.Options{Remote: emb})
	first := calls.Load()
	emb2, _ := retrieval.NewOpenAIEmbedder(cfg)
	newEngine(t, st, retrieval.Options{Remote: emb2})
	if got := calls.Load() - first; got != 1 { // the dimension probe only
		t.Errorf("reopening made %d calls, want 1 (the probe)", got)
	}
}

// chatServer is an OpenAI-compatible /v1/chat/completions stand-in answering content, or failing with status.
func chatServer(t *testing.T, status int, content string, delay time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if status != 200 {
			w.WriteHeader(status)
			io.WriteString(w, `{"error":{"message":"nope","type":"server_error"}}`)
			return
		}
		body, _ := json.Marshal(content)
		fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLLMAnswers: the chat model writes the answer; a clause it cites but was not given is removed; on an
// error, a timeout or an empty answer the extractive answer stands, with a log line.
func TestLLMAnswers(t *testing.T) {
	st := openSQLite(t)
	ask := func(t *testing.T, srv *httptest.Server, timeout time.Duration) (*retrieval.Answer, string) {
		logs := &logBuffer{}
		log := slog.New(slog.NewTextHandler(logs, nil))
		w, err := retrieval.NewOpenAIAnswerWriter(retrieval.OpenAIConfig{BaseURL: srv.URL, APIKey: "k", ChatModel: "m", Timeout: timeout, MaxRetries: -1,
			Sleep: func(context.Context, time.Duration) error { return nil }, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		e := newEngine(t, st, retrieval.Options{Writer: w, Log: log})
		a, err := e.Ask(context.Background(), "窗口可以吃东西吗")
		if err != nil {
			t.Fatal(err)
		}
		return a, logs.String()
	}
	t.Run("cites only what it was given", func(t *testing.T) {
		a, logs := ask(t, chatServer(t, 200, "不可以。工作时不得在窗口吃东西【1.3.3】，另见【9.9.9】。", 0), time.Second)
		if !strings.Contains(a.Answer, "【1.3.3】") || strings.Contains(a.Answer, "9.9.9") {
			t.Errorf("answer %q", a.Answer)
		}
		if !strings.Contains(logs, "9.9.9") {
			t.Errorf("the removed citation was not logged:\n%s", logs)
		}
	})
	for name, srv := range map[string]*httptest.Server{
		"error":   chatServer(t, 500, "", 0),
		"empty":   chatServer(t, 200, "   ", 0),
		"timeout": chatServer(t, 200, "太慢了", 2*time.Second),
	} {
		t.Run(name, func(t *testing.T) {
			a, logs := ask(t, srv, 200*time.Millisecond)
			if !strings.HasPrefix(a.Answer, "不可以") || !strings.Contains(a.Answer, "1.3.3") {
				t.Errorf("fallback answer %q", a.Answer)
			}
			if !strings.Contains(logs, "using the extractive answer") {
				t.Errorf("no log line about the fallback:\n%s", logs)
			}
		})
	}
}
