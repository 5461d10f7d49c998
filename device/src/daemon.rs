//! `Daemon::build(config) → port() → run_until_stopped(shutdown)`: opens the state database,
//! the credentials, the hardware and (if enabled) the models, binds the screen, then runs the
//! sync worker, the recognition thread, the keypad thread and the station loop until shutdown,
//! when every machine is stopped (reason `shutdown`) and the outputs are left safe.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use attend_protocol::events::Versions;
use attend_vision::FacePipeline;
use axum::body::Bytes;
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, watch};

use crate::config::Config;
use crate::hw::{self, Camera, Hardware, Key, Keypad};
use crate::kiosk::decide::Decision;
use crate::lock;
use crate::outbox::Outbox;
use crate::recognize::{FrameOutcome, Recognizer, TurnCommand};
use crate::roster::{RosterCache, TemplateKey};
use crate::screen::{
    self, FaceBox, Lifetimes, PreviewFrame, RESULT_SHOWN_MS, ScreenState, Shown, TurnView,
};
use crate::station::{FaceMatch, MessageKind, Station, StationSettings, TURN_GRACE_MS};
use crate::sync::{Credentials, SyncClient, SyncStatus, SyncWorker};
use attend_vision::liveness::challenge::Progress;
use attend_vision::liveness::{LivenessChecker, LivenessConfig};

pub struct Daemon {
    config: Config,
    listener: TcpListener,
    outbox: Arc<Mutex<Outbox>>,
    roster: Arc<Mutex<RosterCache>>,
    client: Arc<SyncClient>,
    hardware: Hardware,
    pipeline: Option<Arc<FacePipeline>>,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("state_dir", &self.config.state_dir)
            .finish_non_exhaustive()
    }
}

enum Input {
    Key(Key),
    Frame(Box<FrameOutcome>, Option<Bytes>),
}

