package config

import (
	"os"
	"strings"
	"testing"
)

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Parse(lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "data" || c.TimeZone.String() != DefaultTimeZone || c.DatabaseURL != "" || c.WebhookListen != DefaultWebhookListen {
		t.Errorf("defaults: %+v", c)
	}
	if c.OpenAIEnabled() || c.LLMEnabled() {
		t.Error("OpenAI is enabled without configuration")
	}
	if err := c.RequireTelegram(); err == nil || !strings.Contains(err.Error(), "@BotFather") {
		t.Errorf("RequireTelegram without a token: %v", err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c *Config)
	}{
		{name: "admins", env: map[string]string{"CONDUCTBOT_ADMINS": " 42, 7;9 "}, check: func(t *testing.T, c *Config) {
			if len(c.Admins) != 3 || !c.IsAdmin(7) || c.IsAdmin(8) {
				t.Errorf("admins %v", c.Admins)
			}
		}},
		{name: "bad admin", env: map[string]string{"CONDUCTBOT_ADMINS": "42,alice"}, wantErr: `"alice" is not a Telegram user ID`},
		{name: "bad time zone", env: map[string]string{"CONDUCTBOT_TZ": "Mars/Olympus"}, wantErr: "CONDUCTBOT_TZ"},
		{name: "time zone", env: map[string]string{"CONDUCTBOT_TZ": "Asia/Urumqi"}, check: func(t *testing.T, c *Config) {
			if c.TimeZone.String() != "Asia/Urumqi" {
				t.Errorf("tz %v", c.TimeZone)
			}
		}},
		{name: "bad API URL", env: map[string]string{"TELEGRAM_API_URL": "localhost:8081"}, wantErr: "TELEGRAM_API_URL"},
		{name: "API URL trailing slash", env: map[string]string{"TELEGRAM_API_URL": "http://127.0.0.1:8081/"}, check: func(t *testing.T, c *Config) {
			if c.TelegramAPIURL != "http://127.0.0.1:8081" {
				t.Errorf("url %q", c.TelegramAPIURL)
			}
		}},
		{name: "bad webhook secret", env: map[string]string{"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "no spaces allowed"}, wantErr: "WEBHOOK_SECRET"},
		{name: "bad log level", env: map[string]string{"LOG_LEVEL": "loud"}, wantErr: "LOG_LEVEL"},
		{name: "openai", env: map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "EMBEDDING_MODEL": "bge-m3", "CHAT_MODEL": "qwen2.5"}, check: func(t *testing.T, c *Config) {
			if !c.OpenAIEnabled() || !c.LLMEnabled() {
				t.Error("OpenAI-compatible server not enabled")
			}
		}},
		{name: "report settings", env: map[string]string{"CONDUCTBOT_REPORT_CHAT": "-1001234", "CONDUCTBOT_REPORT_RELEASE": "17:30", "CONDUCTBOT_REMIND_RATE": "12.5"}, check: func(t *testing.T, c *Config) {
			if c.ReportChat != -1001234 || c.ReportRelease != "17:30" || c.RemindRate != 12.5 {
				t.Errorf("got %d %q %v", c.ReportChat, c.ReportRelease, c.RemindRate)
			}
		}},
		{name: "bad report chat", env: map[string]string{"CONDUCTBOT_REPORT_CHAT": "supervisors"}, wantErr: "CONDUCTBOT_REPORT_CHAT"},
		{name: "bad release time", env: map[string]string{"CONDUCTBOT_REPORT_RELEASE": "25:00"}, wantErr: "CONDUCTBOT_REPORT_RELEASE"},
		{name: "release by default", env: nil, check: func(t *testing.T, c *Config) {
			if c.ReportRelease != DefaultReportRelease || DefaultReportRelease != "17:30" {
				t.Errorf("release %q by default, want the daily batch at 17:30", c.ReportRelease)
			}
		}},
		{name: "release immediate", env: map[string]string{"CONDUCTBOT_REPORT_RELEASE": "Immediate"}, check: func(t *testing.T, c *Config) {
			if c.ReportRelease != "immediate" {
				t.Errorf("release %q", c.ReportRelease)
			}
		}},
		{name: "seal key next to the data dir", env: map[string]string{"CONDUCTBOT_DATA_DIR": "/srv/bot/data/"}, check: func(t *testing.T, c *Config) {
			if c.SealKeyFile != "/srv/bot/data.key" {
				t.Errorf("seal key file %q, want /srv/bot/data.key", c.SealKeyFile)
			}
		}},
		{name: "seal key beside the current dir", env: map[string]string{"CONDUCTBOT_DATA_DIR": "."}, check: func(t *testing.T, c *Config) {
			if wd, _ := os.Getwd(); c.SealKeyFile != wd+".key" {
				t.Errorf("seal key file %q, want %q", c.SealKeyFile, wd+".key")
			}
		}},
		{name: "seal key file", env: map[string]string{"CONDUCTBOT_SEAL_KEY_FILE": "/etc/conductbot/seal.key"}, check: func(t *testing.T, c *Config) {
			if c.SealKeyFile != "/etc/conductbot/seal.key" {
				t.Errorf("seal key file %q", c.SealKeyFile)
			}
		}},
		{name: "seal key inside the data dir", env: map[string]string{"CONDUCTBOT_DATA_DIR": "/srv/bot/data", "CONDUCTBOT_SEAL_KEY_FILE": "/srv/bot/data/seal.key"}, wantErr: "CONDUCTBOT_SEAL_KEY_FILE"},
		{name: "bad remind rate", env: map[string]string{"CONDUCTBOT_REMIND_RATE": "100"}, wantErr: "CONDUCTBOT_REMIND_RATE"},
		{name: "several errors at once", env: map[string]string{"CONDUCTBOT_TZ": "x", "LOG_LEVEL": "y"}, wantErr: "LOG_LEVEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(lookupFrom(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestWebhookListen(t *testing.T) {
	c, err := Parse(lookupFrom(nil))
	if err != nil || c.WebhookListen != "127.0.0.1:8080" {
		t.Fatalf("default WEBHOOK_LISTEN %q (%v), want loopback 127.0.0.1:8080", c.WebhookListen, err)
	}
	for _, ok := range []string{"0.0.0.0:8080", ":8443", "[::1]:88", "localhost:0"} {
		if c, err := Parse(lookupFrom(map[string]string{"WEBHOOK_LISTEN": ok})); err != nil || c.WebhookListen != ok {
			t.Errorf("WEBHOOK_LISTEN=%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"8080", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "a:b:c"} {
		if _, err := Parse(lookupFrom(map[string]string{"WEBHOOK_LISTEN": bad})); err == nil || !strings.Contains(err.Error(), "WEBHOOK_LISTEN") {
			t.Errorf("WEBHOOK_LISTEN=%q accepted (%v)", bad, err)
		}
	}
}
