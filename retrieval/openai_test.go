package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

const oaiTestKey = "sk-test-DO-NOT-LEAK-7f3a9c"

// oaiRequest is one request the stand-in received.
type oaiRequest struct {
	Method, Path, Auth, ContentType string
	Body                            map[string]any
}

// oaiStub is an httptest stand-in for an OpenAI-compatible server. handle answers call n (1-based).
type oaiStub struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []oaiRequest
	handle func(w http.ResponseWriter, r *http.Request, n int, body map[string]any)
}

func newOAIStub(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int, body map[string]any)) *oaiStub {
	t.Helper()
	s := &oaiStub{t: t, handle: handle}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading request body: %v", err)
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("request body is not JSON: %v: %s", err, raw)
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, oaiRequest{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"),
			ContentType: r.Header.Get("Content-Type"), Body: body})
		n := len(s.reqs)
		s.mu.Unlock()
		s.handle(w, r, n, body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *oaiStub) requests() []oaiRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]oaiRequest(nil), s.reqs...)
}

func (s *oaiStub) calls() int { return len(s.requests()) }

// oaiSleeps records the waits of the injected Sleep; nothing waits on the wall clock.
type oaiSleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *oaiSleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *oaiSleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// oaiTestVector is the stand-in's embedding of a text: depends on the text only.
func oaiTestVector(text string, dims int) []float32 {
	v := make([]float32, dims)
	for i := range v {
		v[i] = float32((len(text)*(i+3)+int([]rune(text + "x")[0])*(i+1))%97) + 1
	}
	return v
}

func oaiInputs(t *testing.T, body map[string]any) []string {
	t.Helper()
	raw, ok := body["input"].([]any)
	if !ok {
		t.Fatalf("input is not an array: %#v", body["input"])
	}
	var out []string
	for _, x := range raw {
		s, ok := x.(string)
		if !ok {
			t.Fatalf("input item is not a string: %#v", x)
		}
		out = append(out, s)
	}
	return out
}

// writeEmbeddings answers an embeddings request in OpenAI's format, data in the given order of indices (nil:
// in order).
func writeEmbeddings(w http.ResponseWriter, model string, inputs []string, dims int, order []int) {
	if order == nil {
		for i := range inputs {
			order = append(order, i)
		}
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	resp := struct {
		Object string         `json:"object"`
		Data   []item         `json:"data"`
		Model  string         `json:"model"`
		Usage  map[string]int `json:"usage"`
	}{Object: "list", Model: model, Usage: map[string]int{"prompt_tokens": 7 * len(inputs), "total_tokens": 7 * len(inputs)}}
	for _, i := range order {
		resp.Data = append(resp.Data, item{Object: "embedding", Index: i, Embedding: oaiTestVector(inputs[i], dims)})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// writeOpenAIError answers with OpenAI's error format.
func writeOpenAIError(w http.ResponseWriter, status int, message, typ string, code any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": code}})
}

// embedOK is a handler answering every embeddings request with dims-long vectors.
func embedOK(t *testing.T, dims int) func(http.ResponseWriter, *http.Request, int, map[string]any) {
	return func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeEmbeddings(w, "text-embedding-3-small", oaiInputs(t, body), dims, nil)
	}
}

func newTestEmbedder(t *testing.T, base string, sleeps *oaiSleeps, mod func(*OpenAIConfig)) *OpenAIEmbedder {
	t.Helper()
	cfg := OpenAIConfig{APIKey: oaiTestKey, BaseURL: base, EmbeddingModel: "text-embedding-3-small", Sleep: sleeps.sleep}
	if mod != nil {
		mod(&cfg)
	}
	e, err := NewOpenAIEmbedder(cfg)
	if err != nil {
		t.Fatalf("NewOpenAIEmbedder: %v", err)
	}
	return e
}

// wantVectors checks got against the stand-in's vectors; safe to call from any goroutine.
func wantVectors(t *testing.T, got [][]float32, texts []string, dims int) {
	t.Helper()
	if len(got) != len(texts) {
		t.Errorf("got %d vectors for %d texts", len(got), len(texts))
		return
	}
	for i, text := range texts {
		want := Normalize(oaiTestVector(text, dims))
		if len(got[i]) != dims {
			t.Errorf("vector %d has %d dimensions, want %d", i, len(got[i]), dims)
			return
		}
		for k := range want {
			if math.Abs(float64(got[i][k]-want[k])) > 1e-6 {
				t.Errorf("vector %d (%q) = %v, want %v", i, text, got[i], want)
				return
			}
		}
		if n := Dot(got[i], got[i]); math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d has squared norm %v, want 1", i, n)
		}
	}
}

func TestOpenAIEmbedderRequestsAndBatches(t *testing.T) {
	stub := newOAIStub(t, embedOK(t, 6))
	var sleeps oaiSleeps
	e := newTestEmbedder(t, stub.srv.URL+"/v1", &sleeps, func(c *OpenAIConfig) { c.BatchSize = 2 })
	texts := []string{"上班时间不得玩手机", "着装整洁", "文明用语", "不得穿拖鞋", "微笑服务"}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	wantVectors(t, got, texts, 6)

	reqs := stub.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 (batches of 2, 2, 1)", len(reqs))
	}
	var sent []string
	for i, r := range reqs {
		if r.Method != http.MethodPost || r.Path != "/v1/embeddings" {
			t.Errorf("request %d: %s %s, want POST /v1/embeddings", i, r.Method, r.Path)
		}
		if r.Auth != "Bearer "+oaiTestKey {
			t.Errorf("request %d: Authorization %q", i, r.Auth)
		}
		if !strings.HasPrefix(r.ContentType, "application/json") {
			t.Errorf("request %d: Content-Type %q", i, r.ContentType)
		}
		if r.Body["model"] != "text-embedding-3-small" {
			t.Errorf("request %d: model %v", i, r.Body["model"])
		}
		if f, ok := r.Body["encoding_format"]; ok && f != "float" {
			t.Errorf("request %d: encoding_format %v, want float or absent", i, f)
		}
		if _, ok := r.Body["dimensions"]; ok {
			t.Errorf("request %d: dimensions sent though none configured: %v", i, r.Body["dimensions"])
		}
		in := oaiInputs(t, r.Body)
		if want := []int{2, 2, 1}[i]; len(in) != want {
			t.Errorf("request %d: %d inputs, want %d", i, len(in), want)
		}
		sent = append(sent, in...)
	}
	if strings.Join(sent, "|") != strings.Join(texts, "|") {
		t.Errorf("sent %q, want %q", sent, texts)
	}
	if e.Dims() != 6 {
		t.Errorf("Dims() = %d, want 6", e.Dims())
	}
	if len(sleeps.got()) != 0 {
		t.Errorf("slept %v without any failure", sleeps.got())
	}
}

