package retrieval_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
)

// lessonServer is an httptest stand-in for /v1/chat/completions writing lessons in OpenAI's wire format: for
// each clause 【ID】 of the user message, two questions and a paraphrase naming the clause. The first request
// gets 429 with Retry-After: 7 when rateLimitFirst is set.
type lessonServer struct {
	t              *testing.T
	srv            *httptest.Server
	rateLimitFirst bool
	reply          func(ids []string) string // nil: the JSON asked for

	mu       sync.Mutex
	requests [][]string // the clause IDs of each request answered 200
	calls    int
	inFlight int
	maxIn    int
	both     chan struct{} // closed when two requests were in flight at once
}

var clauseMark = regexp.MustCompile(`【([^】]+)】`)

func newLessonServer(t *testing.T) *lessonServer {
	s := &lessonServer{t: t, both: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *lessonServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	var body struct {
		Model          string `json:"model"`
		ResponseFormat struct {
			Type string `json:"type"`
		} `json:"response_format"`
		Messages []struct{ Role, Content string } `json:"messages"`
	}
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil || body.ResponseFormat.Type != "json_object" || len(body.Messages) != 2 {
		s.t.Errorf("lesson request: %v %s", err, raw)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.calls++
	first := s.calls == 1
	s.inFlight++
	s.maxIn = max(s.maxIn, s.inFlight)
	if s.inFlight == 2 {
		select {
		case <-s.both:
		default:
			close(s.both)
		}
	}
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.inFlight--; s.mu.Unlock() }()
	if first && s.rateLimitFirst {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`)
		return
	}
	// Two requests are sent at once: the first waits (a little) for the second, to see them overlap.
	select {
	case <-s.both:
	case <-time.After(2 * time.Second):
	}
	var ids []string
	for _, m := range clauseMark.FindAllStringSubmatch(body.Messages[1].Content, -1) {
		ids = append(ids, m[1])
	}
	s.mu.Lock()
	s.requests = append(s.requests, ids)
	s.mu.Unlock()
	content := ""
	if s.reply != nil {
		content = s.reply(ids)
	} else {
		type clause struct {
			ID          string   `json:"id"`
			Questions   []string `json:"questions"`
			Paraphrases []string `json:"paraphrases"`
		}
		var out struct {
			Clauses []clause `json:"clauses"`
		}
		for _, id := range ids {
			out.Clauses = append(out.Clauses, clause{ID: id,
				Questions:   []string{"第" + id + "条管什么", "第" + id + "条怎么做", "第" + id + "条管什么"},
				Paraphrases: []string{"说的是" + id, strings.Repeat("长", 80)}})
		}
		out.Clauses = append(out.Clauses, clause{ID: "99.9", Questions: []string{"没问过的条"}})
		b, _ := json.Marshal(out)
		content = string(b)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-lessons", "object": "chat.completion", "created": 1741569952, "model": body.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]int{"prompt_tokens": 900, "completion_tokens": 600, "total_tokens": 1500},
	})
}

func (s *lessonServer) asked() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.requests...)
}

func TestTeach(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	db := st.(*sqlite.DB)
	srv := newLessonServer(t)
	srv.rateLimitFirst = true
	var mu sync.Mutex
	var sleeps []time.Duration
	w, err := retrieval.NewOpenAILessonWriter(retrieval.OpenAIConfig{APIKey: "sk-test", BaseURL: srv.srv.URL, ChatModel: "gpt-4o-mini",
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			sleeps = append(sleeps, d)
			mu.Unlock()
			return ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.CodeInForce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	res, err := retrieval.Teach(ctx, v, w, db, func(done, total int) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) })
	if err != nil {
		t.Fatal(err)
	}
	taught := len(v.Code.Clauses) - 1 // all but the preamble
	batches := (taught + retrieval.TeachBatch - 1) / retrieval.TeachBatch
	if res.Clauses != taught || res.Asked != taught || res.Cached != 0 || res.Lessons != 3*taught {
		t.Errorf("Teach = %+v; want %d clauses asked, 3 lessons each", res, taught)
	}
	asked := srv.asked()
	seen := map[string]int{}
	for _, ids := range asked {
		if len(ids) > retrieval.TeachBatch {
			t.Errorf("a request of %d clauses", len(ids))
		}
		for _, id := range ids {
			seen[id]++
		}
	}
	if len(asked) != batches || len(seen) != taught || seen[rules.PreambleID] != 0 {
		t.Errorf("%d requests for %d distinct clauses (preamble %d times); want %d requests for %d", len(asked), len(seen), seen[rules.PreambleID], batches, taught)
	}
	if srv.maxIn != retrieval.TeachInFlight {
		t.Errorf("at most %d requests in flight; want %d", srv.maxIn, retrieval.TeachInFlight)
	}
	if len(sleeps) != 1 || sleeps[0] != 7*time.Second {
		t.Errorf("waits before retrying %v; want the server's 7s once", sleeps)
	}
	if len(progress) != batches || progress[len(progress)-1] != fmt.Sprintf("%d/%d", taught, taught) {
		t.Errorf("progress %v", progress)
	}
	ls, err := db.Lessons(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3*taught || ls[0].Source != rules.LessonModel || !strings.Contains(ls[0].Text, ls[0].ClauseID) {
		t.Fatalf("%d lessons stored, first %+v", len(ls), ls[0])
	}
	for _, l := range ls {
		if strings.Contains(l.Text, "长长") || l.ClauseID == "99.9" {
			t.Errorf("kept %+v", l)
		}
	}

	// The same version again: nothing to ask.
	calls := srv.calls
	res, err = retrieval.Teach(ctx, v, w, db, nil)
	if err != nil || res.Asked != 0 || res.Cached != taught || srv.calls != calls {
		t.Errorf("Teach again = %+v, %v with %d more requests; want everything cached", res, err, srv.calls-calls)
	}

	// A new version rewording one clause: only that clause is asked about; the others keep their lessons.
	code := rules.Shipped()
	changed := code.Clauses[3].ID
	code.Clauses[3].Text += "（修订）"
	v2, _, err := db.PutCode(ctx, code, "revised", time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	res, err = retrieval.Teach(ctx, v2, w, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	asked = srv.asked()
	if last := asked[len(asked)-1]; res.Asked != 1 || res.Cached != taught-1 || len(last) != 1 || last[0] != changed {
		t.Errorf("Teach of the revised version = %+v, last request %v; want only %s asked", res, last, changed)
	}
	if ls2, _ := db.Lessons(ctx, v2.ID); len(ls2) != 3*taught {
		t.Errorf("the revised version has %d lessons; want %d", len(ls2), 3*taught)
	}

	// The engine reads them: a version with lessons stores its index under another format.
	e := newEngine(t, st, retrieval.Options{})
	if a, err := e.Ask(ctx, "第"+changed+"条管什么"); err != nil || len(a.Citations) == 0 {
		t.Errorf("asked a lesson: %v, %v", a, err)
	}
}

func TestTeachBadReply(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	db := st.(*sqlite.DB)
	srv := newLessonServer(t)
	srv.reply = func([]string) string { return "好的，以下是问题：……" }
	w, err := retrieval.NewOpenAILessonWriter(retrieval.OpenAIConfig{APIKey: "sk-test", BaseURL: srv.srv.URL, ChatModel: "gpt-4o-mini"})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := db.CodeInForce(ctx)
	if _, err := retrieval.Teach(ctx, v, w, db, nil); !errors.Is(err, retrieval.ErrBadResponse) {
		t.Errorf("Teach with a reply that is not JSON: %v; want ErrBadResponse", err)
	}
	if ls, _ := db.Lessons(ctx, v.ID); len(ls) != 0 {
		t.Errorf("%d lessons stored from a bad reply", len(ls))
	}
}
