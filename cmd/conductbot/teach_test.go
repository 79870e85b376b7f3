package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// TestImportTeaches: with CHAT_MODEL configured, import asks the chat model (an httptest stand-in of
// /v1/chat/completions) for lessons of every clause but the preamble and says how many it stored; importing the
// same file again asks nothing.
func TestImportTeaches(t *testing.T) {
	var requests, clauses atomic.Int64
	mark := regexp.MustCompile(`【([^】]+)】`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		raw, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v1/chat/completions" || json.Unmarshal(raw, &body) != nil || len(body.Messages) != 2 {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		requests.Add(1)
		var out []map[string]any
		for _, m := range mark.FindAllStringSubmatch(body.Messages[1].Content, -1) {
			clauses.Add(1)
			out = append(out, map[string]any{"id": m[1], "questions": []string{"第" + m[1] + "条讲的啥"}, "paraphrases": []string{}})
		}
		content, _ := json.Marshal(map[string]any{"clauses": out})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "model": "qwen-test",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": string(content)}}}})
	}))
	defer srv.Close()
	t.Setenv("CONDUCTBOT_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("LOG_LEVEL", "")
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "sk-test")
	t.Setenv("CHAT_MODEL", "qwen-test")
	t.Setenv("EMBEDDING_MODEL", "")
	file := filepath.Join("..", "..", "rules", "testdata", "articles-sample.txt")
	out, errs, code := runCmd(t, "import", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	n := clauses.Load()
	if n == 0 || requests.Load() == 0 || !strings.Contains(out, "now in force") {
		t.Fatalf("%d requests for %d clauses; out:\n%s\n%s", requests.Load(), n, out, errs)
	}
	if want := "asked of qwen-test, 0 from earlier imports"; !strings.Contains(out, want) {
		t.Errorf("no %q in\n%s", want, out)
	}
	before := requests.Load()
	out, errs, code = runCmd(t, "import", file)
	if code != 0 || requests.Load() != before || !strings.Contains(out, "0 asked of qwen-test") {
		t.Errorf("import again: exit %d, %d more requests\n%s\n%s", code, requests.Load()-before, out, errs)
	}
}