func TestOpenAIEmbedderDefaultBatchAndDuplicates(t *testing.T) {
	stub := newOAIStub(t, embedOK(t, 4))
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
	var texts []string
	for i := range 130 {
		texts = append(texts, fmt.Sprintf("条款文本%d", i%100)) // 100 distinct, 30 repeated
	}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	wantVectors(t, got, texts, 4)
	reqs := stub.requests()
	if len(reqs) != 2 || len(oaiInputs(t, reqs[0].Body)) != 64 || len(oaiInputs(t, reqs[1].Body)) != 36 {
		t.Fatalf("want batches of 64 and 36 distinct texts, got %d requests", len(reqs))
	}
	got[100][0] = 42 // a repeated text has its own slice
	if got[0][0] == 42 {
		t.Error("repeated texts share one slice")
	}
}

func TestOpenAIEmbedderBaseURL(t *testing.T) {
	for _, tc := range []struct{ suffix, path string }{
		{"", "/v1/embeddings"},
		{"/", "/v1/embeddings"},
		{"/v1", "/v1/embeddings"},
		{"/v1/", "/v1/embeddings"},
		{"/compatible-mode/v1", "/compatible-mode/v1/embeddings"},
	} {
		t.Run(tc.suffix, func(t *testing.T) {
			stub := newOAIStub(t, embedOK(t, 3))
			e := newTestEmbedder(t, stub.srv.URL+tc.suffix, &oaiSleeps{}, nil)
			if _, err := e.Embed(context.Background(), []string{"你好"}); err != nil {
				t.Fatalf("Embed: %v", err)
			}
			if p := stub.requests()[0].Path; p != tc.path {
				t.Errorf("base %q: path %q, want %q", tc.suffix, p, tc.path)
			}
		})
	}
}

