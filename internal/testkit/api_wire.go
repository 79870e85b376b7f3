package testkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// apiError is an error answer: {"ok":false,"error_code":…,"description":…,"parameters":…}.
type apiError struct {
	code        int
	description string
	retryAfter  int
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func (s *API) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		writeJSON(w, 404, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	token, method, _ := strings.Cut(rest, "/")
	if token != s.Token {
		writeJSON(w, 401, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	p, files, err := params(r)
	if err != nil {
		writeJSON(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	call := Call{Method: method, Params: p, Files: files, Time: time.Now()}
	var result any
	var aerr *apiError
	if strings.EqualFold(method, "getUpdates") {
		result, aerr = s.getUpdates(r, p)
	} else {
		s.mu.Lock()
		if fs := s.failures[method]; len(fs) > 0 {
			f := fs[0]
			s.failures[method] = fs[1:]
			aerr = &apiError{code: f.Code, description: f.Description, retryAfter: f.RetryAfter}
		} else {
			result, aerr = s.handle(method, p, files)
		}
		s.mu.Unlock()
	}
	var body map[string]any
	if aerr != nil {
		body = map[string]any{"ok": false, "error_code": aerr.code, "description": aerr.description}
		if aerr.retryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": aerr.retryAfter}
		}
		call.Status, call.Error = aerr.code, aerr.description
	} else {
		body = map[string]any{"ok": true, "result": result}
		call.Status = 200
		call.Result, _ = json.Marshal(result)
	}
	s.mu.Lock()
	if s.keepCalls {
		s.calls = append(s.calls, call)
	}
	if call.Status == 200 {
		s.counts[method]++
	}
	observers := s.observers
	s.notify()
	s.mu.Unlock()
	writeJSON(w, call.Status, body)
	for _, f := range observers {
		f(call)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *API) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, path, _ := strings.Cut(rest, "/")
	if token != s.Token {
		http.Error(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	var data []byte
	found := false
	for _, f := range s.files {
		if f.path == path {
			data, found = f.data, true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		http.Error(w, `{"ok":false,"error_code":404,"description":"Not Found"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// getUpdates answers at once when updates are queued at or after the offset, else waits up to timeout
// seconds for one. Updates below the offset are confirmed and forgotten, as Telegram does.
func (s *API) getUpdates(r *http.Request, p map[string]string) (any, *apiError) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > s.MaxUpdates {
		limit = s.MaxUpdates
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if fs := s.failures["getUpdates"]; len(fs) > 0 {
			f := fs[0]
			s.failures["getUpdates"] = fs[1:]
			s.mu.Unlock()
			return nil, &apiError{code: f.Code, description: f.Description, retryAfter: f.RetryAfter}
		}
		if s.webhook.URL != "" {
			s.mu.Unlock()
			return nil, &apiError{code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
		}
		if offset > 0 {
			kept := s.queue[:0]
			for _, q := range s.queue {
				if q.id >= offset {
					kept = append(kept, q)
				}
			}
			if len(kept) < len(s.queue) {
				s.notify() // Pending changed: a test may wait for the acknowledgement
			}
			s.queue = kept
		}
		if len(s.queue) > 0 || timeout == 0 {
			n := min(limit, len(s.queue))
			out := make([]json.RawMessage, n)
			for i := range n {
				out[i] = s.queue[i].raw
			}
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			timeout = 0
		case <-r.Context().Done():
			return []json.RawMessage{}, nil
		}
	}
}

// handle runs one method with s.mu held.
func (s *API) handle(method string, p map[string]string, files map[string]File) (any, *apiError) {
	switch method {
	case "getMe":
		return s.Bot, nil
	case "sendMessage":
		return s.sendMessage(p)
	case "editMessageText", "editMessageReplyMarkup":
		return s.editMessage(method, p)
	case "answerCallbackQuery":
		id := p["callback_query_id"]
		answered, issued := s.callbacks[id]
		if !issued || answered {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		if len([]rune(p["text"])) > 200 {
			return nil, badRequest("MESSAGE_TOO_LONG")
		}
		s.callbacks[id] = true
		return true, nil
	case "setMyCommands":
		var cmds []models.BotCommand
		if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
			return nil, badRequest("can't parse commands JSON object")
		}
		for _, c := range cmds {
			if c.Command == "" || len(c.Command) > 32 || c.Description == "" || len([]rune(c.Description)) > 256 {
				return nil, badRequest("BOT_COMMAND_INVALID")
			}
		}
		s.commands[scopeKey(p["scope"])] = cmds
		return true, nil
	case "deleteMyCommands":
		delete(s.commands, scopeKey(p["scope"]))
		return true, nil
	case "setWebhook":
		if p["url"] == "" {
			s.webhook = Webhook{}
			return true, nil
		}
		if !strings.HasPrefix(p["url"], "http://") && !strings.HasPrefix(p["url"], "https://") {
			return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
		}
		s.webhook = Webhook{URL: p["url"], Secret: p["secret_token"]}
		return true, nil
	case "deleteWebhook":
		s.webhook = Webhook{}
		if p["drop_pending_updates"] == "true" {
			s.queue = nil
		}
		return true, nil
	case "getWebhookInfo":
		return map[string]any{"url": s.webhook.URL, "has_custom_certificate": false, "pending_update_count": len(s.queue)}, nil
	case "sendChatAction":
		if _, aerr := s.target(p); aerr != nil {
			return nil, aerr
		}
		return true, nil
	case "sendPhoto", "sendDocument":
		return s.sendFile(method, p, files)
	case "getFile":
		f := s.files[p["file_id"]]
		if f == nil {
			return nil, badRequest("invalid file_id")
		}
		if len(f.data) > 20<<20 {
			return nil, badRequest("file is too big")
		}
		return models.File{FileID: f.id, FileUniqueID: "U" + f.id, FileSize: int64(len(f.data)), FilePath: f.path}, nil
	}
	return nil, &apiError{code: 404, description: "Not Found: method not found"}
}

func scopeKey(raw string) string {
	if raw == "" {
		return "default"
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
	}
	if json.Unmarshal([]byte(raw), &sc) != nil || sc.Type == "" {
		return "default"
	}
	if len(sc.ChatID) > 0 {
		return sc.Type + ":" + strings.Trim(string(sc.ChatID), `"`)
	}
	return sc.Type
}

// target finds the chat a send goes to.
func (s *API) target(p map[string]string) (*chat, *apiError) {
	raw := p["chat_id"]
	if raw == "" {
		return nil, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	if s.blocked[id] {
		return nil, &apiError{code: 403, description: "Forbidden: bot was blocked by the user"}
	}
	return s.chat(models.Chat{ID: id, Type: models.ChatTypePrivate}), nil
}

// chat returns the chat's log, creating it; the first info seen for a chat is kept.
func (s *API) chat(info models.Chat) *chat {
	c := s.chats[info.ID]
	if c == nil {
		c = &chat{info: info, messages: map[int]*Msg{}, forget: !s.keepCalls}
		s.chats[info.ID] = c
	}
	return c
}

func (c *chat) add(m *Msg) *Msg {
	c.nextID++
	m.ID = c.nextID
	if !c.forget {
		c.messages[m.ID] = m
		c.order = append(c.order, m.ID)
	}
	return m
}

// markup validates reply_markup as Telegram does for inline keyboards.
func markup(raw string) (*models.InlineKeyboardMarkup, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var m models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return nil, badRequest("BUTTON_TEXT_EMPTY")
			}
			if b.URL == "" && (len(b.CallbackData) < 1 || len(b.CallbackData) > 64) && b.CopyText == nil {
				return nil, badRequest("BUTTON_DATA_INVALID")
			}
		}
	}
	return &m, nil
}

func (s *API) message(c *chat, m *Msg) models.Message {
	out := models.Message{ID: m.ID, Date: int(time.Now().Unix()), Chat: c.info, Text: m.Text}
	if m.FromBot {
		bot := s.Bot
		out.From = &bot
	}
	if m.Markup != nil {
		mk := *m.Markup
		out.ReplyMarkup = &mk
	}
	return out
}

func (s *API) sendMessage(p map[string]string) (any, *apiError) {
	c, aerr := s.target(p)
	if aerr != nil {
		return nil, aerr
	}
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	if len16(text) > 4096 {
		return nil, badRequest("message is too long")
	}
	mk, aerr := markup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	if rp := p["reply_parameters"]; rp != "" {
		var params struct {
			MessageID int `json:"message_id"`
		}
		if json.Unmarshal([]byte(rp), &params) != nil || c.messages[params.MessageID] == nil {
			return nil, badRequest("message to be replied not found")
		}
	}
	m := c.add(&Msg{FromBot: true, Text: text, Markup: mk})
	return s.message(c, m), nil
}

func (s *API) editMessage(method string, p map[string]string) (any, *apiError) {
	c, aerr := s.target(p)
	if aerr != nil {
		return nil, aerr
	}
	id, _ := strconv.Atoi(p["message_id"])
	m := c.messages[id]
	if m == nil || !m.FromBot {
		return nil, badRequest("message to edit not found")
	}
	text := m.Text
	if method == "editMessageText" {
		text = p["text"]
		if strings.TrimSpace(text) == "" {
			return nil, badRequest("message text is empty")
		}
		if len16(text) > 4096 {
			return nil, badRequest("MESSAGE_TOO_LONG")
		}
	}
	mk, aerr := markup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	if text == m.Text && sameMarkup(mk, m.Markup) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.Text, m.Markup = text, mk
	m.Edits++
	return s.message(c, m), nil
}

func sameMarkup(a, b *models.InlineKeyboardMarkup) bool {
	ja, _ := json.Marshal(flatten(a))
	jb, _ := json.Marshal(flatten(b))
	return string(ja) == string(jb)
}

func (s *API) sendFile(method string, p map[string]string, files map[string]File) (any, *apiError) {
	c, aerr := s.target(p)
	if aerr != nil {
		return nil, aerr
	}
	field := "photo"
	if method == "sendDocument" {
		field = "document"
	}
	f, uploaded := files[field]
	if !uploaded {
		existing := s.files[p[field]]
		if existing == nil {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
		f = File{Name: existing.name, Data: existing.data}
	}
	if len(f.Data) == 0 {
		return nil, badRequest("file must be non-empty")
	}
	if len16(p["caption"]) > 1024 {
		return nil, badRequest("message caption is too long")
	}
	mk, aerr := markup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	fileID := s.addFile(f.Name, f.Data)
	m := &Msg{FromBot: true, Text: p["caption"], Markup: mk}
	if method == "sendPhoto" {
		m.Photo = f.Data
	} else {
		m.Doc = &File{Name: f.Name, Data: f.Data}
	}
	c.add(m)
	out := s.message(c, m)
	out.Text, out.Caption = "", m.Text
	if method == "sendPhoto" {
		out.Photo = []models.PhotoSize{{FileID: fileID, FileUniqueID: "U" + fileID, Width: 800, Height: 600, FileSize: len(f.Data)}}
	} else {
		out.Document = &models.Document{FileID: fileID, FileUniqueID: "U" + fileID, FileName: f.Name, FileSize: int64(len(f.Data))}
	}
	return out, nil
}
