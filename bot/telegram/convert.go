package telegram

import (
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
)

// me is the bot's own account, for mentions and replies.
type me struct {
	id       int64
	username string
}

// convert maps a Bot API update onto bot.Update. ok is false for updates the bot does not handle: edits,
// channel posts, commands addressed to another bot, and the kinds it did not ask for.
func convert(u *models.Update, self me) (bot.Update, bool) {
	switch {
	case u.Message != nil:
		return convertMessage(u.ID, u.Message, self)
	case u.CallbackQuery != nil:
		return convertCallback(u.ID, u.CallbackQuery)
	}
	return bot.Update{}, false
}

func identity(u *models.User) bot.Identity {
	return bot.Identity{ID: u.ID, Username: u.Username, Name: strings.TrimSpace(u.FirstName + " " + u.LastName), Language: u.LanguageCode}
}

func convertMessage(id int64, m *models.Message, self me) (bot.Update, bool) {
	if m.From == nil || m.From.IsBot {
		return bot.Update{}, false
	}
	out := bot.Update{ID: id, ChatID: m.Chat.ID, ChatType: bot.ChatType(m.Chat.Type), From: identity(m.From), MessageID: m.ID}
	if m.Date > 0 {
		out.Date = time.Unix(int64(m.Date), 0)
	}
	text := m.Text
	entities := m.Entities
	if text == "" {
		text, entities = m.Caption, m.CaptionEntities
	}
	for _, e := range entities {
		if e.Type == models.MessageEntityTypeTextMention && e.User != nil && e.User.ID == self.id {
			out.Mentioned = true
		}
	}
	text, mentioned := bot.RemoveMention(text, self.username)
	out.Mentioned = out.Mentioned || mentioned
	if cmd, to, args, ok := bot.SplitCommand(text); ok {
		if to != "" && !strings.EqualFold(to, self.username) {
			return bot.Update{}, false // for another bot in the group
		}
		out.Command, out.Args = cmd, args
	}
	out.Text = strings.TrimSpace(text)
	if r := m.ReplyToMessage; r != nil && r.From != nil && (r.From.ID == self.id || self.username != "" && strings.EqualFold(r.From.Username, self.username)) {
		out.ReplyToBot = true
	}
	for _, p := range m.Photo {
		out.Photos = append(out.Photos, bot.Photo{FileID: p.FileID, UniqueID: p.FileUniqueID, Width: p.Width, Height: p.Height, Size: int64(p.FileSize)})
	}
	if d := m.Document; d != nil {
		out.Document = &bot.Document{FileID: d.FileID, UniqueID: d.FileUniqueID, Name: d.FileName, MIME: d.MimeType, Size: d.FileSize}
	}
	out.HasMedia = m.Video != nil || m.Voice != nil || m.Audio != nil || m.Sticker != nil || m.Animation != nil ||
		m.VideoNote != nil || m.Location != nil || m.Contact != nil || m.Poll != nil || m.Venue != nil
	if out.Text == "" && len(out.Photos) == 0 && out.Document == nil && !out.HasMedia {
		return bot.Update{}, false // service messages: joins, pins, title changes …
	}
	return out, true
}

func convertCallback(id int64, q *models.CallbackQuery) (bot.Update, bool) {
	out := bot.Update{ID: id, From: identity(&q.From), Callback: &bot.Callback{ID: q.ID, Data: q.Data}}
	switch {
	case q.Message.Message != nil:
		m := q.Message.Message
		out.ChatID, out.ChatType, out.MessageID = m.Chat.ID, bot.ChatType(m.Chat.Type), m.ID
		out.Callback.MessageText = m.Text
	case q.Message.InaccessibleMessage != nil:
		m := q.Message.InaccessibleMessage
		out.ChatID, out.ChatType, out.MessageID = m.Chat.ID, bot.ChatType(m.Chat.Type), m.MessageID
	default:
		// A button on an inline-mode message: no chat. Answer it in the user's private chat.
		out.ChatID, out.ChatType = q.From.ID, bot.ChatPrivate
	}
	return out, true
}