func TestOpenAIEmbedderRecordedResponse(t *testing.T) {
	for _, tc := range []struct {
		file  string
		texts []string
		dims  int
	}{
		{"embeddings_response.json", []string{"不得在工作时间玩手机", "着装整洁", "规范中没有相关规定"}, 8},
		{"ollama_embeddings_response.json", []string{"你好"}, 4},
	} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "openai", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var fixture struct {
				Data []struct {
					Index     int       `json:"index"`
					Embedding []float32 `json:"embedding"`
				} `json:"data"`
			}
			if err := json.Unmarshal(raw, &fixture); err != nil {
				t.Fatal(err)
			}
			stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(raw)
			})
			e := newTestEmbedder(t, stub.srv.URL+"/v1", &oaiSleeps{}, nil)
			got, err := e.Embed(context.Background(), tc.texts)
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			if len(got) != len(tc.texts) {
				t.Fatalf("%d vectors, want %d", len(got), len(tc.texts))
			}
			for _, d := range fixture.Data {
				want := Normalize(append([]float32(nil), d.Embedding...))
				if len(got[d.Index]) != tc.dims {
					t.Fatalf("vector %d has %d dimensions, want %d", d.Index, len(got[d.Index]), tc.dims)
				}
				for k := range want {
					if math.Abs(float64(got[d.Index][k]-want[k])) > 1e-6 {
						t.Fatalf("vector %d = %v, want %v", d.Index, got[d.Index], want)
					}
				}
			}
		})
	}
}

func TestOpenAIEmbedderOutOfOrderIndices(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeEmbeddings(w, "m", oaiInputs(t, body), 5, []int{2, 0, 3, 1})
	})
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
	texts := []string{"甲", "乙乙", "丙丙丙", "丁丁丁丁"}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	wantVectors(t, got, texts, 5)
}

func TestOpenAIEmbedderBadIndices(t *testing.T) {
	for name, order := range map[string][]int{"repeated": {0, 0, 1}, "out of range": {0, 1, 3}} {
		t.Run(name, func(t *testing.T) {
			stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
				in := append(oaiInputs(t, body), "extra")
				writeEmbeddings(w, "m", in, 3, order)
			})
			e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
			_, err := e.Embed(context.Background(), []string{"a", "b", "c"})
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("err = %v, want ErrBadResponse", err)
			}
		})
	}
}

func TestOpenAIEmbedderQueryCache(t *testing.T) {
	stub := newOAIStub(t, embedOK(t, 4))
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) { c.QueryCacheSize = 2 })
	ctx := context.Background()
	first, err := e.Embed(ctx, []string{"可以穿拖鞋吗"})
	if err != nil {
		t.Fatal(err)
	}
	first[0][0] = 99 // the caller's copy; the cache keeps its own
	second, err := e.Embed(ctx, []string{"可以穿拖鞋吗"})
	if err != nil {
		t.Fatal(err)
	}
	if n := stub.calls(); n != 1 {
		t.Fatalf("%d requests for the same question twice, want 1", n)
	}
	wantVectors(t, second, []string{"可以穿拖鞋吗"}, 4)

	// A batch reuses cached questions and sends only the rest; batches are not cached.
	if _, err := e.Embed(ctx, []string{"可以穿拖鞋吗", "条款甲", "条款乙"}); err != nil {
		t.Fatal(err)
	}
	reqs := stub.requests()
	if len(reqs) != 2 || len(oaiInputs(t, reqs[1].Body)) != 2 {
		t.Fatalf("want a second request with 2 inputs, got %d requests", len(reqs))
	}
	if e.cache.len() != 1 {
		t.Errorf("cache holds %d entries after a batch, want 1", e.cache.len())
	}

	// Bounded: the least recently used question goes.
	for _, q := range []string{"问题二", "问题三"} {
		if _, err := e.Embed(ctx, []string{q}); err != nil {
			t.Fatal(err)
		}
	}
	if e.cache.len() != 2 {
		t.Errorf("cache holds %d entries, want its bound 2", e.cache.len())
	}
	before := stub.calls()
	if _, err := e.Embed(ctx, []string{"可以穿拖鞋吗"}); err != nil {
		t.Fatal(err)
	}
	if stub.calls() != before+1 {
		t.Errorf("evicted question cost %d requests, want 1", stub.calls()-before)
	}
}

func TestOpenAIEmbedderEmptyInput(t *testing.T) {
	stub := newOAIStub(t, embedOK(t, 3))
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
	got, err := e.Embed(context.Background(), nil)
	if got != nil || err != nil {
		t.Fatalf("Embed(nil) = %v, %v; want nil, nil", got, err)
	}
	if _, err := e.Embed(context.Background(), []string{}); err != nil {
		t.Fatal(err)
	}
	if stub.calls() != 0 {
		t.Errorf("%d requests for empty input", stub.calls())
	}
}

