// The Bot API stand-in (NewAPI) is a stand-in for the Telegram Bot API on httptest, speaking its wire format, for
// end-to-end tests that drive the real go-telegram/bot client.
//
// It serves POST (or GET) /bot<token>/<method> with multipart/form-data, JSON or URL-encoded bodies
// (reply_markup, commands and scope arrive as JSON strings in form bodies, as objects in JSON bodies), and
// GET /file/bot<token>/<path> for downloads. It implements getMe, getUpdates (long polling with offset, limit
// and timeout, over a queue the test fills), sendMessage, editMessageText, editMessageReplyMarkup,
// answerCallbackQuery, setMyCommands, deleteMyCommands, setWebhook, deleteWebhook, getWebhookInfo, sendPhoto,
// sendDocument, sendChatAction and getFile, with Telegram's checks and error texts (4096-character texts,
// 1–64-byte callback data, "message is not modified", expired callback queries, getUpdates while a webhook is
// set …). It records every call, keeps each chat's messages as they are after edits, and can be told to fail
// the next calls of a method (429 with retry_after, 403 blocked, 500) or to block a chat.
//
// A test builds updates as a user would cause them (Text, Command, Reply, Photo, Press), queues them for
// getUpdates with Push, or posts them to the webhook the bot registered with Deliver, then waits for the bot's
// calls with WaitCall or WaitFor.

package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// DefaultToken is the token of an API made by NewAPI.
const DefaultToken = "123456789:AAE-test-token_Secret0123456789abcdef"

// API is the Bot API stand-in.
type API struct {
	Token string
	// URL is the base URL to give the client (bot.WithServerURL).
	URL string
	// Bot is what getMe answers.
	Bot models.User
	// MaxUpdates caps one getUpdates answer (Telegram: 100).
	MaxUpdates int

	srv *httptest.Server

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	calls      []Call
	keepCalls  bool
	queue      []queued
	nextUpdate int64
	pushedAt   map[int64]time.Time
	chats      map[int64]*chat
	failures   map[string][]Failure
	blocked    map[int64]bool
	callbacks  map[string]bool // issued callback query IDs → answered
	nextCB     int
	files      map[string]*file
	nextFile   int
	webhook    Webhook
	commands   map[string][]models.BotCommand
	counts     map[string]int // successful calls by method, kept even WithoutCallLog
	observers  []func(Call)
}

type queued struct {
	id  int64
	raw json.RawMessage
}

type chat struct {
	forget   bool // WithoutCallLog: keep no messages
	info     models.Chat
	nextID   int
	messages map[int]*Msg
	order    []int
}

type file struct {
	id, path, name string
	data           []byte
}

// Msg is a message in a chat as it is now: the bot's (after its edits) or a user's.
type Msg struct {
	ID      int
	FromBot bool
	Text    string // text or caption
	Markup  *models.InlineKeyboardMarkup
	Edits   int
	Photo   []byte // a photo the bot sent
	Doc     *File  // a document the bot sent
}

// Buttons returns the message's buttons, row by row flattened.
func (m *Msg) Buttons() []models.InlineKeyboardButton { return flatten(m.Markup) }

// Button returns the first button whose text contains s.
func (m *Msg) Button(s string) (models.InlineKeyboardButton, bool) {
	for _, b := range m.Buttons() {
		if strings.Contains(b.Text, s) {
			return b, true
		}
	}
	return models.InlineKeyboardButton{}, false
}

// Webhook is what the bot registered with setWebhook.
type Webhook struct {
	URL    string
	Secret string
}

// Call is one request the client made.
type Call struct {
	Method string
	Params map[string]string // form fields; JSON values that are not strings are kept as compact JSON
	Files  map[string]File
	Time   time.Time
	Status int // the HTTP status answered
	Result json.RawMessage
	Error  string // the description of an error answer
}

// File is an uploaded file.
type File struct {
	Name string
	Data []byte
}

// ChatID is the call's chat_id.
func (c Call) ChatID() int64 { n, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64); return n }

// Text is the call's text (or caption).
func (c Call) Text() string {
	if t, ok := c.Params["text"]; ok {
		return t
	}
	return c.Params["caption"]
}

// Markup is the call's inline keyboard, nil when it has none.
func (c Call) Markup() *models.InlineKeyboardMarkup {
	raw := c.Params["reply_markup"]
	if raw == "" {
		return nil
	}
	var m models.InlineKeyboardMarkup
	if json.Unmarshal([]byte(raw), &m) != nil {
		return nil
	}
	return &m
}

// Buttons flattens the call's inline keyboard.
func (c Call) Buttons() []models.InlineKeyboardButton { return flatten(c.Markup()) }

// OK reports whether the call was answered successfully.
func (c Call) OK() bool { return c.Status == http.StatusOK }

