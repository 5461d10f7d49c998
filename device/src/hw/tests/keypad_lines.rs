use std::io::Cursor;

use super::*;

const NO_KEYS: [Key; 0] = [];

/// Long enough for a reader thread on a loaded machine; only ever waited for in full if a
/// test is about to fail anyway.
const PATIENCE: Duration = Duration::from_secs(10);

fn keys_of(text: &str) -> Vec<Key> {
    parse_key_line(text).expect("valid keys")
}

/// Everything already queued, without waiting.
fn drain(keypad: &mut dyn Keypad) -> Vec<Key> {
    std::iter::from_fn(|| keypad.next_key(Duration::ZERO).expect("no error")).collect()
}

fn socket_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("keypad.sock")
}

#[test]
fn socket_keys_arrive_in_order_once_the_line_is_acknowledged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = socket_in(&dir);
    let mut keypad = SocketKeypad::bind(&path).expect("binds");
    assert_eq!(SocketKeypad::send(&path, "1001#").expect("accepted"), 5);
    assert_eq!(SocketKeypad::send(&path, "F1 ENTER").expect("accepted"), 2);
    assert_eq!(drain(&mut keypad), keys_of("1001# F1 #"));
    assert_eq!(keypad.next_key(Duration::ZERO).expect("no error"), None);
}

#[test]
fn one_client_can_send_many_lines_on_one_connection() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = socket_in(&dir);
    let mut keypad = SocketKeypad::bind(&path).expect("binds");
    let mut stream = UnixStream::connect(&path).expect("connects");
    stream.write_all(b"12\nbogus\n*\n").expect("writes");
    let replies: Vec<String> = BufReader::new(&stream)
        .lines()
        .take(3)
        .map(|line| line.expect("a reply"))
        .collect();
    assert_eq!(replies[0], "ok 2");
    assert!(
        replies[1].starts_with("error: ") && replies[1].contains("`bogus`"),
        "{}",
        replies[1]
    );
    assert_eq!(replies[2], "ok 1");
    assert_eq!(drain(&mut keypad), keys_of("12*"));
}

#[test]
fn a_bad_line_is_refused_with_the_reason_and_queues_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = socket_in(&dir);
    let mut keypad = SocketKeypad::bind(&path).expect("binds");
    let error = SocketKeypad::send(&path, "12 F9").expect_err("F9 is not a key");
    assert!(error.to_string().contains("unknown key `F9`"), "{error}");
    assert_eq!(drain(&mut keypad), NO_KEYS);
}

#[test]
fn a_live_socket_is_not_taken_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = socket_in(&dir);
    let _first = SocketKeypad::bind(&path).expect("binds");
    let error = SocketKeypad::bind(&path).expect_err("already listening");
    assert!(matches!(error, HwError::KeypadBusy { .. }), "{error}");
}

#[test]
fn a_stale_socket_file_is_replaced_and_a_plain_file_is_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = socket_in(&dir);
    drop(UnixListener::bind(&path).expect("binds"));
    assert!(path.exists(), "the stale socket file is left behind");
    let mut keypad = SocketKeypad::bind(&path).expect("replaces the stale socket");
    SocketKeypad::send(&path, "7").expect("accepted");
    assert_eq!(drain(&mut keypad), keys_of("7"));

    let file = dir.path().join("config.toml");
    std::fs::write(&file, "x").expect("write");
    let error = SocketKeypad::bind(&file).expect_err("not a socket");
    assert!(error.to_string().contains("is not a socket"), "{error}");
    assert!(file.exists(), "the file is left alone");
}

#[test]
fn dropping_the_keypad_removes_its_socket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = socket_in(&dir);
    drop(SocketKeypad::bind(&path).expect("binds"));
    assert!(!path.exists());
    let error = SocketKeypad::send(&path, "1").expect_err("nobody listens");
    assert!(error.to_string().contains("cannot connect"), "{error}");
}

#[test]
fn sending_to_a_missing_folder_explains_itself() {
    let dir = tempfile::tempdir().expect("temp dir");
    let error = SocketKeypad::bind(&dir.path().join("no/such/dir.sock")).expect_err("no folder");
    assert!(
        error.to_string().contains("does its folder exist"),
        "{error}"
    );
}

#[test]
fn a_text_stream_yields_keys_then_reports_its_end() {
    let input = Cursor::new("1234#\nF2 nope\n*\n");
    let mut keypad = LineKeypad::from_reader("test input", input).expect("starts");
    let mut keys = Vec::new();
    for _ in 0..5 {
        keys.push(keypad.next_key(PATIENCE).expect("a key").expect("in time"));
    }
    assert_eq!(keys, keys_of("1234#"));
    let error = keypad.next_key(PATIENCE).expect_err("bad line");
    assert!(error.to_string().contains("`nope`"), "{error}");
    assert_eq!(
        keypad.next_key(PATIENCE).expect("a key"),
        Key::from_char('*')
    );
    let error = keypad.next_key(PATIENCE).expect_err("end of input");
    assert!(matches!(error, HwError::KeypadClosed { .. }), "{error}");
}