func TestOpenAIEmbedderRetryAfter429(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		if n == 1 {
			w.Header().Set("Retry-After", "7")
			writeOpenAIError(w, http.StatusTooManyRequests, "Rate limit reached for text-embedding-3-small",
				"requests", "rate_limit_exceeded")
			return
		}
		writeEmbeddings(w, "m", oaiInputs(t, body), 3, nil)
	})
	var sleeps oaiSleeps
	e := newTestEmbedder(t, stub.srv.URL, &sleeps, nil)
	got, err := e.Embed(context.Background(), []string{"问题"})
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	wantVectors(t, got, []string{"问题"}, 3)
	if stub.calls() != 2 {
		t.Errorf("%d requests, want 2", stub.calls())
	}
	if s := sleeps.got(); len(s) != 1 || s[0] != 7*time.Second {
		t.Errorf("slept %v, want [7s] from Retry-After", s)
	}
}

func TestOpenAIEmbedderRetry5xxWithBackoff(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		switch n {
		case 1:
			writeOpenAIError(w, http.StatusInternalServerError, "The server had an error while processing your request.", "server_error", nil)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")
		default:
			writeEmbeddings(w, "m", oaiInputs(t, body), 3, nil)
		}
	})
	var sleeps oaiSleeps
	e := newTestEmbedder(t, stub.srv.URL, &sleeps, nil)
	if _, err := e.Embed(context.Background(), []string{"问题"}); err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if stub.calls() != 3 {
		t.Errorf("%d requests, want 3", stub.calls())
	}
	s := sleeps.got()
	if len(s) != 2 {
		t.Fatalf("slept %v, want 2 waits", s)
	}
	for i, d := range s {
		full := oaiBackoffBase << i
		if d < full/2 || d > full {
			t.Errorf("wait %d = %v, want within [%v, %v]", i+1, d, full/2, full)
		}
	}
}

func TestOpenAIEmbedderGivesUp(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeOpenAIError(w, http.StatusServiceUnavailable, "The engine is currently overloaded, please try again later.", "server_error", nil)
	})
	var sleeps oaiSleeps
	e := newTestEmbedder(t, stub.srv.URL, &sleeps, func(c *OpenAIConfig) { c.MaxRetries = 2 })
	_, err := e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 503 {
		t.Errorf("err does not wrap the 503 *openai.APIError: %#v", err)
	}
	var se *ServiceError
	if !errors.As(err, &se) || se.Attempts != 3 || se.StatusCode != 503 || !strings.Contains(se.Message, "overloaded") {
		t.Errorf("ServiceError = %+v", se)
	}
	if stub.calls() != 3 || len(sleeps.got()) != 2 {
		t.Errorf("%d requests and %d waits, want 3 and 2", stub.calls(), len(sleeps.got()))
	}
}

func TestOpenAIEmbedderNoRetryOn4xx(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeOpenAIError(w, http.StatusUnauthorized, "Incorrect API key provided: sk-test-***9c. You can find your API key at https://platform.openai.com/account/api-keys.",
			"invalid_request_error", "invalid_api_key")
	})
	var sleeps oaiSleeps
	e := newTestEmbedder(t, stub.srv.URL, &sleeps, nil)
	_, err := e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrRejected) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrRejected only", err)
	}
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "invalid_api_key" {
		t.Errorf("err does not wrap the *openai.APIError: %v", err)
	}
	if stub.calls() != 1 || len(sleeps.got()) != 0 {
		t.Errorf("%d requests and %d waits, want 1 and 0", stub.calls(), len(sleeps.got()))
	}
}

func TestOpenAIEmbedderInsufficientQuotaNotRetried(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeOpenAIError(w, http.StatusTooManyRequests, "You exceeded your current quota, please check your plan and billing details.",
			"insufficient_quota", "insufficient_quota")
	})
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
	_, err := e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrUnavailable) || stub.calls() != 1 {
		t.Fatalf("err = %v after %d requests, want ErrUnavailable after 1", err, stub.calls())
	}
}

func TestOpenAIEmbedderOllamaStyleError(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "openai", "ollama_error_model_not_found.json"))
	if err != nil {
		t.Fatal(err)
	}
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(raw)
	})
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) { c.APIKey = ""; c.EmbeddingModel = "bge-m3" })
	_, err = e.Embed(context.Background(), []string{"问题"})
	var reqErr *openai.RequestError
	if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != 404 {
		t.Fatalf("err = %v, want a 404 *openai.RequestError", err)
	}
	if !errors.Is(err, ErrRejected) {
		t.Errorf("err = %v, want ErrRejected", err)
	}
	if !strings.Contains(err.Error(), `model "bge-m3" not found`) {
		t.Errorf("message lost: %v", err)
	}
	if stub.calls() != 1 {
		t.Errorf("%d requests, want 1", stub.calls())
	}
	if a := stub.requests()[0].Auth; a != "" {
		t.Errorf("Authorization %q sent without an API key", a)
	}
}

