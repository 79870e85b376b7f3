package qa

import "testing"

func TestIsSmallTalk(t *testing.T) {
	for text, want := range map[string]bool{
		"你好": true, "您好！": true, "谢谢": true, "谢谢您～": true, "好的": true, "收到。": true, "👍": true, "？？": true,
		"ok": true, "thanks": true, "hello world": true, "": true,
		"上班可以玩手机吗": false, "你好，请问上班能吃东西吗": false, "谢谢，那午休能在窗口睡觉吗": false, "能用wx回复群众吗": false,
		"好": true, "可以": false, "在吗": true,
	} {
		if got := IsSmallTalk(text); got != want {
			t.Errorf("IsSmallTalk(%q) = %v, want %v", text, got, want)
		}
	}
}
