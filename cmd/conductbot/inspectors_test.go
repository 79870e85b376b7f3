package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/internal/testkit"
)

// runCmd runs one subcommand with stdin and returns its exit code and output.
func runInspCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut testkit.LogBuffer
	code := run(context.Background(), testClock(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestWindowsAndInspectorsCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CONDUCTBOT_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	list := filepath.Join(dir, "windows.txt")
	if err := os.WriteFile(list, []byte("窗口号,名称\n3 不动产登记\n4号窗口 公积金\n12，税务\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runInspCmd(t, "", "windows", "load", list)
	if code != 0 || !strings.Contains(out, "3 windows in the file: 3 added") {
		t.Fatalf("windows load: %d %q %q", code, out, errOut)
	}
	if code, out, _ = runInspCmd(t, "", "windows", "list"); code != 0 || !strings.Contains(out, "12  税务") {
		t.Fatalf("windows list: %d %q", code, out)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("3 不动产登记\n这不是窗口\n"), 0o600)
	if code, _, errOut = runInspCmd(t, "", "windows", "load", bad); code != 1 || !strings.Contains(errOut, "第 2 行") {
		t.Errorf("a bad list: %d %q", code, errOut)
	}
	code, out, errOut = runInspCmd(t, "", "inspectors", "invite", "--count", "3", "--days", "2")
	codes := regexp.MustCompile(`(?m)^[0-9A-Z]{5}-[0-9A-Z]{5}$`).FindAllString(out, -1)
	if code != 0 || len(codes) != 3 || !strings.Contains(errOut, "valid until") {
		t.Fatalf("inspectors invite: %d %q %q", code, out, errOut)
	}
	// Redeem one in the terminal chat: --as staff, then /join.
	code, out, _ = runInspCmd(t, "/join "+codes[0]+"\n/quit\n", "chat", "--as", "staff", "--user", "4242", "--name", "试用")
	if code != 0 || !strings.Contains(out, "欢迎加入") {
		t.Fatalf("join in the chat: %d\n%s", code, out)
	}
	if code, out, _ = runInspCmd(t, "", "inspectors", "list"); code != 0 || !strings.Contains(out, "暗访员01") || strings.Contains(out, "4242") {
		t.Fatalf("inspectors list: %d %q", code, out)
	}
	if code, out, _ = runInspCmd(t, "", "inspectors", "revoke", "01"); code != 0 || !strings.Contains(out, "revoked 暗访员01") {
		t.Fatalf("inspectors revoke: %d %q", code, out)
	}
	if code, _, _ = runInspCmd(t, "", "inspectors", "revoke", "01"); code != 1 {
		t.Errorf("revoking twice: %d", code)
	}
	if code, _, _ = runInspCmd(t, "", "inspectors", "invite", "--count", "0"); code != 2 {
		t.Errorf("--count 0: %d", code)
	}
}

// TestChatAsInspector files a whole report in `conductbot chat --as inspector`, a photo included; run with -v
// to see the transcript.
func TestChatAsInspector(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CONDUCTBOT_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	list := filepath.Join(dir, "windows.txt")
	os.WriteFile(list, []byte("3 不动产登记\n4 公积金\n5 社保\n"), 0o600)
	if code, _, errOut := runInspCmd(t, "", "windows", "load", list); code != 0 {
		t.Fatal(errOut)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(1, 1, color.Black)
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, nil)
	photo := filepath.Join(dir, "phone.jpg")
	os.WriteFile(photo, buf.Bytes(), 0o600)

	// Steps 1 and 2 also take typed input (a window's number, a date): there a bare number is text (5 is window 5,
	// not button [5]) and #N presses button N; elsewhere a bare number presses.
	lines := []string{"/report", "5", "#1", "1"}
	for i := 1; i <= 11; i++ {
		if i == 8 { // 无吃东西、打瞌睡、玩手机、串岗
			lines = append(lines, "2", "工作人员一直低头玩手机，我站了两分钟才抬头", "/photo "+photo+" 手机在台面下", "1")
			continue
		}
		lines = append(lines, "1")
	}
	lines = append(lines, "窗口人员一直在看手机，没抬头。", "1", "3", "6", "/quit")
	in, w := io.Pipe()
	var stdout, stderr testkit.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), testClock(), []string{"chat", "--as", "inspector", "--user", "7351906642", "--name", "林晓燕"}, in, &stdout, &stderr)
	}()
	for _, l := range lines {
		io.WriteString(w, l+"\n")
	}
	w.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	out := stdout.String()
	t.Logf("transcript:\n%s", out)
	for _, want := range []string{"身份：暗访人员", "第 1/5 步", "# 加编号", "窗口：5号窗口 社保", "日期：11月2日", "已收到第 1 张照片", "1.3.3", "核对", "照片 1 张", "回执码"} {
		if !strings.Contains(out, want) {
			t.Errorf("the transcript lacks %q", want)
		}
	}
	if strings.Contains(stderr.String(), "7351906642") || strings.Contains(stderr.String(), "林晓燕") {
		t.Errorf("the log names the inspector:\n%s", stderr.String())
	}
}