func TestOpenAIEmbedderMalformedJSON(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,`)
	})
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
	_, err := e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrBadResponse) || stub.calls() != 1 {
		t.Fatalf("err = %v after %d requests, want ErrBadResponse after 1", err, stub.calls())
	}

	stub2 := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":"AAAA"}]}`)
	})
	e = newTestEmbedder(t, stub2.srv.URL, &oaiSleeps{}, nil)
	_, err = e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrBadResponse) || stub2.calls() != 1 {
		t.Fatalf("err = %v after %d requests, want ErrBadResponse after 1", err, stub2.calls())
	}

	stub3 := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `not json at all`)
	})
	e = newTestEmbedder(t, stub3.srv.URL, &oaiSleeps{}, nil)
	_, err = e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrBadResponse) || stub3.calls() != 1 {
		t.Fatalf("err = %v after %d requests, want ErrBadResponse after 1", err, stub3.calls())
	}
}

func TestOpenAIEmbedderTimeout(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		select { // a server that never answers in time
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	var sleeps oaiSleeps
	e := newTestEmbedder(t, stub.srv.URL, &sleeps, func(c *OpenAIConfig) { c.Timeout = 50 * time.Millisecond; c.MaxRetries = 1 })
	start := time.Now()
	_, err := e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v: the per-request timeout was not applied", el)
	}
	// Counted on the client side: a request cut off by its timeout may never reach the handler.
	var se *ServiceError
	if !errors.As(err, &se) || se.Attempts != 2 || len(sleeps.got()) != 1 || stub.calls() > 2 {
		t.Errorf("%d attempts, %d waits, %d requests seen; want 2, 1, at most 2", se.Attempts, len(sleeps.got()), stub.calls())
	}
}

func TestOpenAIEmbedderConnectionError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	var sleeps oaiSleeps
	e := newTestEmbedder(t, base, &sleeps, nil)
	_, err := e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	var se *ServiceError
	if !errors.As(err, &se) || se.Attempts != 4 || len(sleeps.got()) != 3 {
		t.Errorf("ServiceError %+v after %d waits, want 4 attempts and 3 waits (MaxRetries default 3)", se, len(sleeps.got()))
	}
}

func TestOpenAIEmbedderCallerCancel(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeOpenAIError(w, http.StatusBadGateway, "bad gateway", "server_error", nil)
	})
	ctx, cancel := context.WithCancel(context.Background())
	e := newTestEmbedder(t, stub.srv.URL, nil, func(c *OpenAIConfig) {
		c.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	})
	_, err := e.Embed(ctx, []string{"问题"})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want context.Canceled (the caller gave up), not ErrUnavailable", err)
	}
	if stub.calls() != 1 {
		t.Errorf("%d requests, want 1", stub.calls())
	}
	if _, err := e.Embed(ctx, []string{"另一个问题"}); !errors.Is(err, context.Canceled) || stub.calls() != 1 {
		t.Errorf("with a cancelled context: err = %v after %d requests", err, stub.calls())
	}
}

func TestOpenAIEmbedderDimensionChecks(t *testing.T) {
	t.Run("batches disagree", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			writeEmbeddings(w, "m", oaiInputs(t, body), 2+n, nil) // 3 dimensions, then 4
		})
		e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) { c.BatchSize = 2 })
		_, err := e.Embed(context.Background(), []string{"a", "b", "c"})
		if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "4 dimensions") || !strings.Contains(err.Error(), "had 3") {
			t.Fatalf("err = %v, want a dimension mismatch", err)
		}
	})
	t.Run("calls disagree", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			writeEmbeddings(w, "m", oaiInputs(t, body), 2+n, nil)
		})
		e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
		if _, err := e.Embed(context.Background(), []string{"a"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Embed(context.Background(), []string{"b"}); !errors.Is(err, ErrBadResponse) {
			t.Fatalf("err = %v, want ErrBadResponse", err)
		}
	})
	t.Run("within a response", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			_, _ = io.WriteString(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,0,0]},`+
				`{"object":"embedding","index":1,"embedding":[1,0]}],"model":"m","usage":{"prompt_tokens":2,"total_tokens":2}}`)
		})
		e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
		if _, err := e.Embed(context.Background(), []string{"a", "b"}); !errors.Is(err, ErrBadResponse) {
			t.Fatalf("err = %v, want ErrBadResponse", err)
		}
	})
	t.Run("configured dimensions", func(t *testing.T) {
		stub := newOAIStub(t, embedOK(t, 4)) // a server that ignores "dimensions"
		e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) { c.Dimensions = 3 })
		_, err := e.Embed(context.Background(), []string{"a"})
		if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "Dimensions is 3") {
			t.Fatalf("err = %v, want a dimension mismatch", err)
		}
		if d := stub.requests()[0].Body["dimensions"]; d != float64(3) {
			t.Errorf("dimensions sent: %v, want 3", d)
		}
	})
	t.Run("missing vector", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			writeEmbeddings(w, "m", oaiInputs(t, body)[:1], 3, nil)
		})
		e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
		if _, err := e.Embed(context.Background(), []string{"a", "b"}); !errors.Is(err, ErrBadResponse) {
			t.Fatalf("err = %v, want ErrBadResponse", err)
		}
	})
}

func TestOpenAIEmbedderAllIndicesZero(t *testing.T) {
	// Older llama.cpp servers number every item 0 but answer in order.
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		in := oaiInputs(t, body)
		var b strings.Builder
		b.WriteString(`{"object":"list","data":[`)
		for i, s := range in {
			v, _ := json.Marshal(oaiTestVector(s, 3))
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"object":"embedding","index":0,"embedding":%s}`, v)
		}
		b.WriteString(`],"model":"m"}`)
		_, _ = io.WriteString(w, b.String())
	})
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, nil)
	texts := []string{"一", "二二", "三三三"}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	wantVectors(t, got, texts, 3)
}

