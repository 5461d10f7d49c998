//! Time for devices that pace themselves. Replayed cameras and fakes take a [`Clock`], so
//! tests move time by hand and never sleep or assert on wall-clock durations.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A monotonic clock that can also wait.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Instant;
    fn sleep(&self, duration: Duration);
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A clock that only moves when told to: `sleep` advances it instantly. Clones share time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Instant>>,
}

impl ManualClock {
    pub fn new() -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(Instant::now())),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn sleep(&self, duration: Duration) {
        self.advance(duration);
    }
}

/// Hands out ticks at a fixed rate. A caller that falls behind is not paid back with a burst
/// of frames: the schedule restarts from now, as a live camera would drop frames.
#[derive(Debug, Clone)]
pub struct Pacer {
    period: Duration,
    next_due: Option<Instant>,
}

impl Pacer {
    /// `fps` must be positive and finite (the spec parsers guarantee it).
    pub fn new(fps: f64) -> Self {
        Pacer {
            period: Duration::from_secs_f64(1.0 / fps),
            next_due: None,
        }
    }

    /// Waits until the next tick is due and returns when it was handed out.
    pub fn wait(&mut self, clock: &dyn Clock) -> Instant {
        let now = clock.now();
        let due = match self.next_due {
            Some(due) if due > now => {
                clock.sleep(due - now);
                due
            }
            Some(due) if now - due < self.period => due,
            _ => now,
        };
        self.next_due = Some(due + self.period);
        clock.now().max(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_spaces_ticks_by_the_period() {
        let clock = ManualClock::new();
        let start = clock.now();
        let mut pacer = Pacer::new(2.0);
        let ticks: Vec<_> = (0..3).map(|_| pacer.wait(&clock) - start).collect();
        assert_eq!(
            ticks,
            [
                Duration::ZERO,
                Duration::from_millis(500),
                Duration::from_secs(1)
            ]
        );
    }

    #[test]
    fn pacer_does_not_burst_after_a_slow_caller() {
        let clock = ManualClock::new();
        let start = clock.now();
        let mut pacer = Pacer::new(10.0);
        pacer.wait(&clock);
        clock.advance(Duration::from_secs(5));
        let late = pacer.wait(&clock);
        let next = pacer.wait(&clock);
        assert_eq!(late - start, Duration::from_secs(5));
        assert_eq!(next - late, Duration::from_millis(100));
    }

    #[test]
    fn pacer_keeps_the_schedule_when_slightly_late() {
        let clock = ManualClock::new();
        let start = clock.now();
        let mut pacer = Pacer::new(10.0);
        pacer.wait(&clock);
        clock.advance(Duration::from_millis(130));
        // Late by 30 ms, less than a period: the tick keeps its slot, the next one is not moved.
        assert_eq!(pacer.wait(&clock) - start, Duration::from_millis(130));
        assert_eq!(pacer.wait(&clock) - start, Duration::from_millis(200));
    }
}
