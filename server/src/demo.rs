//! The demo seed: one organisation with a site, departments, employees (with PINs), an admin, a
//! manager and an unprovisioned kiosk, confirmed as soon as it provisions. Runs only on an empty database, so restarting the demo
//! keeps what was done in it.

use attend_protocol::roster::ConsentState;
use jiff::{SignedDuration, Timestamp};

use crate::access::Role;
use crate::app::Stores;
use crate::db::{AuditCtx, Page, Scope};
use crate::features::devices::NewDevice;
use crate::features::equipment::NewEquipment;
use crate::features::orgs::service::format_code;
use crate::features::people::{EmployeeStatus, NewEmployee, NewUser, UserStatus};
use crate::platform::password::Hasher;
use crate::platform::tokens::{human_code, normalise_code, token_hash};

pub const ADMIN_EMAIL: &str = "admin@acme.example";
pub const MANAGER_EMAIL: &str = "manager@acme.example";
pub const DEMO_PASSWORD: &str = "attend-demo-password";
/// Typed at the kiosk after identifying, it starts (and typed again, stops) the demo lathe.
pub const DEMO_EQUIPMENT_CODE: &str = "4711";

/// What the demo created, for printing.
#[derive(Debug)]
pub struct DemoSeed {
    pub provisioning_code: String,
    pub join_code: String,
}

/// Seeds the demo data if there is no organisation yet; `None` if the database was not empty.
pub async fn seed(stores: &Stores) -> anyhow::Result<Option<DemoSeed>> {
    if !stores
        .orgs
        .list_orgs(
            Scope::All,
            &Page {
                limit: 1,
                after: None,
            },
        )
        .await?
        .items
        .is_empty()
    {
        return Ok(None);
    }
    let ctx = AuditCtx::system();
    let join_code = normalise_code(&human_code());
    let org = stores
        .orgs
        .create_org(&ctx, "Acme Manufacturing", &join_code)
        .await?;
    let site = stores
        .orgs
        .create_site(&ctx, org.id, "Lisbon plant", "Europe/Lisbon")
        .await?;
    let assembly = stores
        .orgs
        .create_department(&ctx, org.id, "Assembly")
        .await?;
    let warehouse = stores
        .orgs
        .create_department(&ctx, org.id, "Warehouse")
        .await?;
    let hasher = Hasher::default();
    let hash = hasher.hash(DEMO_PASSWORD.to_owned()).await?;
    for (email, name, role, departments) in [
        (ADMIN_EMAIL, "Olivia Admin", Role::OrgAdmin, vec![]),
        (
            MANAGER_EMAIL,
            "Marco Manager",
            Role::Manager,
            vec![assembly.id],
        ),
    ] {
        stores
            .people
            .create_user(
                &ctx,
                NewUser {
                    org_id: Some(org.id),
                    email: email.into(),
                    display_name: name.into(),
                    password_hash: hash.clone(),
                    role,
                    status: UserStatus::Active,
                    employee_id: None,
                    // The demo's staff are not on its payroll.
                    not_employee: true,
                    departments,
                },
            )
            .await?;
    }
    let people = [
        ("1001", "Ana Silva", assembly.id, "1234"),
        ("1002", "Bruno Costa", assembly.id, "2345"),
        ("1003", "Carla Mendes", warehouse.id, "3456"),
        ("1004", "David Rocha", warehouse.id, "4567"),
    ];
    for (number, name, department, pin) in people {
        stores
            .people
            .create_employee(
                &ctx,
                NewEmployee {
                    org_id: org.id,
                    employee_number: number.into(),
                    display_name: name.into(),
                    email: None,
                    department_id: Some(department),
                    site_id: Some(site.id),
                    status: EmployeeStatus::Active,
                    consent: ConsentState::Granted,
                    pin_hash: Some(hasher.hash(pin.into()).await?),
                    created_by: None,
                },
            )
            .await?;
    }
    // A machine for the equipment demo: code 4711 powers relay 0 at the Lisbon plant.
    stores
        .equipment
        .create_equipment(
            &ctx,
            NewEquipment {
                org_id: org.id,
                site_id: site.id,
                name: "Lathe".into(),
                relay_channel: 0,
                activation_code_hash: hasher.hash(DEMO_EQUIPMENT_CODE.into()).await?,
                // The seed has no server key: the lathe is compared by argon2, like machines
                // from before fingerprints, until its code is rotated.
                code_fingerprint: None,
                required_qualification: None,
            },
        )
        .await?;
    let code = human_code();
    stores
        .devices
        .create_device(
            &ctx,
            NewDevice {
                org_id: org.id,
                site_id: site.id,
                name: "Front door kiosk".into(),
                provisioning_code_hash: token_hash(&normalise_code(&code)),
                provisioning_expires_at: Timestamp::now() + SignedDuration::from_hours(24 * 30),
                // The demo's kiosk is ready as soon as `attendd provision` runs: the seed
                // vouches for it in place of an administrator (the API never offers this).
                confirm_on_provisioning: true,
            },
        )
        .await?;
    Ok(Some(DemoSeed {
        provisioning_code: code,
        join_code: format_code(&join_code),
    }))
}