func TestOpenAIEmbedderConfig(t *testing.T) {
	if _, err := NewOpenAIEmbedder(OpenAIConfig{APIKey: oaiTestKey}); err == nil {
		t.Error("no error without EmbeddingModel")
	}
	if _, err := NewOpenAIEmbedder(OpenAIConfig{EmbeddingModel: "m", BaseURL: "localhost:11434"}); err == nil {
		t.Error("no error for a base URL without scheme")
	}
	if _, err := NewOpenAIEmbedder(OpenAIConfig{EmbeddingModel: "m", Dimensions: -1}); err == nil {
		t.Error("no error for negative Dimensions")
	}
	for _, tc := range []struct {
		cfg  OpenAIConfig
		want string
	}{
		{OpenAIConfig{EmbeddingModel: "text-embedding-3-small"}, "openai:text-embedding-3-small"},
		{OpenAIConfig{EmbeddingModel: "text-embedding-3-large", Dimensions: 1024}, "openai:text-embedding-3-large?dimensions=1024"},
		{OpenAIConfig{EmbeddingModel: " bge-m3:latest ", BaseURL: "http://localhost:11434"}, "openai:bge-m3:latest"},
	} {
		e, err := NewOpenAIEmbedder(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if e.Model() != tc.want {
			t.Errorf("Model() = %q, want %q", e.Model(), tc.want)
		}
	}
	for raw, want := range map[string]string{
		"":                                     "https://api.openai.com/v1",
		"http://localhost:11434":               "http://localhost:11434/v1",
		"http://localhost:11434/":              "http://localhost:11434/v1",
		"http://localhost:11434/v1/":           "http://localhost:11434/v1",
		"https://open.bigmodel.cn/api/paas/v4": "https://open.bigmodel.cn/api/paas/v4",
	} {
		if got, err := openAIBaseURL(raw); err != nil || got != want {
			t.Errorf("openAIBaseURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

func TestOpenAIRetryAfterHeader(t *testing.T) {
	now := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    map[string]string
		want time.Duration
		ok   bool
	}{
		{map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond, true},
		{map[string]string{"Retry-After-Ms": "1500", "Retry-After": "2"}, 1500 * time.Millisecond, true},
		{map[string]string{"Retry-After": now.Add(20 * time.Second).Format(http.TimeFormat)}, 20 * time.Second, true},
		{map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0, true},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{map[string]string{}, 0, false},
	} {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		if got, ok := parseRetryAfter(h, now); got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%v) = %v, %v; want %v, %v", tc.h, got, ok, tc.want, tc.ok)
		}
	}
}

func TestOpenAIBackoff(t *testing.T) {
	for n := 1; n <= 12; n++ {
		full := min(oaiBackoffBase<<min(n-1, 20), oaiBackoffMax)
		for range 50 {
			if d := oaiBackoff(n); d < full/2 || d > full {
				t.Fatalf("oaiBackoff(%d) = %v, want within [%v, %v]", n, d, full/2, full)
			}
		}
	}
}

func TestOpenAIRetryAfterTooLong(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		w.Header().Set("Retry-After", "3600")
		writeOpenAIError(w, http.StatusTooManyRequests, "Rate limit reached", "requests", "rate_limit_exceeded")
	})
	var sleeps oaiSleeps
	e := newTestEmbedder(t, stub.srv.URL, &sleeps, nil)
	_, err := e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(err, ErrUnavailable) || stub.calls() != 1 || len(sleeps.got()) != 0 {
		t.Fatalf("err = %v after %d requests and waits %v; want ErrUnavailable at once", err, stub.calls(), sleeps.got())
	}
}

func TestOpenAIKeyNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeOpenAIError(w, http.StatusInternalServerError, "boom", "server_error", nil)
	})
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) {
		c.Log = log
		c.BaseURL = strings.Replace(stub.srv.URL, "http://", "http://user:"+oaiTestKey+"@", 1)
	})
	_, err := e.Embed(context.Background(), []string{"问题"})
	if err == nil {
		t.Fatal("no error")
	}
	w, err2 := NewOpenAIAnswerWriter(OpenAIConfig{APIKey: oaiTestKey, BaseURL: stub.srv.URL, ChatModel: "gpt-4o-mini", Log: log, Sleep: (&oaiSleeps{}).sleep})
	if err2 != nil {
		t.Fatal(err2)
	}
	_, err2 = w.WriteAnswer(context.Background(), "问题", []SourceClause{{ID: "1.3.3", Title: "服务仪表", Text: "着装整洁"}}, "")
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("expected retry logs, got %q", logs.String())
	}
	for _, s := range []string{logs.String(), err.Error(), err2.Error(), fmt.Sprintf("%+v", err)} {
		if strings.Contains(s, oaiTestKey) {
			t.Errorf("API key leaked: %s", s)
		}
	}
}

func TestOpenAIErrorBodyMessage(t *testing.T) {
	long := "<html><head><title>502 Bad Gateway</title></head><body>" + strings.Repeat("网关错误 ", 100) + "</body></html>"
	for _, tc := range []struct{ body, want string }{
		{`{"error":"model not found"}`, "model not found"},
		{`{"error":{"message":"bad input","type":"invalid_request_error"}}`, "bad input"},
		{`{"object":"error","message":"The model does not exist.","type":"NotFoundError","code":404}`, "The model does not exist."},
		{`{"detail":"Not Found"}`, "Not Found"},
		{"  plain\n text  ", "plain text"},
	} {
		if got := openAIBodyMessage([]byte(tc.body)); got != tc.want {
			t.Errorf("openAIBodyMessage(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
	got := openAIBodyMessage([]byte(long))
	if !strings.HasSuffix(got, "…") || len(got) > 204 || !utf8.ValidString(got) {
		t.Errorf("long body not cut cleanly: %q", got)
	}
}

func TestOpenAIDefaultSleep(t *testing.T) {
	if err := oaiSleep(context.Background(), 0); err != nil {
		t.Errorf("oaiSleep(0) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := oaiSleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("oaiSleep on a cancelled context = %v", err)
	}
	if err := oaiSleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("oaiSleep(1ms) = %v", err)
	}
}

func TestOpenAIEmbedderConcurrent(t *testing.T) {
	stub := newOAIStub(t, embedOK(t, 4))
	e := newTestEmbedder(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) { c.QueryCacheSize = 3; c.BatchSize = 3 })
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			texts := []string{fmt.Sprintf("问题%d", i%5)}
			if i%2 == 0 {
				texts = append(texts, "条款甲", "条款乙", fmt.Sprintf("条款%d", i))
			}
			got, err := e.Embed(context.Background(), texts)
			if err != nil {
				t.Error(err)
				return
			}
			wantVectors(t, got, texts, 4)
		})
	}
	wg.Wait()
	if n := e.cache.len(); n > 3 {
		t.Errorf("cache holds %d entries, bound 3", n)
	}
}

