//! A real attend-server and a real attendd sync worker, each on its own temporary database:
//! provisioning, punches reaching the server, the roster reaching the kiosk, and events queued
//! while the server is down arriving exactly once after it comes back.

use attend_device::outbox::EventDraft;
use attend_e2e::{Kiosk, demo_server, events, pin_punch, punches, start_server};
use attend_protocol::events::EventBody;
use attend_server::db::{DepartmentFilter, Page, Scope};
use attend_testkit::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_queued_while_the_server_is_down_arrive_exactly_once() {
    let server_dir = tempfile::tempdir().expect("dir");
    let server_db = server_dir.path().join("attend.db");
    let server = start_server(&server_db, "127.0.0.1:0".parse().expect("addr")).await;
    let seed = attend_server::demo::seed(&server.stores)
        .await
        .expect("seed")
        .expect("empty database");
    let employees = server
        .stores
        .people
        .list_employees(Scope::All, &DepartmentFilter::Any, &Page::default())
        .await
        .expect("employees");
    let ana = employees.items[0].id;
    let mut kiosk = Kiosk::provision(&server, &seed.provisioning_code).await;
    let enqueue = |kiosk: &Kiosk| {
        kiosk
            .outbox
            .lock()
            .expect("lock")
            .enqueue(&EventDraft::new(jiff::Timestamp::now(), pin_punch(ana)))
            .expect("enqueue");
        kiosk.wake.notify_one();
    };

    // Online: punches go out and the roster comes in.
    for _ in 0..3 {
        enqueue(&kiosk);
    }
    eventually("3 punches reach the server", async || {
        punches(&server.stores).await.0 == 3
    })
    .await;
    eventually("the roster reaches the kiosk", async || {
        kiosk.employee_count() == 4
    })
    .await;
    assert!(
        kiosk
            .roster
            .lock()
            .expect("lock")
            .employee_by_number("1001")
            .expect("query")
            .is_some()
    );

    // Offline: the server goes away; punches queue locally.
    let addr = server.addr;
    server.stop().await;
    for _ in 0..5 {
        enqueue(&kiosk);
    }
    eventually("the kiosk notices it is offline", async || {
        let s = kiosk.status.borrow_and_update().clone();
        s.online == Some(false) && s.queue_depth >= 5
    })
    .await;

    // Back online on the same database and address: everything arrives, exactly once.
    let server = start_server(&server_db, addr).await;
    eventually("all 8 punches reach the server", async || {
        punches(&server.stores).await.0 == 8
    })
    .await;
    eventually("the outbox drains", async || {
        kiosk.outbox.lock().expect("lock").depth().unwrap_or(1) == 0
    })
    .await;
    let (total, duplicated) = punches(&server.stores).await;
    assert_eq!(total, 8);
    assert!(!duplicated, "an event was stored twice");
    assert_eq!(kiosk.status.borrow().online, Some(true));
    kiosk.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_candidate_reaches_the_server_for_approval() {
    use attend_protocol::events::{CandidateTemplate, EnrolmentCandidate};
    let (_server_dir, server, seed) = demo_server().await;
    let ana = server
        .stores
        .people
        .list_employees(Scope::All, &DepartmentFilter::Any, &Page::default())
        .await
        .expect("employees")
        .items[0]
        .id;
    let kiosk = Kiosk::provision(&server, &seed.provisioning_code).await;
    let body = EventBody::EnrolmentCandidate(EnrolmentCandidate {
        employee_id: ana,
        model_id: "dlib-resnet-v1".into(),
        templates: vec![
            CandidateTemplate {
                vector: vec![0.1; 128],
                quality: 0.9
            };
            3
        ],
        thumbnail_jpeg_base64: None,
    });
    kiosk
        .outbox
        .lock()
        .expect("lock")
        .enqueue(&EventDraft::new(jiff::Timestamp::now(), body))
        .expect("enqueue");
    kiosk.wake.notify_one();
    eventually("the candidate reaches the server", async || {
        events(&server.stores, "enrolment_candidate").await.len() == 1
    })
    .await;
    kiosk.stop().await;
    server.stop().await;
}
