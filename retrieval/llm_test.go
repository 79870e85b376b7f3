package retrieval

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var answerTestSources = []SourceClause{
	{ID: "1.3.3", Title: "服务仪表", Text: "着装整洁，仪表端庄，不穿拖鞋、背心上岗。"},
	{ID: "1.4.2", Title: "服务纪律", Text: "工作时间不得玩手机、不得闲聊。"},
}

// writeChat answers a chat completion request in OpenAI's format.
func writeChat(w http.ResponseWriter, content, finish string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1741569952, "model": "gpt-4o-mini-2024-07-18",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": finish,
		}},
		"usage":              map[string]int{"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340},
		"system_fingerprint": "fp_test",
	})
}

func newTestWriter(t *testing.T, base string, sleeps *oaiSleeps, mod func(*OpenAIConfig)) *OpenAIAnswerWriter {
	t.Helper()
	cfg := OpenAIConfig{APIKey: oaiTestKey, BaseURL: base, ChatModel: "gpt-4o-mini", Sleep: sleeps.sleep}
	if mod != nil {
		mod(&cfg)
	}
	w, err := NewOpenAIAnswerWriter(cfg)
	if err != nil {
		t.Fatalf("NewOpenAIAnswerWriter: %v", err)
	}
	return w
}

func TestOpenAIAnswerWriterRequest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "openai", "chat_completion_response.json"))
	if err != nil {
		t.Fatal(err)
	}
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(raw)
	})
	wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, nil)
	got, err := wr.WriteAnswer(context.Background(), "上班可以穿拖鞋吗？", answerTestSources, "不可以。依据【1.3.3】：不穿拖鞋、背心上岗。")
	if err != nil {
		t.Fatalf("WriteAnswer: %v", err)
	}
	if want := "不可以。工作人员在窗口服务时应着装整洁、仪表端庄，不得穿拖鞋上岗【1.3.3】。"; got != want {
		t.Errorf("answer %q, want %q", got, want)
	}
	reqs := stub.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v1/chat/completions" || r.Auth != "Bearer "+oaiTestKey {
		t.Errorf("request %s %s Authorization %q", r.Method, r.Path, r.Auth)
	}
	if r.Body["model"] != "gpt-4o-mini" {
		t.Errorf("model %v", r.Body["model"])
	}
	temp, ok := r.Body["temperature"].(float64)
	if !ok || temp <= 0 || temp > 0.001 {
		t.Errorf("temperature %v: want present and near 0", r.Body["temperature"])
	}
	if r.Body["stream"] != false {
		t.Errorf("stream %v", r.Body["stream"])
	}
	msgs, _ := r.Body["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("messages %v", r.Body["messages"])
	}
	sys, user := msgs[0].(map[string]any), msgs[1].(map[string]any)
	if sys["role"] != "system" || user["role"] != "user" {
		t.Errorf("roles %v, %v", sys["role"], user["role"])
	}
	for _, want := range []string{"简体中文", "只能依据给出的条款", "【1.3.3】", "规范中没有相关规定"} {
		if !strings.Contains(sys["content"].(string), want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	for _, want := range []string{"上班可以穿拖鞋吗？", "【1.3.3】（服务仪表）着装整洁", "【1.4.2】（服务纪律）", "不可以。依据【1.3.3】"} {
		if !strings.Contains(user["content"].(string), want) {
			t.Errorf("user message lacks %q:\n%s", want, user["content"])
		}
	}
}

func TestOpenAIAnswerWriterDropsUnsupportedCitations(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeChat(w, "<think>先看条款。</think>\n不可以。工作时间不得玩手机【1.4.2】【9.9】，也不得闲聊（见第2.1条）。", "stop")
	})
	wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, nil)
	got, err := wr.WriteAnswer(context.Background(), "能玩手机吗", answerTestSources, "不可以。")
	if err != nil {
		t.Fatal(err)
	}
	if want := "不可以。工作时间不得玩手机【1.4.2】，也不得闲聊（见）。"; got != want {
		t.Errorf("answer %q, want %q", got, want)
	}
}

