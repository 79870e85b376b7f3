package retrieval

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conductbot/conductbot/rules"
)

// LessonWriter writes lessons for clauses: everyday questions staff would ask that the clause answers, and
// paraphrases of it in everyday words. It returns the texts by clause ID; a clause it has nothing for is left
// out.
type LessonWriter interface {
	WriteLessons(ctx context.Context, clauses []rules.Clause) (map[string][]string, error)
}

// LessonCache keeps lessons; Teach finds the model's lessons of unchanged clauses in it and stores new ones.
// The SQLite and PostgreSQL stores implement it.
type LessonCache interface {
	// ModelLessons returns the model's lessons, under any version, of clauses whose text hashes (rules.TextHash)
	// to one of clauseHashes.
	ModelLessons(ctx context.Context, clauseHashes []string) ([]rules.Lesson, error)
	// PutLessons stores lessons, keeping those already stored; it returns how many were new.
	PutLessons(ctx context.Context, lessons []rules.Lesson) (int, error)
}

// TeachBatch is how many clauses one request to the writer carries; TeachInFlight how many requests run at once.
const (
	TeachBatch    = 10
	TeachInFlight = 2
)

// TeachProgress is told after each batch how many of the clauses to write lessons for are done.
type TeachProgress func(done, total int)

// TeachResult says what Teach did.
type TeachResult struct {
	Clauses int // clauses of the version given lessons
	Cached  int // of which the lessons came from an earlier import of the same text
	Asked   int // of which the writer was asked
	Lessons int // lessons stored for the version
}

// Teach gives the clauses of v lessons written by w, stored in cache as the version's: a clause whose text was
// taught before (by its text hash, under any version) reuses those lessons and costs no request. The clauses
// the writer is asked about go TeachBatch to a request, TeachInFlight requests at a time; each batch is stored
// as it comes, so a failure loses only the batches not yet written (the next import asks for those only). The
// preamble and clauses without text get none. progress may be nil.
func Teach(ctx context.Context, v *rules.Version, w LessonWriter, cache LessonCache, progress TeachProgress) (TeachResult, error) {
	var res TeachResult
	var todo []rules.Clause
	hashOf := map[string]string{}
	for _, c := range v.Code.Clauses {
		if c.ID == rules.PreambleID || strings.TrimSpace(c.Text) == "" {
			continue
		}
		todo = append(todo, c)
		hashOf[c.ID] = rules.TextHash(c.Text)
	}
	res.Clauses = len(todo)
	if len(todo) == 0 {
		return res, nil
	}
	hashes := make([]string, 0, len(todo))
	for _, c := range todo {
		hashes = append(hashes, hashOf[c.ID])
	}
	known, err := cache.ModelLessons(ctx, hashes)
	if err != nil {
		return res, fmt.Errorf("teach: cached lessons: %w", err)
	}
	byHash := map[string][]string{}
	for _, l := range known {
		byHash[l.ClauseHash] = append(byHash[l.ClauseHash], l.Text)
	}
	var reuse []rules.Lesson
	var ask []rules.Clause
	for _, c := range todo {
		texts, ok := byHash[hashOf[c.ID]]
		if !ok {
			ask = append(ask, c)
			continue
		}
		res.Cached++
		for _, t := range texts {
			reuse = append(reuse, rules.Lesson{VersionID: v.ID, ClauseID: c.ID, Text: t, Source: rules.LessonModel, ClauseHash: hashOf[c.ID]})
		}
	}
	if _, err := cache.PutLessons(ctx, reuse); err != nil {
		return res, fmt.Errorf("teach: store cached lessons: %w", err)
	}
	res.Lessons = len(reuse)
	res.Asked = len(ask)
	if len(ask) == 0 {
		if progress != nil {
			progress(0, 0)
		}
		return res, nil
	}

	var (
		mu    sync.Mutex
		done  int
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, TeachInFlight)
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for start := 0; start < len(ask); start += TeachBatch {
		batch := ask[start:min(start+TeachBatch, len(ask))]
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			n, err := teachBatch(ctx, v, w, cache, batch, hashOf)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				cancel() // a failing server fails the rest too: stop asking
				return
			}
			res.Lessons += n
			done += len(batch)
			if progress != nil {
				progress(done, len(ask))
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return res, fmt.Errorf("teach: %d of %d clauses taught: %w", done, len(ask), errs[0])
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("teach: %w", err)
	}
	return res, nil
}

// teachBatch asks w about one batch and stores what it wrote; it returns how many lessons were stored.
func teachBatch(ctx context.Context, v *rules.Version, w LessonWriter, cache LessonCache, batch []rules.Clause, hashOf map[string]string) (int, error) {
	got, err := w.WriteLessons(ctx, batch)
	if err != nil {
		return 0, err
	}
	var ls []rules.Lesson
	for _, c := range batch {
		for _, t := range got[c.ID] {
			ls = append(ls, rules.Lesson{VersionID: v.ID, ClauseID: c.ID, Text: t, Source: rules.LessonModel, ClauseHash: hashOf[c.ID]})
		}
	}
	if _, err := cache.PutLessons(ctx, ls); err != nil {
		return 0, fmt.Errorf("store lessons: %w", err)
	}
	return len(ls), nil
}

