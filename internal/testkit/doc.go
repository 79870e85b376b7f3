// Package testkit is what tests of every package share: the Bot API stand-in (NewAPI, speaking Telegram's wire
// format to the real client), the bot wired on the real stores (NewBot, StartTelegram), the real stores opened
// for a test (SQLite in memory or in a file, PostgresURL: a private schema in TEST_DATABASE_URL), one
// bot.Transport that records what handlers send (Recorder) and one settable clock (Clock).
//
// Only tests import it. It imports the sqlite package, which imports the capabilities it stores: tests that use
// it are external test packages (package bot_test, inspect_test, …).
package testkit
