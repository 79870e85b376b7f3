// Package config reads ConductBot's configuration once from the environment into a validated struct.
// The names are a contract (docs/design.md); flags may override them per command.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything the program reads from its environment.
type Config struct {
	TelegramToken  string // TELEGRAM_BOT_TOKEN, required by serve
	TelegramAPIURL string // TELEGRAM_API_URL: a self-hosted Bot API server, or a stand-in in tests
	WebhookURL     string // WEBHOOK_URL: webhook mode when set
	WebhookListen  string // WEBHOOK_LISTEN: local address of the webhook server
	WebhookSecret  string // WEBHOOK_SECRET: checked on every webhook request

	DatabaseURL string // DATABASE_URL: PostgreSQL with pgvector; empty means embedded SQLite
	DataDir     string // CONDUCTBOT_DATA_DIR: embedded store and files

	OpenAIAPIKey   string // OPENAI_API_KEY
	OpenAIBaseURL  string // OPENAI_BASE_URL
	EmbeddingModel string // EMBEDDING_MODEL
	ChatModel      string // CHAT_MODEL

	TimeZone *time.Location // CONDUCTBOT_TZ
	Admins   []int64        // CONDUCTBOT_ADMINS

	ReportChat    int64   // CONDUCTBOT_REPORT_CHAT: supervisors' group for report notifications; 0: each privately
	ReportRelease string  // CONDUCTBOT_REPORT_RELEASE: HH:MM of the daily batched release of notifications, or "immediate"
	SealKeyFile   string  // CONDUCTBOT_SEAL_KEY_FILE: the key sealing report drafts; default DataDir + ".key", outside the data dir
	RemindRate    float64 // CONDUCTBOT_REMIND_RATE: reminder messages a second from this instance; 0: the default

	ScoreScale    string // CONDUCTBOT_SCORE_SCALE: the scale of suggested ±5 adjustments; "": the default
	RectifyDays   int    // CONDUCTBOT_RECTIFY_DAYS: working days to rectify a finding; 0: the default (5)
	RectifyRemind string // CONDUCTBOT_RECTIFY_REMIND: HH:MM overdue rectifications are re-notified; "": 09:00

	LogLevel string // LOG_LEVEL: debug, info, warn, error; empty: the command's default
}

// Defaults of the optional settings.
const (
	DefaultDataDir       = "./data"
	DefaultReportRelease = "17:30" // notifications of new reports go out once a day, not at the time of filing
	DefaultTimeZone      = "Asia/Shanghai"
	DefaultWebhookListen = "127.0.0.1:8080" // loopback: behind a reverse proxy on the same host
)

// FromEnv reads the configuration from the process environment.
func FromEnv() (*Config, error) { return Parse(os.LookupEnv) }