// A server that echoes the Authorization header in its error bodies, and a key in the base URL's query (as some
// proxies take it) and user info: the key appears in no log line and no error, on retries and at the end, for
// embeddings and chat completions, in OpenAI's error format and in a plain-text body.
func TestOpenAISecretsRedactedEverywhere(t *testing.T) {
	const queryKey = "qk-QUERY-SECRET-91b2"
	const password = "pw-USERINFO-SECRET-5d"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var gotQuery []string
	var mu sync.Mutex
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		mu.Lock()
		gotQuery = append(gotQuery, r.URL.Query().Get("api-key"))
		mu.Unlock()
		echo := fmt.Sprintf("invalid credentials: got %q for %s", r.Header.Get("Authorization"), "http://"+r.Host+r.URL.String())
		switch {
		case r.URL.Path == "/v1/embeddings" && n%2 == 1:
			writeOpenAIError(w, http.StatusInternalServerError, echo, "server_error", nil)
		case r.URL.Path == "/v1/embeddings":
			w.WriteHeader(http.StatusInternalServerError) // not JSON: the start of the body is the message
			_, _ = io.WriteString(w, "<html>upstream error: "+echo+"</html>")
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": echo}) // Ollama's format
		}
	})
	base := strings.Replace(stub.srv.URL, "http://", "http://proxyuser:"+password+"@", 1) + "/v1?api-key=" + queryKey
	e := newTestEmbedder(t, base, &oaiSleeps{}, func(c *OpenAIConfig) { c.Log = log })
	_, errEmbed := e.Embed(context.Background(), []string{"问题"})
	if !errors.Is(errEmbed, ErrUnavailable) {
		t.Fatalf("Embed: %v, want ErrUnavailable", errEmbed)
	}
	w, err := NewOpenAIAnswerWriter(OpenAIConfig{APIKey: oaiTestKey, BaseURL: base, ChatModel: "gpt-4o-mini", Log: log, Sleep: (&oaiSleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, errChat := w.WriteAnswer(context.Background(), "问题", []SourceClause{{ID: "1.3.3", Title: "服务仪表", Text: "着装整洁"}}, "")
	if !errors.Is(errChat, ErrRejected) {
		t.Fatalf("WriteAnswer: %v, want ErrRejected", errChat)
	}

	// The stand-in did echo the secrets, and the base URL's query reached it on every request.
	mu.Lock()
	for i, q := range gotQuery {
		if q != queryKey {
			t.Errorf("request %d: api-key %q, want the base URL's", i+1, q)
		}
	}
	mu.Unlock()
	if n := strings.Count(logs.String(), "retrying"); n < 3 {
		t.Errorf("%d retry log lines, want 3 at least:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "invalid credentials") || !strings.Contains(errEmbed.Error(), "[REDACTED]") {
		t.Errorf("the echoed message is not in the log or the error, redacted:\n%s\n%v", logs.String(), errEmbed)
	}
	_, errConn := newTestEmbedder(t, strings.Replace(base, stub.srv.URL[len("http://"):], "127.0.0.1:1", 1), &oaiSleeps{},
		func(c *OpenAIConfig) { c.Log = log; c.MaxRetries = 1 }).Embed(context.Background(), []string{"连接"})
	if !errors.Is(errConn, ErrUnavailable) {
		t.Fatalf("Embed from nowhere: %v", errConn)
	}
	var se *ServiceError
	if !errors.As(errConn, &se) {
		t.Fatalf("not a ServiceError: %v", errConn)
	}
	for name, s := range map[string]string{
		"log": logs.String(), "embed error": errEmbed.Error(), "chat error": errChat.Error(),
		"connection error": errConn.Error(), "connection cause": se.Err.Error(), "embed %+v": fmt.Sprintf("%+v", errEmbed),
	} {
		for _, secret := range []string{oaiTestKey, queryKey, password} {
			if strings.Contains(s, secret) {
				t.Errorf("%s carries %q:\n%s", name, secret, s)
			}
		}
	}
}

func TestOAIRedact(t *testing.T) {
	r := newOAIRedactor("sk-abc123456789", "https://u:p4ss-word@proxy.example/v1?key=k3y-value&x=1")
	for _, c := range []struct{ in, want string }{
		{"Bearer sk-abc123456789 refused", "Bearer [REDACTED] refused"},
		{`Post "https://proxy.example/v1/embeddings?key=k3y-value": EOF`, `Post "https://proxy.example/v1/embeddings?[REDACTED]": EOF`},
		{"escaped k3y%2Dvalue stays? k3y-value goes", "escaped k3y%2Dvalue stays? [REDACTED] goes"},
		{"user p4ss-word", "user [REDACTED]"},
		{"other key sk-zzzzzzzzzzzz leaked", "other key [REDACTED] leaked"},
		{"authorization: basic dXNlcjpwYXNz", "authorization: basic [REDACTED]"},
		{"http://a:b@h/x", "http://%5BREDACTED%5D@h/x"},
		{"模型不存在 (model not found)", "模型不存在 (model not found)"},
	} {
		if got := r.redact(c.in); got != c.want {
			t.Errorf("redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	wrapped := r.err(fmt.Errorf("dial: %w", context.DeadlineExceeded))
	if !errors.Is(wrapped, context.DeadlineExceeded) {
		t.Errorf("redacted error lost its cause: %v", wrapped)
	}
}
