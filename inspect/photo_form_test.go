package inspect_test

import (
	"path/filepath"
	"testing"

	"github.com/conductbot/conductbot/internal/testkit"
)

// An inspector's photo whose header promises 49 megapixels is refused at the photo step with a Chinese notice
// naming its size; the draft goes on, and a normal photo is taken after it.
func TestTelegramPhotoTooLarge(t *testing.T) {
	store := openSQLite(t, filepath.Join(t.TempDir(), "conductbot.db"))
	h := startTG(t, store, tgSetup{})
	h.seedWindows()
	h.join(tgInsp)
	h.Say(tgInsp, "/report")
	h.Say(tgInsp, "3号")
	h.Press(tgInsp, "今天")
	h.Press(tgInsp, "上午")
	h.Press(tgInsp, "✅ 符合")
	h.Press(tgInsp, "不符合")

	h.Push(h.api.Photo(testkit.Private(tgInsp), tgInsp, "", bombPNG(t)))
	expect(t, h.Last(tgInsp.ID).Text, "照片太大（7000×7000 像素）", "4000 万像素", "之前填写的内容都还在")
	h.Push(h.api.Photo(testkit.Private(tgInsp), tgInsp, "", gpsJPEG(t, 64, 48, 1)))
	expect(t, h.Last(tgInsp.ID).Text, "已收到第 1 张照片")
}