func flatten(m *models.InlineKeyboardMarkup) []models.InlineKeyboardButton {
	if m == nil {
		return nil
	}
	var out []models.InlineKeyboardButton
	for _, row := range m.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

// Failure is an error answer the stand-in gives instead of handling a call.
type Failure struct {
	Code        int
	Description string
	RetryAfter  int // seconds; sent as parameters.retry_after when > 0
}

// TooManyRequests is Telegram's 429 with retry_after.
func TooManyRequests(retryAfter int) Failure {
	return Failure{Code: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
}

// Blocked is Telegram's 403 for a user who blocked the bot.
var Blocked = Failure{Code: 403, Description: "Forbidden: bot was blocked by the user"}

// ServerError is a 500.
var ServerError = Failure{Code: 500, Description: "Internal Server Error"}

// BadGateway is a 502, as a proxy in front of a Bot API server answers.
var BadGateway = Failure{Code: 502, Description: "Bad Gateway"}

// APIOption configures an API.
type APIOption func(*API)

// WithToken sets the token the server accepts.
func WithToken(token string) APIOption { return func(s *API) { s.Token = token } }

// WithoutCallLog keeps no call records and no message history (benchmarks): WaitCall, Calls, Messages and
// PushedAt then see nothing, and edits fail as for unknown messages; Count, WaitCountN and OnCall still work.
func WithoutCallLog() APIOption { return func(s *API) { s.keepCalls = false } }

// NewAPI starts a stand-in; it is closed when the test ends.
func NewAPI(tb testing.TB, opts ...APIOption) *API {
	tb.Helper()
	s := NewAPIServer(opts...)
	tb.Cleanup(s.Close)
	return s
}

// NewAPIServer starts a stand-in outside a test; Close it.
func NewAPIServer(opts ...APIOption) *API {
	s := &API{
		Token:      DefaultToken,
		MaxUpdates: 100,
		changed:    make(chan struct{}),
		keepCalls:  true,
		pushedAt:   map[int64]time.Time{},
		chats:      map[int64]*chat{},
		failures:   map[string][]Failure{},
		blocked:    map[int64]bool{},
		callbacks:  map[string]bool{},
		files:      map[string]*file{},
		commands:   map[string][]models.BotCommand{},
		counts:     map[string]int{},
		nextUpdate: 500000,
	}
	for _, o := range opts {
		o(s)
	}
	id, _ := strconv.ParseInt(strings.Split(s.Token, ":")[0], 10, 64)
	s.Bot = models.User{ID: id, IsBot: true, FirstName: "规范助手", Username: "conduct_test_bot",
		CanJoinGroups: true, CanReadAllGroupMessages: false}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *API) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// notify wakes waiters; call with s.mu held.
func (s *API) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// FailNext makes the next n calls of method fail with f.
func (s *API) FailNext(method string, n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], f)
	}
}

// Block makes every send to chatID fail with 403, as when the user blocked the bot; Unblock undoes it.
func (s *API) Block(chatID int64)   { s.mu.Lock(); s.blocked[chatID] = true; s.mu.Unlock() }
func (s *API) Unblock(chatID int64) { s.mu.Lock(); delete(s.blocked, chatID); s.mu.Unlock() }

// OnCall adds a function called with every call after it was answered (in the server's goroutine, so keep it
// short): benchmarks measure latencies with it.
func (s *API) OnCall(f func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observers = append(s.observers, f)
}

// Count is how many successful calls of method were made, also WithoutCallLog.
func (s *API) Count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method]
}

// WaitCountN waits until n successful calls of method were made (also WithoutCallLog) or ctx ends.
func (s *API) WaitCountN(ctx context.Context, method string, n int) error {
	for {
		s.mu.Lock()
		got, ch := s.counts[method], s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%d of %d %s calls: %w", got, n, method, ctx.Err())
		}
	}
}

// Calls returns the calls recorded so far, of the given methods (all when none given).
func (s *API) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return filter(s.calls, methods)
}

