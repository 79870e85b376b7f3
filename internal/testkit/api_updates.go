package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// User is a Telegram user for tests.
func User(id int64, username, firstName string) models.User {
	return models.User{ID: id, Username: username, FirstName: firstName, LanguageCode: "zh-hans"}
}

// Private is the private chat with u (its ID is the user's).
func Private(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName}
}

// Group is a supergroup chat; id should be negative, as Telegram's are.
func Group(id int64, title string) models.Chat {
	return models.Chat{ID: id, Type: models.ChatTypeSupergroup, Title: title}
}

// nextUpdateID allocates an update ID; call with s.mu held.
func (s *API) nextUpdateID() int64 {
	s.nextUpdate++
	return s.nextUpdate
}

// userMessage records a user's message in the chat and returns it; call with s.mu held.
func (s *API) userMessage(ch models.Chat, from models.User, text string) models.Message {
	c := s.chat(ch)
	m := c.add(&Msg{Text: text})
	f := from
	return models.Message{ID: m.ID, From: &f, Date: int(time.Now().Unix()), Chat: ch, Text: text, Entities: entities(text)}
}

// entities marks a leading /command and @mentions, with offsets in UTF-16 units as Telegram counts.
func entities(text string) []models.MessageEntity {
	var out []models.MessageEntity
	if strings.HasPrefix(text, "/") {
		end := strings.IndexAny(text, " \n")
		if end < 0 {
			end = len(text)
		}
		out = append(out, models.MessageEntity{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: len16(text[:end])})
	}
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || i > 0 && isNameByte(text[i-1]) {
			continue
		}
		j := i + 1
		for j < len(text) && isNameByte(text[j]) {
			j++
		}
		if j-i > 1 {
			out = append(out, models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: len16(text[:i]), Length: len16(text[i:j])})
		}
		i = j - 1
	}
	return out
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Text is a text message from a user in a chat (a command when it starts with "/").
func (s *API) Text(chat models.Chat, from models.User, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessage(chat, from, text)
	return models.Update{ID: s.nextUpdateID(), Message: &m}
}

// Reply is a text message replying to message `to` of the chat (usually one of the bot's).
func (s *API) Reply(chat models.Chat, from models.User, to int, text string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessage(chat, from, text)
	if c := s.chats[chat.ID]; c != nil {
		if orig := c.messages[to]; orig != nil {
			om := s.message(c, orig)
			m.ReplyToMessage = &om
		}
	}
	return models.Update{ID: s.nextUpdateID(), Message: &m}
}

// Photo is a photo from a user, in two sizes (a thumbnail and data itself, both downloadable).
func (s *API) Photo(chat models.Chat, from models.User, caption string, data []byte) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessage(chat, from, "")
	m.Text, m.Entities, m.Caption = "", nil, caption
	thumb := s.addFile("thumb.jpg", data[:min(len(data), 64)])
	full := s.addFile("photo.jpg", data)
	m.Photo = []models.PhotoSize{
		{FileID: thumb, FileUniqueID: "U" + thumb, Width: 90, Height: 67, FileSize: min(len(data), 64)},
		{FileID: full, FileUniqueID: "U" + full, Width: 1280, Height: 960, FileSize: len(data)},
	}
	return models.Update{ID: s.nextUpdateID(), Message: &m}
}

// Document is a file sent as a document.
func (s *API) Document(chat models.Chat, from models.User, name, mime string, data []byte) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessage(chat, from, "")
	m.Text, m.Entities = "", nil
	id := s.addFile(name, data)
	m.Document = &models.Document{FileID: id, FileUniqueID: "U" + id, FileName: name, MimeType: mime, FileSize: int64(len(data))}
	return models.Update{ID: s.nextUpdateID(), Message: &m}
}

// Press is a user pressing a button with the given data on message messageID of the chat. The data need not
// be on the message: a forged press is as easy for a real client.
func (s *API) Press(chat models.Chat, from models.User, messageID int, data string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextCB++
	id := fmt.Sprintf("%d%06d", from.ID, s.nextCB)
	s.callbacks[id] = false
	c := s.chat(chat)
	var msg models.Message
	if m := c.messages[messageID]; m != nil {
		msg = s.message(c, m)
	} else {
		msg = models.Message{ID: messageID, Date: int(time.Now().Unix()), Chat: chat}
	}
	cq := &models.CallbackQuery{ID: id, From: from, ChatInstance: fmt.Sprint(chat.ID), Data: data,
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &msg}}
	return models.Update{ID: s.nextUpdateID(), CallbackQuery: cq}
}

// CallbackID is the callback query ID of a Press update.
func CallbackID(u models.Update) string {
	if u.CallbackQuery == nil {
		return ""
	}
	return u.CallbackQuery.ID
}

// Push queues updates for getUpdates, in order, and returns their IDs. An update keeps its ID, so pushing the
// same update twice is a redelivery.
func (s *API) Push(us ...models.Update) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, len(us))
	now := time.Now()
	for i, u := range us {
		if u.ID == 0 {
			u.ID = s.nextUpdateID()
		}
		raw, err := json.Marshal(u)
		if err != nil {
			panic(fmt.Sprintf("testkit: update does not marshal: %v", err))
		}
		s.queue = append(s.queue, queued{id: u.ID, raw: raw})
		if _, seen := s.pushedAt[u.ID]; !seen && s.keepCalls {
			s.pushedAt[u.ID] = now
		}
		ids[i] = u.ID
	}
	s.notify()
	return ids
}

// PushRaw queues a raw JSON update (which should carry its update_id), for malformed input.
func (s *API) PushRaw(id int64, raw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, queued{id: id, raw: json.RawMessage(raw)})
	s.notify()
}

// Deliver posts the update to the webhook the bot registered, with the secret it registered, as Telegram
// does, and returns the HTTP status.
func (s *API) Deliver(ctx context.Context, u models.Update) (int, error) {
	wh, ok := s.Webhook()
	if !ok {
		return 0, fmt.Errorf("testkit: no webhook set")
	}
	return s.DeliverTo(ctx, wh.URL, wh.Secret, u)
}

// DeliverTo posts the update to url with the given secret token header (none when empty).
func (s *API) DeliverTo(ctx context.Context, url, secret string, u models.Update) (int, error) {
	body, err := json.Marshal(u)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	s.mu.Lock()
	if _, seen := s.pushedAt[u.ID]; !seen {
		s.pushedAt[u.ID] = time.Now()
	}
	s.mu.Unlock()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
