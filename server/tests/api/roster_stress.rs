//! The roster under load, with a checker: writers change employees (names, PINs, deletions),
//! their qualifications, equipment (new, locked out and back, deleted) and the site's liveness
//! policy through two instances on one database, while simulated kiosks pull by cursor and
//! apply each delta as attendd does. Once the writers stop and the kiosks catch up, every
//! kiosk's roster must equal the server's view: a pull of everything from cursor 0. A kiosk
//! that skipped a change committed late (the cursor passing it) would keep a stale or deleted
//! entity, or miss one.
//!
//! CI runs a short version. `bash scripts/stress-roster.sh [ROUNDS] [OPS]` runs it longer and
//! repeatedly on both backends; `TEST_ROSTER_STRESS_OPS` (operations per writer),
//! `TEST_ROSTER_STRESS_SEED` set them here. A failure prints its seed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Device, SignOpts, TestApp, provisioned_device, spawn_app, world};

const WRITERS: usize = 4;
const KIOSKS: usize = 3;

/// A small deterministic generator (xorshift), so a failing run can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).unwrap_or(0)
    }
}

/// What a kiosk holds: every entity by kind and id, and the settings.
#[derive(Debug, Default, PartialEq)]
struct Roster {
    entities: BTreeMap<(&'static str, String), Value>,
    config: Value,
}

impl Roster {
    /// Applies one delta as attendd does: upserts by id, tombstones remove.
    fn apply(&mut self, delta: &Value) {
        for (field, kind) in [
            ("employees", "employee"),
            ("templates", "template"),
            ("equipment", "equipment"),
            ("qualifications", "qualification"),
        ] {
            for item in delta[field].as_array().into_iter().flatten() {
                let id = item["id"].as_str().expect("an id").to_owned();
                self.entities.insert((kind, id), item.clone());
            }
        }
        for t in delta["tombstones"].as_array().into_iter().flatten() {
            let kind = match t["entity"].as_str() {
                Some("employee") => "employee",
                Some("template") => "template",
                Some("equipment") => "equipment",
                Some("qualification") => "qualification",
                other => panic!("unknown tombstone {other:?}"),
            };
            self.entities
                .remove(&(kind, t["id"].as_str().expect("an id").to_owned()));
        }
        self.config = delta["config"].clone();
    }
}

/// One pull from `cursor`: the delta.
async fn pull(app: &TestApp, device: &Device, cursor: u64) -> Value {
    let r = app
        .signed(
            device,
            Method::GET,
            &format!("/api/v1/device/roster?since={cursor}"),
            Vec::new(),
            SignOpts::default(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

/// Pulls until nothing is left past the cursor; whether anything changed.
async fn catch_up(app: &TestApp, device: &Device, roster: &mut Roster, cursor: &mut u64) -> bool {
    let mut changed = false;
    loop {
        let delta = pull(app, device, *cursor).await;
        let next = delta["cursor"].as_u64().expect("cursor");
        changed |= next != *cursor;
        roster.apply(&delta);
        *cursor = next;
        if delta["more"] != true {
            return changed;
        }
    }
}

/// Shared ids the writers pick from.
#[derive(Default)]
struct Pool {
    employees: Vec<String>,
    equipment: Vec<String>,
}

/// Writes that took effect, by what they were (printed, so a run shows it exercised each).
static APPLIED: Mutex<BTreeMap<&'static str, usize>> = Mutex::new(BTreeMap::new());

/// A status a write may end with: done; refused because another writer got there first; or
/// busy (503: it lost to the others on every attempt), which changes nothing either.
fn acceptable(r: &crate::helpers::Reply, what: &'static str) {
    if r.status.is_success() {
        *APPLIED.lock().expect("lock").entry(what).or_default() += 1;
    }
    assert!(
        r.status.is_success() || [StatusCode::NOT_FOUND, StatusCode::CONFLICT].contains(&r.status),
        "{what}: {} {}",
        r.status,
        r.body
    );
}

#[allow(clippy::too_many_lines)]
async fn writer(
    instance: &TestApp,
    admin: &str,
    org: &crate::helpers::Org,
    qualification: &str,
    pool: &Mutex<Pool>,
    mut rng: Rng,
    ops: usize,
) {
    let pick = |list: &Vec<String>, rng: &mut Rng| -> Option<String> {
        (!list.is_empty()).then(|| list[rng.below(list.len())].clone())
    };
    for n in 0..ops {
        match rng.below(9) {
            0 | 1 => {
                let number = format!("S{}-{n}-{}", rng.below(1_000_000), rng.below(1000));
                let r = instance.post("/api/v1/employees", Some(admin), json!({"org_id": org.id, "employee_number": number, "display_name": format!("Person {number}"), "department_id": org.dept, "site_id": org.site, "pin": "246810", "consent": "granted"})).await;
                acceptable(&r, "create an employee");
                if r.status == StatusCode::CREATED {
                    pool.lock().expect("lock").employees.push(r.id());
                }
            }
            2 => {
                let Some(id) = pick(&pool.lock().expect("lock").employees, &mut rng) else {
                    continue;
                };
                let r = instance
                    .call(
                        Method::PATCH,
                        &format!("/api/v1/employees/{id}"),
                        Some(admin),
                        Some(json!({"display_name": format!("Renamed {n}")})),
                    )
                    .await;
                acceptable(&r, "rename an employee");
            }
            3 => {
                let Some(id) = pick(&pool.lock().expect("lock").employees, &mut rng) else {
                    continue;
                };
                let r = instance
                    .call(
                        Method::DELETE,
                        &format!("/api/v1/employees/{id}"),
                        Some(admin),
                        None,
                    )
                    .await;
                acceptable(&r, "delete an employee");
                pool.lock().expect("lock").employees.retain(|e| *e != id);
            }
            4 => {
                let Some(id) = pick(&pool.lock().expect("lock").employees, &mut rng) else {
                    continue;
                };
                let path = format!("/api/v1/employees/{id}/qualifications/{qualification}");
                let r = if rng.below(2) == 0 {
                    instance.call(Method::PUT, &path, Some(admin), Some(json!({"expires_on": format!("2027-0{}-1{}", 1 + rng.below(9), rng.below(10))}))).await
                } else {
                    instance
                        .call(Method::DELETE, &path, Some(admin), None)
                        .await
                };
                acceptable(&r, "change a qualification");
            }
            5 => {
                let body = json!({"site_id": org.site, "name": format!("Machine {n}"), "relay_channel": rng.below(4), "activation_code": format!("{:04}", rng.below(10_000))});
                let r = instance.post("/api/v1/equipment", Some(admin), body).await;
                acceptable(&r, "create equipment");
                if r.status == StatusCode::CREATED {
                    pool.lock().expect("lock").equipment.push(r.id());
                }
            }
            6 => {
                let Some(id) = pick(&pool.lock().expect("lock").equipment, &mut rng) else {
                    continue;
                };
                let path = format!("/api/v1/equipment/{id}/lockout");
                let r = if rng.below(2) == 0 {
                    instance
                        .post(&path, Some(admin), json!({"reason": format!("check {n}")}))
                        .await
                } else {
                    instance
                        .call(Method::DELETE, &path, Some(admin), None)
                        .await
                };
                acceptable(&r, "lock equipment out or lift it");
            }
            7 => {
                let Some(id) = pick(&pool.lock().expect("lock").equipment, &mut rng) else {
                    continue;
                };
                let r = instance
                    .call(
                        Method::DELETE,
                        &format!("/api/v1/equipment/{id}"),
                        Some(admin),
                        None,
                    )
                    .await;
                acceptable(&r, "delete equipment");
                pool.lock().expect("lock").equipment.retain(|e| *e != id);
            }
            _ => {
                let mode = ["adaptive", "passive", "challenge"][rng.below(3)];
                let body = json!({"mode": mode, "pass_score": 0.5, "challenge_below": 0.8, "on_failure": "flag", "challenge_timeout_s": 5 + rng.below(20), "evidence_thumbnails": rng.below(2) == 0});
                let r = instance
                    .call(
                        Method::PUT,
                        &format!("/api/v1/sites/{}/liveness", org.site),
                        Some(admin),
                        Some(body),
                    )
                    .await;
                acceptable(&r, "change the site's liveness policy");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosks_pulling_by_cursor_end_with_the_servers_roster_under_concurrent_writers() {
    let ops: usize = std::env::var("TEST_ROSTER_STRESS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("TEST_ROSTER_STRESS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            u64::from(jiff::Timestamp::now().subsec_nanosecond().unsigned_abs()) | 1
        });
    println!("roster stress: seed {seed}, {WRITERS} writers × {ops} operations, {KIOSKS} kiosks");
    let a = spawn_app().await;
    let w = world(&a).await;
    let b = a.second_instance().await;
    let r = a
        .post(
            "/api/v1/qualifications",
            Some(&w.a.admin),
            json!({"name": "Forklift"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let qualification = r.id();
    let mut devices = Vec::new();
    for _ in 0..KIOSKS {
        devices.push(provisioned_device(&a, &w.a.admin, &w.a.site).await);
    }
    let pool = Mutex::new(Pool::default());
    let done = Arc::new(AtomicBool::new(false));

    let writers = async {
        let mut all = Vec::new();
        for i in 0..WRITERS {
            let instance = if i % 2 == 0 { &a } else { &b };
            let rng = Rng(seed.wrapping_mul(i as u64 + 1) | 1);
            all.push(writer(
                instance,
                &w.a.admin,
                &w.a,
                &qualification,
                &pool,
                rng,
                ops,
            ));
        }
        futures_util::future::join_all(all).await;
        done.store(true, Ordering::Relaxed);
    };
    let kiosks = async {
        let mut all = Vec::new();
        for (i, device) in devices.iter().enumerate() {
            let instance = if i % 2 == 0 { &b } else { &a };
            let done = done.clone();
            all.push(async move {
                let (mut roster, mut cursor) = (Roster::default(), 0);
                while !done.load(Ordering::Relaxed) {
                    catch_up(instance, device, &mut roster, &mut cursor).await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                // The writers are done: the last changes, until a pull brings nothing new.
                while catch_up(instance, device, &mut roster, &mut cursor).await {}
                roster
            });
        }
        futures_util::future::join_all(all).await
    };
    let ((), rosters) = tokio::join!(writers, kiosks);

    let mut truth = Roster::default();
    catch_up(&a, &devices[0], &mut truth, &mut 0).await;
    let employees = truth
        .entities
        .keys()
        .filter(|(k, _)| *k == "employee")
        .count();
    let equipment = truth
        .entities
        .keys()
        .filter(|(k, _)| *k == "equipment")
        .count();
    println!(
        "roster stress: writes applied {:?}; the server's roster has {employees} employees and {equipment} machines",
        APPLIED.lock().expect("lock")
    );
    for (i, roster) in rosters.iter().enumerate() {
        let missing: Vec<_> = truth
            .entities
            .keys()
            .filter(|k| !roster.entities.contains_key(*k))
            .collect();
        let extra: Vec<_> = roster
            .entities
            .keys()
            .filter(|k| !truth.entities.contains_key(*k))
            .collect();
        let stale: Vec<_> = truth
            .entities
            .iter()
            .filter(|(k, v)| roster.entities.get(*k).is_some_and(|mine| mine != *v))
            .map(|(k, _)| k)
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty() && stale.is_empty(),
            "kiosk {i} (seed {seed}): missing {missing:?}, extra {extra:?}, stale {stale:?}"
        );
        assert_eq!(
            roster.config, truth.config,
            "kiosk {i}'s settings (seed {seed})"
        );
    }
}