func filter(calls []Call, methods []string) []Call {
	var out []Call
	for _, c := range calls {
		if len(methods) == 0 {
			out = append(out, c)
			continue
		}
		for _, m := range methods {
			if strings.EqualFold(c.Method, m) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// ResetCalls forgets the recorded calls.
func (s *API) ResetCalls() { s.mu.Lock(); s.calls = nil; s.mu.Unlock() }

// WaitFor blocks until cond, evaluated on the calls recorded so far, holds, or ctx ends. cond may call the
// server's other methods.
func (s *API) WaitFor(ctx context.Context, cond func(calls []Call) bool) error {
	for {
		s.mu.Lock()
		calls := s.calls[:len(s.calls):len(s.calls)]
		ch := s.changed
		s.mu.Unlock()
		if cond(calls) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitTimeout bounds WaitCall and WaitMessages.
var WaitTimeout = 10 * time.Second

// WaitCall waits for the first successful call of method, made after the first `after` calls of all the
// calls recorded, that matches (nil matches any), and fails the test when none comes.
func (s *API) WaitCall(tb testing.TB, method string, match func(Call) bool) Call {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	var found Call
	err := s.WaitFor(ctx, func(calls []Call) bool {
		for _, c := range calls {
			if strings.EqualFold(c.Method, method) && c.OK() && (match == nil || match(c)) {
				found = c
				return true
			}
		}
		return false
	})
	if err != nil {
		tb.Fatalf("testkit: no matching %s call within %v; calls: %s", method, WaitTimeout, s.summary())
	}
	return found
}

// Sent lists the successful sendMessage calls to a chat, in order.
func (s *API) Sent(chatID int64) []Call {
	var out []Call
	for _, c := range s.Calls("sendMessage") {
		if c.OK() && c.ChatID() == chatID {
			out = append(out, c)
		}
	}
	return out
}

// WaitSent waits until the bot has sent at least n+1 messages to the chat and returns the n-th (from 0).
func (s *API) WaitSent(tb testing.TB, chatID int64, n int) Call {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	var found Call
	err := s.WaitFor(ctx, func(calls []Call) bool {
		i := 0
		for _, c := range calls {
			if c.Method == "sendMessage" && c.OK() && c.ChatID() == chatID {
				if i == n {
					found = c
					return true
				}
				i++
			}
		}
		return false
	})
	if err != nil {
		tb.Fatalf("testkit: no message #%d to chat %d within %v; calls: %s", n, chatID, WaitTimeout, s.summary())
	}
	return found
}

// WaitCount waits until n successful calls of method were made and returns them.
func (s *API) WaitCount(tb testing.TB, method string, n int) []Call {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	var out []Call
	err := s.WaitFor(ctx, func(calls []Call) bool {
		out = out[:0]
		for _, c := range calls {
			if strings.EqualFold(c.Method, method) && c.OK() {
				out = append(out, c)
			}
		}
		return len(out) >= n
	})
	if err != nil {
		tb.Fatalf("testkit: %d of %d %s calls within %v; calls: %s", len(out), n, method, WaitTimeout, s.summary())
	}
	return out
}

func (s *API) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, c := range s.calls {
		if c.Method == "getUpdates" {
			continue
		}
		fmt.Fprintf(&b, "\n  %s %d %q", c.Method, c.Status, clip(c.Text(), 60))
		if c.Error != "" {
			fmt.Fprintf(&b, " error=%q", c.Error)
		}
	}
	return b.String()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Messages returns the chat's messages in order, as they are now.
func (s *API) Messages(chatID int64) []Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]Msg, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, *c.messages[id])
	}
	return out
}

// BotMessages returns only the bot's messages in the chat.
func (s *API) BotMessages(chatID int64) []Msg {
	var out []Msg
	for _, m := range s.Messages(chatID) {
		if m.FromBot {
			out = append(out, m)
		}
	}
	return out
}

// Message returns one message of the chat as it is now.
func (s *API) Message(chatID int64, id int) (Msg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		if m := c.messages[id]; m != nil {
			return *m, true
		}
	}
	return Msg{}, false
}

// Unanswered lists callback query IDs the bot has not answered.
func (s *API) Unanswered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, answered := range s.callbacks {
		if !answered {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// Commands returns the command menu set for a scope: "default", "all_private_chats", "chat:<id>" ….
func (s *API) Commands(scope string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[scope]
}

// Webhook returns the webhook the bot registered, if any.
func (s *API) Webhook() (Webhook, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook, s.webhook.URL != ""
}

// Pending is how many queued updates getUpdates has not yet had confirmed.
func (s *API) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// PushedAt is when the update was queued or delivered.
func (s *API) PushedAt(updateID int64) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushedAt[updateID]
}

// AddFile stores data as a file the bot can getFile and download, returning its file_id.
func (s *API) AddFile(name string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addFile(name, data)
}

func (s *API) addFile(name string, data []byte) string {
	s.nextFile++
	id := fmt.Sprintf("FILE%06d", s.nextFile)
	s.files[id] = &file{id: id, path: fmt.Sprintf("files/file_%d_%s", s.nextFile, safeName(name)), name: name, data: data}
	return id
}

func safeName(n string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, n)
}

// len16 is a text's length in UTF-16 code units, as Telegram counts.
func len16(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// params reads a request's parameters from its query and its body, whatever the encoding.
func params(r *http.Request) (map[string]string, map[string]File, error) {
	p := map[string]string{}
	files := map[string]File{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			p[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, err
			}
			files[k] = File{Name: fhs[0].Filename, Data: data}
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				p[k] = s
			} else {
				p[k] = string(raw)
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.PostForm {
			p[k] = v[0]
		}
	}
	return p, files, nil
}