func TestOpenAIAnswerWriterRetriesOnce(t *testing.T) {
	t.Run("429 then success", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			if n == 1 {
				w.Header().Set("Retry-After", "2")
				writeOpenAIError(w, http.StatusTooManyRequests, "Rate limit reached for gpt-4o-mini", "requests", "rate_limit_exceeded")
				return
			}
			writeChat(w, "不可以【1.3.3】。", "stop")
		})
		var sleeps oaiSleeps
		wr := newTestWriter(t, stub.srv.URL, &sleeps, nil)
		got, err := wr.WriteAnswer(context.Background(), "能穿拖鞋吗", answerTestSources, "不可以。")
		if err != nil || got != "不可以【1.3.3】。" {
			t.Fatalf("WriteAnswer = %q, %v", got, err)
		}
		if s := sleeps.got(); stub.calls() != 2 || len(s) != 1 || s[0] != 2*time.Second {
			t.Errorf("%d requests, waits %v; want 2 requests and [2s]", stub.calls(), s)
		}
	})
	t.Run("5xx twice", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			writeOpenAIError(w, http.StatusServiceUnavailable, "overloaded", "server_error", nil)
		})
		var sleeps oaiSleeps
		wr := newTestWriter(t, stub.srv.URL, &sleeps, func(c *OpenAIConfig) { c.MaxRetries = 5 })
		_, err := wr.WriteAnswer(context.Background(), "能穿拖鞋吗", answerTestSources, "不可以。")
		if !errors.Is(err, ErrUnavailable) || stub.calls() != 2 || len(sleeps.got()) != 1 {
			t.Fatalf("err = %v after %d requests; want ErrUnavailable after 2", err, stub.calls())
		}
	})
	t.Run("retries disabled", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			writeOpenAIError(w, http.StatusInternalServerError, "boom", "server_error", nil)
		})
		wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) { c.MaxRetries = -1 })
		if _, err := wr.WriteAnswer(context.Background(), "q", answerTestSources, ""); !errors.Is(err, ErrUnavailable) || stub.calls() != 1 {
			t.Fatalf("err = %v after %d requests; want ErrUnavailable after 1", err, stub.calls())
		}
	})
	t.Run("4xx not retried", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			writeOpenAIError(w, http.StatusNotFound, "The model `gpt-9` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found")
		})
		wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, nil)
		if _, err := wr.WriteAnswer(context.Background(), "q", answerTestSources, ""); !errors.Is(err, ErrRejected) || stub.calls() != 1 {
			t.Fatalf("err = %v after %d requests; want ErrRejected after 1", err, stub.calls())
		}
	})
}

func TestOpenAIAnswerWriterTimeoutNotRetried(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) { c.Timeout = 50 * time.Millisecond })
	_, err := wr.WriteAnswer(context.Background(), "q", answerTestSources, "")
	var se *ServiceError
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &se) ||
		se.Attempts != 1 || stub.calls() > 1 {
		t.Fatalf("err = %v after %d requests; want a timeout after 1 attempt", err, stub.calls())
	}
}

func TestOpenAIAnswerWriterUnusableAnswers(t *testing.T) {
	for name, tc := range map[string]struct{ content, finish string }{
		"empty":          {"", "stop"},
		"whitespace":     {" \n\t　", "stop"},
		"only thinking":  {"<think>嗯……</think>\n", "stop"},
		"never finished": {"<think>嗯……", "length"},
		"cut off":        {"不可以。工作人员", "length"},
		"filtered":       {"", "content_filter"},
		"only bad cites": {"【9.9】", "stop"},
	} {
		t.Run(name, func(t *testing.T) {
			stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
				writeChat(w, tc.content, tc.finish)
			})
			wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, nil)
			got, err := wr.WriteAnswer(context.Background(), "q", answerTestSources, "")
			if !errors.Is(err, ErrBadResponse) || got != "" {
				t.Fatalf("WriteAnswer = %q, %v; want ErrBadResponse", got, err)
			}
		})
	}
	t.Run("no choices", func(t *testing.T) {
		stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
			_, _ = w.Write([]byte(`{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[]}`))
		})
		wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, nil)
		if _, err := wr.WriteAnswer(context.Background(), "q", answerTestSources, ""); !errors.Is(err, ErrBadResponse) {
			t.Fatalf("err = %v, want ErrBadResponse", err)
		}
	})
}

func TestOpenAIAnswerWriterNoSources(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeChat(w, "随便说说", "stop")
	})
	wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, nil)
	got, err := wr.WriteAnswer(context.Background(), "食堂几点开饭", nil, "")
	if err != nil || got != NoProvisionAnswer || stub.calls() != 0 {
		t.Fatalf("WriteAnswer = %q, %v after %d requests; want %q without a request", got, err, stub.calls(), NoProvisionAnswer)
	}
}

func TestOpenAIAnswerWriterReasoningModel(t *testing.T) {
	stub := newOAIStub(t, func(w http.ResponseWriter, r *http.Request, n int, body map[string]any) {
		writeChat(w, "不可以【1.3.3】。", "stop")
	})
	wr := newTestWriter(t, stub.srv.URL, &oaiSleeps{}, func(c *OpenAIConfig) { c.ChatModel = "o3-mini" })
	if _, err := wr.WriteAnswer(context.Background(), "q", answerTestSources, ""); err != nil {
		t.Fatalf("WriteAnswer: %v", err)
	}
	body := stub.requests()[0].Body
	if _, ok := body["temperature"]; ok {
		t.Errorf("temperature sent to a reasoning model: %v", body["temperature"])
	}
}

