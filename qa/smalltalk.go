package qa

import (
	"strings"
	"unicode"
)

// smallTalk are whole messages that ask nothing: greetings, thanks, acknowledgements. It is general chat
// vocabulary, the same for every center; it says nothing of what any code of conduct allows.
var smallTalk = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`你好 您好 你们好 大家好 早 早上好 上午好 中午好 下午好 晚上好 晚安 嗨 哈喽 在吗 在不在 在么
		谢谢 谢谢你 谢谢您 多谢 感谢 感谢感谢 谢啦 谢了 辛苦了 辛苦 麻烦了 好的 好 好吧 好嘞 行 行吧 可以了 知道了 明白 明白了 了解 了解了
		收到 收到了 嗯 嗯嗯 哦 哦哦 噢 啊 哈哈 哈哈哈 呵呵 嘿嘿 ok okay 好滴 再见 拜拜 没事了 没问题 对 对的 是的 不用了 算了`) {
		smallTalk[s] = true
	}
}

// IsSmallTalk reports whether text asks nothing a code of conduct could answer: a greeting, thanks, an
// acknowledgement, emoji or punctuation alone, or text without a single Chinese character (the bot is asked
// in Chinese; "hi", "thx", "👍" are chat). Such messages are neither questions to answer from the code nor gaps
// in it.
func IsSmallTalk(text string) bool {
	var b strings.Builder
	han := false
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han = true
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	if !han {
		return true
	}
	return smallTalk[b.String()]
}