// lessonSystemPrompt tells the model what lessons are.
const lessonSystemPrompt = `你在帮助一个政务服务中心的规范问答系统理解工作人员的提问方式。用户消息给出若干条规范条款，每条以【条款编号】开头。

对每一条条款：
1. 写出 5 到 8 个窗口工作人员在日常工作中可能会问、而这条条款能回答的口语化问题（用大白话、工作中的说法，例如“中午能在窗口趴一会吗”），问题要各不相同，每个不超过 30 个字；
2. 写出 2 到 3 句用日常说法对这条条款的转述，每句不超过 40 个字。

只依据条款本身，不要编造条款没有的规定。只输出一个 JSON 对象，不要输出其他内容，格式为：
{"clauses":[{"id":"条款编号","questions":["…"],"paraphrases":["…"]}]}`

const (
	defaultLessonTimeout = 90 * time.Second
	// lessonMaxRetryAfter: an import waits this long for a rate-limited server before giving up.
	lessonMaxRetryAfter = 2 * time.Minute
	lessonMaxTokens     = 4096
	// lessonMaxRunes is the longest lesson kept; longer texts are not the short questions asked for.
	lessonMaxRunes = 60
	// lessonMaxPerClause bounds what one clause takes: 8 questions and 4 paraphrases.
	lessonMaxPerClause = 12
)

// OpenAILessonWriter writes lessons with the /chat/completions endpoint of an OpenAI-compatible server, asking
// for JSON. It is safe for concurrent use.
type OpenAILessonWriter struct{ chatModel }

var _ LessonWriter = (*OpenAILessonWriter)(nil)

// NewOpenAILessonWriter checks cfg (ChatModel is required) and returns a writer; it sends no request. Each
// request times out after cfg.Timeout (default 90 s: a batch of lessons is a long answer) and is retried up to
// cfg.MaxRetries times (default 3) on 429, 5xx, timeouts and connection errors, after the server's Retry-After
// when it gives one (up to 2 minutes).
func NewOpenAILessonWriter(cfg OpenAIConfig) (*OpenAILessonWriter, error) {
	m, _, err := newChatModel(cfg, "openai lesson writer", oaiRetryPolicy{
		op:            "chat completions (lessons)",
		timeout:       oaiDefault(cfg.Timeout, defaultLessonTimeout),
		maxRetries:    oaiRetries(cfg.MaxRetries, 3),
		retryTimeouts: true,
		maxRetryAfter: lessonMaxRetryAfter,
	})
	if err != nil {
		return nil, err
	}
	return &OpenAILessonWriter{m}, nil
}

// lessonReply is the JSON the model is asked for.
type lessonReply struct {
	Clauses []struct {
		ID          string   `json:"id"`
		Questions   []string `json:"questions"`
		Paraphrases []string `json:"paraphrases"`
	} `json:"clauses"`
}

// WriteLessons asks the model for the lessons of clauses in one request. Lessons of clause IDs not asked for,
// empty or overlong texts and repeats are dropped; a reply that is not the JSON asked for is an error wrapping
// ErrBadResponse.
func (w *OpenAILessonWriter) WriteLessons(ctx context.Context, clauses []rules.Clause) (map[string][]string, error) {
	var b strings.Builder
	asked := map[string]bool{}
	for _, c := range clauses {
		asked[c.ID] = true
		fmt.Fprintf(&b, "【%s】", c.ID)
		if c.Title != "" {
			fmt.Fprintf(&b, "（%s）", c.Title)
		}
		b.WriteString(strings.TrimSpace(c.Text))
		b.WriteString("\n")
	}
	req := openai.ChatCompletionRequest{
		Model: w.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: lessonSystemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: b.String()},
		},
		ResponseFormat:      &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject},
		Temperature:         answerTemperature,
		MaxCompletionTokens: lessonMaxTokens,
	}
	if err := openai.NewReasoningValidator().Validate(req); err != nil {
		req.Temperature, req.MaxCompletionTokens = 0, 0
	}
	resp, attempts, err := oaiCall(ctx, w.policy, func(ctx context.Context) (openai.ChatCompletionResponse, error) {
		return w.client.CreateChatCompletion(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &ServiceError{Op: w.policy.op, Kind: ErrBadResponse, StatusCode: 200, Message: fmt.Sprintf(format, args...), Attempts: attempts}
	}
	if len(resp.Choices) == 0 {
		return nil, bad("no choices in the response")
	}
	if resp.Choices[0].FinishReason == openai.FinishReasonLength {
		return nil, bad("lessons cut off at the token limit")
	}
	content := strings.TrimSpace(llmStripThinking(resp.Choices[0].Message.Content))
	content = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(content, "```json"), "```"), "```")
	var reply lessonReply
	if err := json.Unmarshal([]byte(content), &reply); err != nil {
		return nil, bad("lessons are not the JSON asked for: %v", err)
	}
	out := map[string][]string{}
	for _, c := range reply.Clauses {
		id := strings.TrimSpace(c.ID)
		if !asked[id] {
			if id != "" {
				w.log.Info("the model wrote lessons of a clause it was not asked about; dropped", "clause", id)
			}
			continue
		}
		seen := map[string]bool{}
		for _, t := range append(append([]string{}, c.Questions...), c.Paraphrases...) {
			t = strings.TrimSpace(t)
			if t == "" || utf8.RuneCountInString(t) > lessonMaxRunes || seen[t] || len(out[id]) >= lessonMaxPerClause {
				continue
			}
			seen[t] = true
			out[id] = append(out[id], t)
		}
	}
	return out, nil
}
