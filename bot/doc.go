// Package bot holds ConductBot's conversations, independent of any transport: an incoming Update from a user
// with roles goes through middleware (recover, duplicate filter, group filter, role resolution, rate limit) to
// the handler a Router picks for it (a command, a button's callback prefix, an open per-chat form, a photo, or
// the default text handler), which answers through a Transport (send, edit, answer a button, send a file,
// download a file).
//
// Adapters map real transports onto it: bot/telegram (go-telegram/bot, long polling or webhook) and
// bot/console (a terminal, for `conductbot chat`). Capabilities register their own commands, callback
// prefixes and forms on the Router from their own packages:
//
//	rt.Command("report", bot.Inspector, fileReport, bot.Describe("填写暗访报告"), bot.PrivateOnly())
//	rt.Callback("rp", bot.Inspector, reportButton)
//	rt.Form(bot.Form{Kind: "report.draft", Need: bot.Inspector, Handle: reportInput, Cancel: cancelReport})
//
// Callback data is untrusted: it is a compact "prefix:arg:arg" string of at most 64 bytes (CallbackData,
// ParseCallback), and handlers re-check everything it names (role, ownership, state) on the server.
package bot
