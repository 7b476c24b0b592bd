//! The desktop shell's tests, one binary: `ipc` drives the commands through Tauri's real IPC
//! layer on the mock runtime (no display needed); `e2e` drives the real app in the real
//! WebKit webview through tauri-driver (needs Xvfb, WebKitWebDriver and tauri-driver; `make
//! test` provides them, and a missing one fails the test with the reason).

mod e2e;
#[path = "../../../tests/hub/support.rs"]
mod hub_support;
mod ipc;
