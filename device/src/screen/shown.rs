//! What the screen shows lasts a while, then the idle prompt returns: a result ("Lathe
//! stopped") must not stay on screen for the next person to read as theirs.

use super::ScreenState;
use crate::station::{Message, MessageKind};

/// How long a result stays on screen.
pub const RESULT_SHOWN_MS: u64 = 5_000;

/// How long each kind of message stays on screen after its last update, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetimes {
    /// A result: clocked in, refused, machine started or stopped.
    pub result_ms: u64,
    /// The keypad echo: as long as the keypad keeps a half-typed entry.
    pub entry_ms: u64,
    /// An equipment warning or countdown ("Machine stops in 60 s unless used"): its warning time.
    pub countdown_ms: u64,
    /// A head turn asked for: its longest time limit and the station's grace; the turn's own
    /// outcome replaces it sooner.
    pub turn_ms: u64,
}

impl Lifetimes {
    /// Whether a message of `kind` shown `age_ms` ago has had its time.
    pub fn expired(&self, kind: MessageKind, age_ms: u64) -> bool {
        let lifetime = match kind {
            MessageKind::Entry => self.entry_ms,
            MessageKind::Warning => self.countdown_ms,
            MessageKind::Success | MessageKind::Refused => self.result_ms,
            MessageKind::Turn => self.turn_ms,
        };
        age_ms >= lifetime
    }
}

/// When the message and the countdown on screen were set, to take each down in time.
#[derive(Clone, Debug)]
pub struct Shown {
    lifetimes: Lifetimes,
    message_at: u64,
    countdown_at: u64,
}

impl Shown {
    pub fn new(lifetimes: Lifetimes) -> Self {
        Self {
            lifetimes,
            message_at: 0,
            countdown_at: 0,
        }
    }

    /// Shows `message`; anything but a head turn's prompt takes the turn's arrow down.
    pub fn message(&mut self, screen: &mut ScreenState, message: Message, now_ms: u64) {
        if message.kind != MessageKind::Turn {
            screen.turn = None;
        }
        screen.message = Some(message);
        self.message_at = now_ms;
    }

    pub fn countdown(&mut self, screen: &mut ScreenState, text: String, now_ms: u64) {
        screen.countdown = Some(text);
        self.countdown_at = now_ms;
    }

    /// Takes down what has had its time (the page then shows the idle prompt); `true` if
    /// anything changed.
    pub fn expire(&self, screen: &mut ScreenState, now_ms: u64) -> bool {
        let mut changed = false;
        if let Some(m) = &screen.message
            && self
                .lifetimes
                .expired(m.kind, now_ms.saturating_sub(self.message_at))
        {
            screen.message = None;
            screen.turn = None;
            changed = true;
        }
        if screen.countdown.is_some()
            && self.lifetimes.expired(
                MessageKind::Warning,
                now_ms.saturating_sub(self.countdown_at),
            )
        {
            screen.countdown = None;
            changed = true;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIFETIMES: Lifetimes = Lifetimes {
        result_ms: 5_000,
        entry_ms: 30_000,
        countdown_ms: 60_000,
        turn_ms: 63_000,
    };

    fn message(kind: MessageKind) -> Message {
        Message {
            kind,
            text: "Lathe stopped".into(),
        }
    }

    #[test]
    fn a_result_goes_after_its_time_and_a_newer_one_restarts_the_clock() {
        let mut screen = ScreenState::default();
        let mut shown = Shown::new(LIFETIMES);
        shown.message(&mut screen, message(MessageKind::Success), 1_000);
        assert!(!shown.expire(&mut screen, 5_999));
        assert!(screen.message.is_some());
        shown.message(&mut screen, message(MessageKind::Refused), 5_000);
        assert!(
            !shown.expire(&mut screen, 9_999),
            "the newer result keeps its own time"
        );
        assert!(shown.expire(&mut screen, 10_000));
        assert_eq!(screen.message, None);
        assert!(
            !shown.expire(&mut screen, 10_001),
            "nothing left to take down"
        );
    }

    #[test]
    fn a_turn_prompt_keeps_its_arrow_until_a_result_or_its_time_takes_it_down() {
        use attend_vision::liveness::challenge::Turn;
        let arrow = super::super::TurnView {
            direction: Turn::Left,
            progress: 0.5,
        };
        let mut screen = ScreenState::default();
        let mut shown = Shown::new(LIFETIMES);
        shown.message(&mut screen, message(MessageKind::Turn), 0);
        screen.turn = Some(arrow);
        assert!(!shown.expire(&mut screen, 62_999));
        assert_eq!(screen.turn, Some(arrow));
        assert!(shown.expire(&mut screen, 63_000));
        assert_eq!((screen.message.as_ref(), screen.turn), (None, None));

        shown.message(&mut screen, message(MessageKind::Turn), 70_000);
        screen.turn = Some(arrow);
        shown.message(&mut screen, message(MessageKind::Success), 71_000);
        assert_eq!(screen.turn, None, "the result replaces the arrow");
    }

    #[test]
    fn the_keypad_echo_stays_as_long_as_the_entry_and_a_countdown_for_its_warning() {
        let mut screen = ScreenState::default();
        let mut shown = Shown::new(LIFETIMES);
        shown.message(&mut screen, message(MessageKind::Entry), 0);
        shown.countdown(&mut screen, "Machine stops in 60 s unless used".into(), 0);
        assert!(!shown.expire(&mut screen, 29_999));
        assert!(shown.expire(&mut screen, 30_000));
        assert_eq!(screen.message, None);
        assert!(screen.countdown.is_some());
        assert!(shown.expire(&mut screen, 60_000));
        assert_eq!(screen.countdown, None);
    }
}