func TestOpenAIAnswerWriterConfig(t *testing.T) {
	if _, err := NewOpenAIAnswerWriter(OpenAIConfig{EmbeddingModel: "m"}); err == nil {
		t.Error("no error without ChatModel")
	}
	w, err := NewOpenAIAnswerWriter(OpenAIConfig{ChatModel: "qwen2.5:7b", BaseURL: "http://localhost:11434"})
	if err != nil || w.Model() != "openai:qwen2.5:7b" {
		t.Fatalf("NewOpenAIAnswerWriter = %v, %v", w, err)
	}
	if w.policy.timeout != 20*time.Second || w.policy.maxRetries != 1 || w.policy.retryTimeouts {
		t.Errorf("policy %+v: want 20 s, one retry, none after a timeout", w.policy)
	}
	e, err := NewOpenAIEmbedder(OpenAIConfig{EmbeddingModel: "m"})
	if err != nil || e.policy.timeout != 15*time.Second || e.policy.maxRetries != 3 || e.batch != 64 || e.cache.cap != 1000 {
		t.Fatalf("embedder defaults: %+v, %v", e, err)
	}
}

func TestCheckCitations(t *testing.T) {
	allowed := []SourceClause{{ID: "1.3.3"}, {ID: "1.4.2"}, {ID: "0"}, {ID: "2.1"}}
	for _, tc := range []struct {
		name, in, want string
		cited, removed []string
	}{
		{"none", "不可以穿拖鞋。", "不可以穿拖鞋。", nil, nil},
		{"lenticular kept", "不可以【1.3.3】。", "不可以【1.3.3】。", []string{"1.3.3"}, nil},
		{"lenticular removed", "不可以【9.9】。", "不可以。", nil, []string{"9.9"}},
		{"square", "见[1.3.3]和[7.1]。", "见[1.3.3]。", []string{"1.3.3"}, []string{"7.1"}},
		{"fullwidth paren", "着装整洁（1.3.3），不得闲聊（3.2.1）。", "着装整洁（1.3.3），不得闲聊。", []string{"1.3.3"}, []string{"3.2.1"}},
		{"ascii paren", "不得闲聊 (1.4.2) 也不得 (5.5) 玩手机", "不得闲聊 (1.4.2) 也不得 玩手机", []string{"1.4.2"}, []string{"5.5"}},
		{"article form", "根据第1.3.3条和第8.8条的规定", "根据第1.3.3条的规定", []string{"1.3.3"}, []string{"8.8"}},
		{"article form alone", "依照第8.8条，不可以。", "依照，不可以。", nil, []string{"8.8"}},
		{"list inside brackets", "【1.3.3、9.9、1.4.2】", "【1.3.3、1.4.2】", []string{"1.3.3", "1.4.2"}, []string{"9.9"}},
		{"list all removed", "不可以【9.9，9.8】。", "不可以。", nil, []string{"9.9", "9.8"}},
		{"bracketed article", "【第1.3.3条】【第6.1条】", "【第1.3.3条】", []string{"1.3.3"}, []string{"6.1"}},
		{"run with separator", "依据【9.9】、【1.3.3】。", "依据【1.3.3】。", []string{"1.3.3"}, []string{"9.9"}},
		{"run middle removed", "【1.3.3】、【9.9】和【1.4.2】", "【1.3.3】和【1.4.2】", []string{"1.3.3", "1.4.2"}, []string{"9.9"}},
		{"spaces mended", "不可以 【9.9】 穿拖鞋", "不可以 穿拖鞋", nil, []string{"9.9"}},
		{"no space before punctuation", "不可以 【9.9】。", "不可以。", nil, []string{"9.9"}},
		{"line start", "【9.9】 不可以\n  【9.8】 也不行", "不可以\n也不行", nil, []string{"9.9", "9.8"}},
		{"line end", "不可以 【9.9】\n下一行", "不可以\n下一行", nil, []string{"9.9"}},
		{"empty pair left", "不可以（【9.9】）。", "不可以。", nil, []string{"9.9"}},
		{"duplicates in order", "【1.4.2】【1.3.3】【1.4.2】【9.9】【9.9】", "【1.4.2】【1.3.3】【1.4.2】", []string{"1.4.2", "1.3.3"}, []string{"9.9"}},
		{"preamble and single level", "【0】总则[2.1]", "【0】总则[2.1]", []string{"0", "2.1"}, nil},
		{"bare number in brackets removed", "不可以[1]。", "不可以。", nil, []string{"1"}},
		{"document numbering untouched", "（一）服务仪表 (1) 着装 （1）整洁 第3条", "（一）服务仪表 (1) 着装 （1）整洁 第3条", nil, nil},
		{"decimal with unit untouched", "距离（1.5米）以内", "距离（1.5米）以内", nil, nil},
		{"spaces inside", "见【 1.3.3 】与【 9.9 】", "见【 1.3.3 】", []string{"1.3.3"}, []string{"9.9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, cited, removed := CheckCitations(tc.in, allowed)
			if got != tc.want {
				t.Errorf("clean = %q, want %q", got, tc.want)
			}
			if !reflect.DeepEqual(cited, tc.cited) {
				t.Errorf("cited = %q, want %q", cited, tc.cited)
			}
			if !reflect.DeepEqual(removed, tc.removed) {
				t.Errorf("removed = %q, want %q", removed, tc.removed)
			}
		})
	}
}