impl Daemon {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.state_dir)
            .with_context(|| format!("creating {}", config.state_dir.display()))?;
        let creds = Credentials::load(&config.credentials_path())?;
        let outbox = Arc::new(Mutex::new(Outbox::open(&config.state_db())?));
        let key = TemplateKey::load_or_create(&config.template_key())?;
        let roster = Arc::new(Mutex::new(RosterCache::open(&config.state_db(), key)?));
        let hardware = hw::build(&config.hardware()).context("opening the hardware")?;
        let pipeline = if config.recognition.enabled {
            Some(Arc::new(
                FacePipeline::load(&config.pipeline()).context("loading the face models")?,
            ))
        } else {
            None
        };
        let listener = TcpListener::bind(config.screen.listen)
            .await
            .with_context(|| format!("binding the screen on {}", config.screen.listen))?;
        Ok(Self {
            client: Arc::new(SyncClient::new(creds)?),
            config,
            listener,
            outbox,
            roster,
            hardware,
            pipeline,
        })
    }

    /// With fake outputs (`outputs.kind = "fake"`): the record of every relay, LED and buzzer
    /// change, so tests and the demo can see what the machines would have done.
    pub fn output_log(&self) -> Option<hw::OutputLog> {
        self.hardware.output_log.clone()
    }

    pub fn screen_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.config.screen.listen)
    }

    pub fn port(&self) -> u16 {
        self.screen_addr().port()
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            config,
            listener,
            outbox,
            roster,
            client,
            hardware,
            pipeline,
        } = self;
        let Hardware {
            camera,
            keypad,
            outputs,
            ..
        } = hardware;
        let wake = Arc::new(Notify::new());
        let stop = Arc::new(AtomicBool::new(false));
        let (stop_tx, stop_rx) = watch::channel(false);
        let (inputs_tx, mut inputs) = mpsc::channel::<Input>(64);

        let worker = SyncWorker {
            outbox: outbox.clone(),
            roster: roster.clone(),
            client,
            config: config.sync_config(),
            heartbeat_every: config.heartbeat_every(),
            wake: wake.clone(),
            versions: Versions {
                attendd: env!("CARGO_PKG_VERSION").into(),
                vision: Some(env!("CARGO_PKG_VERSION").into()),
                models: pipeline
                    .as_ref()
                    .map(|p| {
                        vec![
                            p.detector().model_id().to_owned(),
                            p.embedder().model().spec.id.clone(),
                        ]
                    })
                    .unwrap_or_default(),
                os: None,
            },
        };
        let (sync_tx, mut sync_status) = watch::channel(SyncStatus::default());
        let mut sync_stop = stop_rx.clone();
        let sync_task = tokio::spawn(worker.run(sync_tx, async move {
            let _ = sync_stop.wait_for(|s| *s).await;
        }));

        let (screen_tx, screen_rx) = watch::channel(ScreenState::default());
        let (frame_tx, frame_rx) = watch::channel::<Option<PreviewFrame>>(None);
        let mut frame_seq = 0u64;
        let mut screen_stop = stop_rx.clone();
        let screen_task = tokio::spawn(screen::serve(listener, screen_rx, frame_rx, async move {
            let _ = screen_stop.wait_for(|s| *s).await;
        }));

        let keypad_thread = spawn_keypad(keypad, inputs_tx.clone(), stop.clone());
        let (turns, turn_rx) = std::sync::mpsc::channel::<TurnCommand>();
        let camera_thread = match &pipeline {
            Some(p) => Some(spawn_recognition(
                camera,
                with_liveness(
                    Recognizer::new(
                        p.clone(),
                        config.recognition.frames_needed,
                        config.recognition.margin,
                        config.recognition.int8,
                    )?,
                    &config,
                ),
                roster.clone(),
                inputs_tx.clone(),
                turn_rx,
                stop.clone(),
            )),
            None => None,
        };
        drop(inputs_tx);

        let settings = StationSettings::default();
        let mut shown = Shown::new(Lifetimes {
            result_ms: RESULT_SHOWN_MS,
            entry_ms: settings.key_timeout_ms,
            countdown_ms: settings.equipment.warn_ms,
            turn_ms: 60_000 + TURN_GRACE_MS,
        });
        let mut station = Station::new(&settings, outbox, roster, outputs, wake);
        let started = Instant::now();
        let now_ms = || started.elapsed().as_millis() as u64;
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        tokio::pin!(shutdown);
        tracing::info!(recognition = pipeline.is_some(), "attendd running");
        // systemd (Type=notify): ready now; the watchdog is pinged from the station loop's tick,
        // so a wedged loop (not just a live process) gets the daemon restarted.
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
        let watchdog = sd_notify::watchdog_enabled();
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                Some(input) = inputs.recv() => match input {
                    Input::Key(key) => {
                        // A key ends a head turn being asked for: the person chose the keypad.
                        if station.turn_asked().is_some() {
                            let _ = turns.send(TurnCommand::Cancel);
                        }
                        let m = station.on_key(key, now_ms());
                        screen_tx.send_modify(|s| shown.message(s, m, now_ms()));
                    }
                    Input::Frame(outcome, jpeg) => {
                        let size = outcome.size;
                        let mut message = outcome.event.map(|e| match e.decision {
                            Decision::Recognised { person, score } => {
                                let face = FaceMatch { score, threshold: e.threshold, model_id: e.model_id.clone(), picture: e.picture.clone(), descriptor: e.descriptor.clone() };
                                station.on_face(person, face, &e.passive, now_ms())
                            }
                            Decision::Unknown => station.on_unknown_face(),
                        });
                        let mut arrow = None;
                        if let Some(ask) = message.as_ref().filter(|m| m.kind == MessageKind::Turn).and(station.turn_asked()) {
                            let anchor = station.turn_anchor().map(<[f32]>::to_vec);
                            let _ = turns.send(TurnCommand::Start { id: ask.id, direction: ask.direction, timeout_ms: ask.timeout_ms, anchor });
                            arrow = Some(TurnView { direction: ask.direction, progress: 0.0 });
                        }
                        if let Some((id, progress)) = outcome.turn {
                            if let (Progress::Turning { fraction }, Some(ask)) = (progress, station.turn_asked().filter(|a| a.id == id)) {
                                arrow = Some(TurnView { direction: ask.direction, progress: fraction });
                            }
                            if message.is_none() {
                                message = station.on_turn(id, progress, now_ms());
                            }
                        }
                        let faces: Vec<FaceBox> = outcome.faces.iter().map(|d| FaceBox { x: d.bbox.x, y: d.bbox.y, w: d.bbox.w, h: d.bbox.h }).collect();
                        // The picture goes out with its own boxes, so the page never draws one
                        // frame's boxes on another.
                        if let Some(jpeg) = jpeg {
                            frame_seq += 1;
                            let _ = frame_tx.send(Some(PreviewFrame { seq: frame_seq, jpeg, size, faces: faces.clone() }));
                        }
                        // The boxes go to `/status` quietly; the page gets them with the picture,
                        // so only a new message wakes its event stream.
                        screen_tx.send_if_modified(|s| {
                            s.faces = faces;
                            s.frame_size = Some(size);
                            let mut changed = message.is_some();
                            if let Some(m) = message {
                                shown.message(s, m, now_ms());
                            }
                            if arrow.is_some() && s.turn != arrow {
                                s.turn = arrow;
                                changed = true;
                            }
                            changed
                        });
                    }
                },
                Ok(()) = sync_status.changed() => {
                    let st = sync_status.borrow_and_update().clone();
                    station.clock_suspect = st.clock_offset_ms.is_some_and(|o| o.abs() > 120_000);
                    screen_tx.send_modify(|s| {
                        s.online = st.online;
                        s.queue_depth = st.queue_depth;
                        s.clock_offset_ms = st.clock_offset_ms;
                        s.awaiting_confirmation = st.awaiting_confirmation;
                    });
                }
                _ = ticker.tick() => {
                    if watchdog.is_some() {
                        let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
                    }
                    if let Some(m) = station.expire_turn(now_ms()) {
                        let _ = turns.send(TurnCommand::Cancel);
                        screen_tx.send_modify(|s| shown.message(s, m, now_ms()));
                    }
                    let warnings = station.tick(now_ms());
                    if let Some(w) = warnings.into_iter().last() {
                        screen_tx.send_modify(|s| shown.countdown(s, w.text, now_ms()));
                    }
                    screen_tx.send_if_modified(|s| shown.expire(s, now_ms()));
                }
            }
        }
        tracing::info!("attendd stopping: machines off, outbox kept");
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
        station.shutdown();
        stop.store(true, Ordering::Relaxed);
        let _ = stop_tx.send(true);
        let _ = sync_task.await;
        let _ = screen_task.await;
        let _ = keypad_thread.join();
        if let Some(t) = camera_thread {
            let _ = t.join();
        }
        Ok(())
    }
}

