//! The matrix's world: two organisations with a caller of every role, the records whose ids
//! the routes are called with, and the canaries (marker strings seeded in each organisation
//! and department that a caller who may not see them must never receive).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dash_client::dash;
use crate::helpers::{Device, Org, PASSWORD, TestApp, provisioned_device, world};

/// The callers, in the table's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Anonymous,
    KioskA,
    KioskB,
    /// The employee Ana of A's Assembly department, by her own account.
    Employee,
    /// A manager of A's Warehouse department (Ana is not theirs).
    ManagerOther,
    /// The manager of A's Assembly department.
    Manager,
    AdminB,
    Admin,
    Support,
    SuperAdmin,
}

pub const ROLES: [Role; 10] = [
    Role::Anonymous,
    Role::KioskA,
    Role::KioskB,
    Role::Employee,
    Role::ManagerOther,
    Role::Manager,
    Role::AdminB,
    Role::Admin,
    Role::Support,
    Role::SuperAdmin,
];

impl Role {
    /// The table's column heading.
    pub fn column(self) -> &'static str {
        match self {
            Self::Anonymous => "anon",
            Self::KioskA => "kioskA",
            Self::KioskB => "kioskB",
            Self::Employee => "employee",
            Self::ManagerOther => "mgrOther",
            Self::Manager => "manager",
            Self::AdminB => "adminB",
            Self::Admin => "admin",
            Self::Support => "support",
            Self::SuperAdmin => "root",
        }
    }

    /// Whether this caller may see what is in `canary`'s organisation and department.
    pub fn may_see(self, canary: &Canary) -> bool {
        let in_a = canary.org == 'A';
        match self {
            Self::Anonymous | Self::Support => false,
            Self::SuperAdmin => true,
            Self::KioskA | Self::Admin => in_a,
            Self::KioskB | Self::AdminB => !in_a,
            Self::Employee => in_a && canary.dept.is_none(),
            Self::Manager => in_a && canary.dept != Some(Dept::Warehouse),
            Self::ManagerOther => in_a && canary.dept != Some(Dept::Assembly),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dept {
    Assembly,
    Warehouse,
}

/// A marker seeded in one organisation (and, for an employee's name, one department).
#[derive(Clone, Debug)]
pub struct Canary {
    pub org: char,
    pub dept: Option<Dept>,
    pub marker: String,
}

impl std::fmt::Display for Canary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.dept {
            Some(dept) => write!(f, "{} ({}'s {dept:?})", self.marker, self.org),
            None => write!(f, "{} (organisation {})", self.marker, self.org),
        }
    }
}

/// Which records a route is called with: A's (Ana's Assembly department, where the employee,
/// the manager and A's kiosk belong) or B's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    A,
    B,
}

/// One organisation's records, by the name a path parameter or a body template uses.
#[derive(Clone, Debug)]
pub struct Records {
    pub org: Org,
    pub equipment: String,
    pub qualification: String,
    pub leave_type: String,
    pub leave: String,
    pub correction: String,
    /// A face enrolment candidate of Ana's, pushed by the organisation's kiosk.
    pub candidate: String,
    /// A punch of Ana's held for review (made at a site she may not punch at).
    pub held_event: String,
    /// A face punch of Ana's flagged for review (its liveness check failed).
    pub flagged_event: String,
    /// A file attached to Ana's timesheet.
    pub attachment: String,
    /// An org admin account no caller uses, for the routes that change or end an account.
    pub spare_user: String,
}

/// How a caller authenticates: nothing, a signed kiosk, or a user's bearer token and
/// dashboard session.
#[derive(Clone, Debug)]
pub enum Credentials {
    None,
    Kiosk(Device),
    User {
        email: String,
        token: String,
        cookie: String,
        csrf: String,
    },
}

pub struct Fixture {
    pub root: String,
    pub a: Records,
    pub b: Records,
    pub callers: Vec<(Role, Credentials)>,
    pub canaries: Vec<Canary>,
}

impl Fixture {
    pub fn records(&self, case: Case) -> &Records {
        match case {
            Case::A => &self.a,
            Case::B => &self.b,
        }
    }
}