// Parse reads the configuration through lookup (os.LookupEnv, or a map in tests) and validates it.
func Parse(lookup func(string) (string, bool)) (*Config, error) {
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	c := &Config{
		TelegramToken:  get("TELEGRAM_BOT_TOKEN", ""),
		TelegramAPIURL: strings.TrimRight(get("TELEGRAM_API_URL", ""), "/"),
		WebhookURL:     get("WEBHOOK_URL", ""),
		WebhookListen:  get("WEBHOOK_LISTEN", DefaultWebhookListen),
		WebhookSecret:  get("WEBHOOK_SECRET", ""),
		DatabaseURL:    get("DATABASE_URL", ""),
		DataDir:        get("CONDUCTBOT_DATA_DIR", DefaultDataDir),
		OpenAIAPIKey:   get("OPENAI_API_KEY", ""),
		OpenAIBaseURL:  get("OPENAI_BASE_URL", ""),
		EmbeddingModel: get("EMBEDDING_MODEL", ""),
		ChatModel:      get("CHAT_MODEL", ""),
		LogLevel:       strings.ToLower(get("LOG_LEVEL", "")),
	}
	var errs []error
	tz := get("CONDUCTBOT_TZ", DefaultTimeZone)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		errs = append(errs, fmt.Errorf("CONDUCTBOT_TZ=%q: %w", tz, err))
	}
	c.TimeZone = loc
	if admins := get("CONDUCTBOT_ADMINS", ""); admins != "" {
		for _, f := range strings.FieldsFunc(admins, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil || id <= 0 {
				errs = append(errs, fmt.Errorf("CONDUCTBOT_ADMINS: %q is not a Telegram user ID", f))
				continue
			}
			c.Admins = append(c.Admins, id)
		}
	}
	for name, u := range map[string]string{"TELEGRAM_API_URL": c.TelegramAPIURL, "WEBHOOK_URL": c.WebhookURL, "OPENAI_BASE_URL": c.OpenAIBaseURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s=%q is not an http(s) URL", name, u))
		}
	}
	if _, port, err := net.SplitHostPort(c.WebhookListen); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("WEBHOOK_LISTEN=%q: want host:port, e.g. 127.0.0.1:8080", c.WebhookListen))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		errs = append(errs, fmt.Errorf("WEBHOOK_LISTEN=%q: the port is not a number from 0 to 65535", c.WebhookListen))
	}
	if c.WebhookURL != "" && c.WebhookSecret != "" && !validSecret(c.WebhookSecret) {
		errs = append(errs, errors.New("WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and -, 1 to 256 characters (a Telegram rule)"))
	}
	switch c.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	if v := get("CONDUCTBOT_REPORT_CHAT", ""); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id == 0 {
			errs = append(errs, fmt.Errorf("CONDUCTBOT_REPORT_CHAT=%q: want a Telegram chat ID", v))
		}
		c.ReportChat = id
	}
	c.ReportRelease = get("CONDUCTBOT_REPORT_RELEASE", DefaultReportRelease)
	if strings.EqualFold(c.ReportRelease, "immediate") {
		c.ReportRelease = "immediate"
	}
	if v := c.ReportRelease; v != "immediate" {
		if t, err := time.Parse("15:04", v); err != nil || t.Format("15:04") != v {
			errs = append(errs, fmt.Errorf("CONDUCTBOT_REPORT_RELEASE=%q: want a time of day such as 17:30, or immediate", v))
		}
	}
	if v := get("CONDUCTBOT_REMIND_RATE", ""); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 || r > 30 {
			errs = append(errs, fmt.Errorf("CONDUCTBOT_REMIND_RATE=%q: want messages a second, more than 0 and at most 30", v))
		}
		c.RemindRate = r
	}
	c.ScoreScale = get("CONDUCTBOT_SCORE_SCALE", "")
	if v := get("CONDUCTBOT_RECTIFY_DAYS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 60 {
			errs = append(errs, fmt.Errorf("CONDUCTBOT_RECTIFY_DAYS=%q: want working days, 1 to 60", v))
		}
		c.RectifyDays = n
	}
	c.RectifyRemind = get("CONDUCTBOT_RECTIFY_REMIND", "")
	if v := c.RectifyRemind; v != "" {
		if t, err := time.Parse("15:04", v); err != nil || t.Format("15:04") != v || v == "00:00" {
			errs = append(errs, fmt.Errorf("CONDUCTBOT_RECTIFY_REMIND=%q: want HH:MM after midnight", v))
		}
	}
	if c.DataDir != "" {
		c.DataDir = filepath.Clean(c.DataDir)
	}
	c.SealKeyFile = get("CONDUCTBOT_SEAL_KEY_FILE", "")
	if c.SealKeyFile == "" && c.DataDir != "" {
		dir := c.DataDir
		if b := filepath.Base(dir); b == "." || b == ".." {
			if abs, err := filepath.Abs(dir); err == nil {
				dir = abs // "." → /srv/bot → /srv/bot.key, beside it
			}
		}
		c.SealKeyFile = dir + ".key"
	}
	if c.SealKeyFile != "" {
		c.SealKeyFile = filepath.Clean(c.SealKeyFile)
		if insideDir(c.DataDir, c.SealKeyFile) {
			errs = append(errs, fmt.Errorf("CONDUCTBOT_SEAL_KEY_FILE=%q is inside CONDUCTBOT_DATA_DIR: keep the key apart from the data it seals (a copy of the data dir must not hold it)", c.SealKeyFile))
		}
	}
	return c, errors.Join(errs...)
}

// insideDir reports whether path is in dir or below it.
func insideDir(dir, path string) bool {
	if dir == "" {
		return false
	}
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func validSecret(s string) bool {
	if len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// OpenAIEnabled reports whether an OpenAI-compatible server is configured for embeddings.
func (c *Config) OpenAIEnabled() bool {
	return c.EmbeddingModel != "" && (c.OpenAIAPIKey != "" || c.OpenAIBaseURL != "")
}

// LLMEnabled reports whether answers are written by a chat model.
func (c *Config) LLMEnabled() bool {
	return c.ChatModel != "" && (c.OpenAIAPIKey != "" || c.OpenAIBaseURL != "")
}

// IsAdmin reports whether the Telegram user is a bootstrap admin.
func (c *Config) IsAdmin(userID int64) bool {
	for _, id := range c.Admins {
		if id == userID {
			return true
		}
	}
	return false
}

// SQLitePath is where the embedded store lives.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "conductbot.db") }

// RequireTelegram checks what serve needs.
func (c *Config) RequireTelegram() error {
	if c.TelegramToken == "" {
		return errors.New("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather (see README), or try the bot without one: conductbot chat")
	}
	return nil
}
