package telegram_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot/telegram"
)

// startHook runs the harness's bot in webhook mode on loopback with short server timeouts.
func startHook(t *testing.T, opts func(o *telegram.Options)) (*harness, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wh := &telegram.Webhook{URL: "http://" + ln.Addr().String() + "/tg/hook", Secret: "right-secret", Listener: ln,
		ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 2 * time.Second,
		IdleTimeout: 500 * time.Millisecond, WarnEvery: time.Hour}
	h := start(t, setup{webhook: wh, options: opts})
	h.api.WaitCall(t, "setWebhook", nil)
	return h, ln.Addr().String()
}

func post(t *testing.T, addr, secret, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/tg/hook", strings.NewReader(body))
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebhookMalformedAndHealth: a body that is not an update gets 400 and only its size is logged; /healthz
// answers 503 while the store cannot be used, 200 again after.
func TestWebhookMalformedAndHealth(t *testing.T) {
	h, addr := startHook(t, func(o *telegram.Options) { o.HealthTimeout = 200 * time.Millisecond })
	for _, body := range []string{`{"update_id": 5, "message": {"text": "机密内容`, `[]`, `null`, `{"message":{"text":"机密内容"}}`, `机密内容`} {
		if got := post(t, addr, "right-secret", body); got != http.StatusBadRequest {
			t.Errorf("body %q: status %d, want 400", body, got)
		}
	}
	if got := post(t, addr, "right-secret", `{"update_id":`+strings.Repeat("1", 2<<20)+`}`); got != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB body: %d, want 413", got)
	}
	get := func() (int, string) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || body != "ok\n" {
		t.Fatalf("healthz %d %q", code, body)
	}
	// The in-memory store has one connection: a transaction holding it makes the store unusable.
	tx, err := h.env.Store.SQL().Begin()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, body := get()
	if code != http.StatusServiceUnavailable || len(body) > 64 {
		t.Errorf("healthz with the store held: %d %q, want 503 with a short body", code, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("healthz took %v", d)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(); code != 200 {
		t.Errorf("healthz after: %d", code)
	}
	h.stop()
	log := h.log.String()
	if strings.Contains(log, "机密内容") || strings.Contains(log, "update_id\":") {
		t.Errorf("the log shows a body:\n%s", log)
	}
	if !strings.Contains(log, "not an update") || !strings.Contains(log, "bytes=") {
		t.Errorf("malformed bodies not logged by size:\n%s", log)
	}
}

// TestWebhookWrongSecretFlood: 5,000 requests with a wrong secret get 401 and write at most two WARN lines,
// whose counts add up to 5,000, none longer than 300 bytes.
func TestWebhookWrongSecretFlood(t *testing.T) {
	h, addr := startHook(t, nil)
	const n, workers = 5000, 32
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/tg/hook", strings.NewReader(`{"update_id":1}`))
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", fmt.Sprint("wrong-", i))
				resp, err := client.Do(req)
				code := 0
				if err == nil {
					code = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				statuses[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d wrong-secret requests in %v", n, time.Since(start))
	if statuses[http.StatusUnauthorized] != n {
		t.Errorf("statuses %v, want %d × 401", statuses, n)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	lines, total := 0, 0
	countRE := regexp.MustCompile(`count=(\d+)`)
	for _, line := range strings.Split(h.log.String(), "\n") {
		if !strings.Contains(line, "wrong secret") {
			continue
		}
		lines++
		if len(line) > 300 {
			t.Errorf("a line of %d bytes: %s", len(line), line)
		}
		if m := countRE.FindStringSubmatch(line); m != nil {
			c, _ := strconv.Atoi(m[1])
			total += c
		}
	}
	if lines == 0 || lines > 2 || total != n {
		t.Errorf("%d WARN lines counting %d requests; want 1 or 2 lines counting %d", lines, total, n)
	}
	if len(h.api.Calls("sendMessage")) != 0 {
		t.Error("a wrong-secret request was handled")
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(es)
}

// closedWithin reads from c until the server closes it, and reports how long that took (or -1 past limit).
func closedWithin(c net.Conn, limit time.Duration) time.Duration {
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() { // the deadline passed: still open
		return -1
	}
	return time.Since(start) // EOF, or a reset when the server hung up on unread bytes
}

// TestWebhookSlowClients: 100 clients that never finish their headers, 100 that send a wrong secret and
// trickle a body, and 5 with the right secret trickling a body: every connection is closed within the
// server's timeouts (300 ms headers, 500 ms request), none held; then 50 idle keep-alive connections are closed
// after the 500 ms IdleTimeout, and the open descriptors come back to what they were.
func TestWebhookSlowClients(t *testing.T) {
	h, addr := startHook(t, nil)
	const limit = 3 * time.Second // the timeouts, with room for a loaded machine
	type kind struct {
		name string
		n    int
		head string
	}
	kinds := []kind{
		{"slow headers", 100, "POST /tg/hook HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: wro"},
		{"wrong secret, slow body", 100, "POST /tg/hook HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: wrong\r\nContent-Length: 100000\r\n\r\n{"},
		{"right secret, slow body", 5, "POST /tg/hook HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: right-secret\r\nContent-Length: 100000\r\n\r\n{"},
	}
	fd0 := openFDs(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	worst := map[string]time.Duration{}
	held := map[string]int{}
	stopTrickle := make(chan struct{})
	for _, k := range kinds {
		for range k.n {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(c, k.head); err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() { // trickle a byte every 50 ms until the server hangs up
				defer wg.Done()
				t := time.NewTicker(50 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-stopTrickle:
						return
					case <-t.C:
						if _, err := c.Write([]byte("a")); err != nil {
							return
						}
					}
				}
			}()
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := closedWithin(c, limit)
				c.Close()
				mu.Lock()
				if d < 0 {
					held[k.name]++
				} else if d > worst[k.name] {
					worst[k.name] = d
				}
				mu.Unlock()
			}()
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * limit):
		close(stopTrickle)
		<-done
	}
	t.Logf("slowest close by kind: %v", worst)
	if len(held) > 0 {
		t.Errorf("connections still open after %v: %v", limit, held)
	}

	// Idle keep-alive connections.
	conns := make([]net.Conn, 50)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz on a keep-alive connection: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	open := openFDs(t)
	stillOpen := 0
	for _, c := range conns {
		if closedWithin(c, limit) < 0 {
			stillOpen++
		}
		c.Close()
	}
	if stillOpen > 0 {
		t.Errorf("%d of 50 idle connections open after %v (IdleTimeout 500ms)", stillOpen, limit)
	}
	time.Sleep(50 * time.Millisecond) // let the server's side of the sockets go
	after := openFDs(t)
	t.Logf("open descriptors: %d before, %d with 50 idle connections, %d after", fd0, open, after)
	if open < fd0+50 || after > fd0+5 {
		t.Errorf("descriptors %d → %d → %d: the idle connections were not all closed", fd0, open, after)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
}