fn id(r: &crate::helpers::Reply, what: &str) -> String {
    assert!(r.status.is_success(), "seeding {what}: {}", r.body);
    r.id()
}

async fn user(app: &TestApp, root: &str, org: &Org, email: &str, role: &str, depts: Value) {
    let r = app
        .post(
            "/api/v1/users",
            Some(root),
            // Staff who decide are linked or marked as not employees (four eyes).
            json!({"org_id": org.id, "email": email, "display_name": role, "password": PASSWORD, "role": role, "departments": depts,
                   "not_employee": matches!(role, "manager" | "org_admin")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// An organisation's records and canaries: an employee named by a canary in each department,
/// and a machine and a leave type named by the organisation's canary.
async fn records(
    app: &TestApp,
    root: &str,
    org: Org,
    kiosk: &Device,
    tag: char,
) -> (Records, Vec<Canary>) {
    let marker = |what: &str| format!("canary{tag}{what}q7z");
    let mut canaries = vec![Canary {
        org: tag,
        dept: None,
        marker: marker("org"),
    }];
    for (dept, dept_id, name) in [
        (Dept::Assembly, &org.dept, "assembly"),
        (Dept::Warehouse, &org.other_dept, "warehouse"),
    ] {
        let r = app
            .post("/api/v1/employees", Some(root), json!({"org_id": org.id, "employee_number": format!("c-{name}"), "display_name": marker(name), "department_id": dept_id, "site_id": org.site}))
            .await;
        id(&r, "canary employee");
        canaries.push(Canary {
            org: tag,
            dept: Some(dept),
            marker: marker(name),
        });
    }
    let qualification = id(
        &app.post(
            "/api/v1/qualifications",
            Some(root),
            json!({"org_id": org.id, "name": "Lathe safety"}),
        )
        .await,
        "qualification",
    );
    let equipment = id(
        &app.post("/api/v1/equipment", Some(root), json!({"site_id": org.site, "name": marker("org"), "relay_channel": 0, "activation_code": "4711"}))
            .await,
        "equipment",
    );
    let leave_type = id(
        &app.post(
            "/api/v1/leave-types",
            Some(root),
            json!({"org_id": org.id, "name": marker("org"), "paid": true}),
        )
        .await,
        "leave type",
    );
    let leave = id(
        &app.post(
            &format!("/api/v1/employees/{}/leave", org.employee),
            Some(&org.employee_token),
            json!({"leave_type_id": leave_type, "first_day": "2026-03-02", "last_day": "2026-03-02"}),
        )
        .await,
        "leave request",
    );
    let correction = id(
        &app.post(
            &format!("/api/v1/employees/{}/corrections", org.employee),
            Some(&org.employee_token),
            json!({"punch_type": "in", "at": "2026-03-02T08:00:00Z", "reason": "forgot"}),
        )
        .await,
        "correction",
    );
    let (candidate, held_event, flagged_event) = kiosk_events(app, root, &org, kiosk).await;
    let r = app
        .client
        .post(format!(
            "{}/api/v1/employees/{}/timesheets/2026-02-01/attachments?filename=note.pdf",
            app.base, org.employee
        ))
        .bearer_auth(&org.employee_token)
        .header("content-type", "application/pdf")
        .body(super::bodies::PDF)
        .send()
        .await
        .expect("sent");
    assert!(
        r.status().is_success(),
        "seeding an attachment: {}",
        r.status()
    );
    let attachment = r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("attachment id")
        .to_owned();
    let r = app
        .post(
            "/api/v1/users",
            Some(root),
            json!({"org_id": org.id, "email": format!("spare@{tag}.example"), "display_name": "Spare", "password": PASSWORD, "role": "org_admin", "not_employee": true}),
        )
        .await;
    let spare_user = id(&r, "spare user");
    let records = Records {
        org,
        equipment,
        qualification,
        leave_type,
        leave,
        correction,
        candidate,
        held_event,
        flagged_event,
        attachment,
        spare_user,
    };
    (records, canaries)
}

/// What kiosks bring for review: a face enrolment candidate of Ana's (from `kiosk`), a punch
/// of hers held because it was made at a site she may not punch at, and a face punch of hers
/// flagged because its liveness check failed (from `kiosk`). Their ids.
async fn kiosk_events(
    app: &TestApp,
    root: &str,
    org: &Org,
    kiosk: &Device,
) -> (String, String, String) {
    use base64::Engine as _;
    // The smallest JPEG header the server takes as a thumbnail (SOI + APP0).
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];
    let candidate = json!({
        "event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": jiff::Timestamp::now(),
        "body": {
            "kind": "enrolment_candidate", "employee_id": org.employee, "model_id": "dlib-resnet-v1",
            "templates": [{"vector": vec![0.1; 128], "quality": 0.9}],
            "thumbnail_jpeg_base64": base64::engine::general_purpose::STANDARD.encode(JPEG),
        }
    });
    let r = app.push(kiosk, &json!([candidate])).await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let site = id(
        &app.post(
            "/api/v1/sites",
            Some(root),
            json!({"org_id": org.id, "name": "Annex", "timezone": "Europe/Lisbon"}),
        )
        .await,
        "second site",
    );
    let annex = provisioned_device(app, root, &site).await;
    let punch = crate::helpers::punch(&org.employee, 1);
    let r = app.push(&annex, &json!([punch])).await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let mut flagged = crate::helpers::punch(&org.employee, 2);
    flagged["body"]["method"] = json!("face");
    flagged["body"]["score"] = json!(0.35);
    flagged["body"]["threshold"] = json!(0.6);
    flagged["body"]["model_id"] = json!("dlib-resnet-v1");
    flagged["body"]["liveness"] =
        json!({"mode": "passive", "live": false, "score": 0.2, "challenge": "not_asked"});
    let r = app.push(kiosk, &json!([flagged])).await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let id_of = |v: &Value| v["event_id"].as_str().expect("event id").to_owned();
    (id_of(&candidate), id_of(&punch), id_of(&flagged))
}

async fn user_credentials(app: &TestApp, email: &str) -> Credentials {
    let session = dash(app, email).await;
    Credentials::User {
        email: email.to_owned(),
        token: app.token(email).await,
        cookie: session.cookie().to_owned(),
        csrf: session.csrf().to_owned(),
    }
}

pub async fn fixture(app: &TestApp) -> Fixture {
    let w = world(app).await;
    user(
        app,
        &w.root,
        &w.a,
        "warehouse@a.example",
        "manager",
        json!([w.a.other_dept]),
    )
    .await;
    let kiosk_a = provisioned_device(app, &w.root, &w.a.site).await;
    let kiosk_b = provisioned_device(app, &w.root, &w.b.site).await;
    let (a, mut canaries) = records(app, &w.root, w.a.clone(), &kiosk_a, 'A').await;
    let (b, more) = records(app, &w.root, w.b.clone(), &kiosk_b, 'B').await;
    canaries.extend(more);
    // The super admin who seeded everything created every employee, and four eyes keeps a
    // creator from approving that employee's first timesheet; the caller is another one, so
    // its cells say what a super admin may do, not who seeded the fixture.
    let r = app
        .post(
            "/api/v1/users",
            Some(&w.root),
            json!({"email": "root2@attend.example", "display_name": "Root Two", "password": PASSWORD, "role": "super_admin"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut callers = vec![
        (Role::Anonymous, Credentials::None),
        (Role::KioskA, Credentials::Kiosk(kiosk_a)),
        (Role::KioskB, Credentials::Kiosk(kiosk_b)),
    ];
    for (role, email) in [
        (Role::Employee, "worker@a.example"),
        (Role::ManagerOther, "warehouse@a.example"),
        (Role::Manager, "manager@a.example"),
        (Role::AdminB, "admin@b.example"),
        (Role::Admin, "admin@a.example"),
        (Role::Support, "support@attend.example"),
        (Role::SuperAdmin, "root2@attend.example"),
    ] {
        callers.push((role, user_credentials(app, email).await));
    }
    Fixture {
        root: w.root,
        a,
        b,
        callers,
        canaries,
    }
}