/// The passive liveness check, when its models are installed. Without them the kiosk still
/// recognises faces, and each face punch says the check could not run (the server flags it, or
/// the site's rules refuse it): a kiosk missing its models is seen, not silently unchecked.
fn with_liveness(recognizer: Recognizer, config: &Config) -> Recognizer {
    let mut liveness = LivenessConfig::new(&config.recognition.models_dir);
    liveness.threads = 1;
    match LivenessChecker::load(&liveness) {
        Ok(checker) => recognizer.with_liveness(checker),
        Err(e) => {
            tracing::warn!(error = %e, "no liveness check: face punches will say so (run attendd setup --from DIR with the liveness models)");
            recognizer
        }
    }
}

fn spawn_keypad(
    mut keypad: Box<dyn Keypad>,
    tx: mpsc::Sender<Input>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match keypad.next_key(Duration::from_millis(100)) {
                Ok(Some(key)) => {
                    if tx.blocking_send(Input::Key(key)).is_err() {
                        return;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, "keypad failed");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    })
}

fn spawn_recognition(
    mut camera: Box<dyn Camera>,
    mut recognizer: Recognizer,
    roster: Arc<Mutex<RosterCache>>,
    tx: mpsc::Sender<Input>,
    turns: std::sync::mpsc::Receiver<TurnCommand>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut cursor = u64::MAX;
        let (own, metric) = recognizer.match_rules();
        let mut rules = crate::kiosk::face_match::Follow::new(recognizer.model_id(), metric, own);
        let started = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            while let Ok(command) = turns.try_recv() {
                command.apply(&mut recognizer, Instant::now());
            }
            // Reload the gallery whenever the roster moved on.
            let now = lock(&roster).cursor().unwrap_or(0);
            if now != cursor {
                cursor = now;
                let templates = lock(&roster)
                    .templates(recognizer.model_id())
                    .unwrap_or_default();
                let n = recognizer.set_templates(&templates);
                tracing::info!(templates = n, "face gallery loaded");
                rules.roster_moved();
            }
            // The site's face-match rules, looked at every few seconds (see kiosk::face_match).
            let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            // A config that cannot be read now changes nothing: reading it as "no rules" would
            // loosen matching to the kiosk's own values.
            let config = if rules.due(ms) {
                lock(&roster).config().map_err(|e| {
                    tracing::warn!(error = %e, "face-match rules: the roster config could not be read");
                })
            } else {
                Err(())
            };
            if let Ok(config) = config {
                let site = config.and_then(|c| c.face_match);
                if let Some((rule, source)) = rules.update(site.as_ref(), ms) {
                    tracing::info!(
                        threshold = rule.threshold,
                        margin = rule.margin,
                        ?source,
                        "face-match rule"
                    );
                    recognizer.set_match_rules(rule);
                }
            }
            let frame = match camera.next_frame() {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(error = %e, "camera: no frame");
                    std::thread::sleep(Duration::from_millis(500));
                    continue;
                }
            };
            let jpeg = matches!(frame.format, hw::FrameFormat::Jpeg)
                .then(|| Bytes::from(frame.bytes.clone()));
            match recognizer.on_frame(&frame) {
                Ok(outcome) => {
                    if tx
                        .blocking_send(Input::Frame(Box::new(outcome), jpeg))
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "frame skipped"),
            }
        }
    })
}
