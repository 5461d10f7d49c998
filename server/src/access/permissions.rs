//! The permission table: every service entry point, and who may call it. Services consult it
//! through [`super::Caller::permit`]; the tests print it and check that every public service
//! function names its row; ARCHITECTURE.md's matrix is this table.
//!
//! Scoping is not in the table: a row says which roles may call, and the stores then narrow
//! every call to the caller's organisation and (for a manager) departments.

use super::Role;

/// Who may call an entry point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// No account needed (the entry point checks a code, a token or a password itself).
    Anyone,
    /// Any signed-in user, inside their own scope.
    SignedIn,
    /// Users with one of these roles.
    Roles(&'static [Role]),
    /// Users with one of these roles, or the employee whose record it is.
    OwnOr(&'static [Role]),
    /// A provisioned kiosk, by its signed request.
    Device,
    /// The server itself (background workers).
    System,
}

impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let roles = |roles: &[Role]| {
            roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Self::Anyone => f.write_str("anyone"),
            Self::SignedIn => f.write_str("any signed-in user"),
            Self::Roles(r) => f.write_str(&roles(r)),
            Self::OwnOr(r) => write!(f, "{}; the employee on their own", roles(r)),
            Self::Device => f.write_str("a provisioned kiosk"),
            Self::System => f.write_str("the server"),
        }
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct Rule {
    pub action: Action,
    /// `feature.entry_point`: the service function this row governs.
    pub name: &'static str,
    pub who: Who,
    pub what: &'static str,
}

/// The roles that manage and review inside an organisation.
pub const STAFF: &[Role] = &[Role::SuperAdmin, Role::OrgAdmin, Role::Manager];
/// The roles that administer an organisation.
pub const ADMINS: &[Role] = &[Role::SuperAdmin, Role::OrgAdmin];
/// Everyone with an organisation's data to see (not support).
pub const MEMBERS: &[Role] = &[
    Role::SuperAdmin,
    Role::OrgAdmin,
    Role::Manager,
    Role::Employee,
];
/// The roles that administer accounts.
pub const ACCOUNT_ADMINS: &[Role] = &[Role::SuperAdmin, Role::Support, Role::OrgAdmin];
/// The operator of the whole service (every tenant at once).
pub const PLATFORM: &[Role] = &[Role::SuperAdmin];
/// The roles that create organisations.
pub const PROVIDERS: &[Role] = &[Role::SuperAdmin, Role::Support];
/// The roles that can approve something: the ones on the rows of [`DECISIONS`] (a test holds
/// the two together). An organisation may require a second factor of them.
pub const APPROVERS: &[Role] = STAFF;

/// What an account may still do while its organisation requires a second factor it has not set
/// up: read itself, set the factor up, and sign out.
pub const TOTP_SETUP: &[Action] = &[
    Action::Logout,
    Action::Me,
    Action::SignOutWeb,
    Action::TotpStatus,
    Action::SetupTotp,
    Action::ConfirmTotp,
];

macro_rules! permissions {
    ($($variant:ident $name:literal $who:expr, $what:literal;)*) => {
        /// An entry point of a service (see [`PERMISSIONS`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action { $($variant),* }

        /// The table, in the order of [`Action`]'s variants.
        pub static PERMISSIONS: &[Rule] = &[
            $(Rule { action: Action::$variant, name: $name, who: $who, what: $what }),*
        ];
    };
}

impl Action {
    /// This action's row.
    pub fn rule(self) -> &'static Rule {
        &PERMISSIONS[self as usize]
    }
}

use Who::{Anyone, Device, OwnOr, Roles, SignedIn, System};

permissions! {
    // Accounts and sign-in.
    Login "auth.login" Anyone, "sign in with e-mail and password (API tokens or a dashboard session)";
    Refresh "auth.refresh" Anyone, "trade a refresh token for new tokens";
    Authenticate "auth.authenticate" Anyone, "who a bearer token belongs to (its session must be live)";
    Logout "auth.logout" SignedIn, "end one's own session";
    Me "auth.me" SignedIn, "read one's own account";
    ChangePassword "auth.change_password" SignedIn, "change one's own password";
    RequestReset "auth.request_reset" Anyone, "ask for a password-reset e-mail";
    ConfirmReset "auth.confirm_reset" Anyone, "set a new password with a reset token";
    Register "auth.register" Anyone, "join an organisation with its join code (pending approval)";
    AcceptInvite "auth.accept_invite" Anyone, "create an account from an invite code";
    CreateInvite "auth.create_invite" Roles(ACCOUNT_ADMINS), "invite an admin or manager (support: admins only)";
    SignInWeb "auth.sign_in_web" Anyone, "sign in to the dashboard: a cookie session with its CSRF token";
    WebCaller "auth.web_caller" Anyone, "who a dashboard session belongs to (it must be live)";
    SignOutWeb "auth.sign_out_web" SignedIn, "end one's own dashboard session";
    LoginTotp "auth.login_totp" Anyone, "finish an API sign-in with an authenticator or recovery code";
    SignInWebTotp "auth.sign_in_web_totp" Anyone, "finish a dashboard sign-in with an authenticator or recovery code";
    TotpStatus "auth.totp_status" SignedIn, "whether one's own second factor is on or required, and the recovery codes left";
    SetupTotp "auth.setup_totp" Roles(APPROVERS), "start setting up one's own authenticator app (a new secret, shown once)";
    ConfirmTotp "auth.confirm_totp" Roles(APPROVERS), "turn one's own second factor on with a first code (recovery codes, shown once)";
    DisableTotp "auth.disable_totp" SignedIn, "turn one's own second factor off with the password and a code";
    ResetTotp "auth.reset_totp" Roles(ACCOUNT_ADMINS), "turn off the second factor of an account the caller may manage (a lost phone)";
    // Organisations, sites and departments.
    CreateOrg "orgs.create_org" Roles(PROVIDERS), "create an organisation";
    ListOrgs "orgs.list_orgs" SignedIn, "list the organisations in scope";
    GetOrg "orgs.get_org" SignedIn, "read an organisation in scope";
    UpdateOrgSettings "orgs.update_settings" Roles(ADMINS), "change an organisation's settings (a second factor required of approvers)";
    JoinCode "orgs.join_code" Roles(STAFF), "read the join code";
    RotateJoinCode "orgs.rotate_join_code" Roles(ADMINS), "replace the join code";
    SetSingleAdmin "orgs.set_single_admin" Roles(ADMINS), "turn the single-admin setting on (only with one active org admin) or off: that admin's four-eyes refusals become decisions flagged in the audit log";
    CreateSite "orgs.create_site" Roles(ADMINS), "create a site";
    ListSites "orgs.list_sites" Roles(STAFF), "list sites";
    GetSite "orgs.get_site" Roles(STAFF), "read a site";
    SiteLiveness "orgs.site_liveness" Roles(STAFF), "read a site's liveness rules for its kiosks";
    SetSiteLiveness "orgs.set_site_liveness" Roles(ADMINS), "set a site's liveness rules (its kiosks get them with the roster)";
    SiteFaceMatch "orgs.site_face_match" Roles(STAFF), "read a site's face-match threshold and margin per face model";
    SetSiteFaceMatch "orgs.set_site_face_match" Roles(ADMINS), "set a site's face-match threshold and margin (its kiosks get them with the roster)";
    SiteZones "orgs.site_zones" Roles(STAFF), "each site's time zone, for wall-clock times on pages";
    CreateDepartment "orgs.create_department" Roles(ADMINS), "create a department";
    ListDepartments "orgs.list_departments" Roles(STAFF), "list departments";
    AllDepartments "orgs.all_departments" Roles(STAFF), "every department in scope, for choices on pages";
    GetDepartment "orgs.get_department" Roles(STAFF), "read a department";
    // People and accounts.
    CreateEmployee "people.create_employee" Roles(STAFF), "create an employee (managers: in their departments)";
    ListEmployees "people.list_employees" Roles(STAFF), "list employees (managers: their departments)";
    AllEmployees "people.all_employees" Roles(STAFF), "every employee in scope, for lists and names on pages";
    GetEmployee "people.get_employee" OwnOr(STAFF), "read an employee";
    UpdateEmployee "people.update_employee" Roles(STAFF), "edit an employee, their PIN and biometric consent";
    DeleteEmployee "people.delete_employee" Roles(ADMINS), "delete an employee (their face data is erased)";
    ApproveEmployee "people.approve_employee" Roles(STAFF), "approve a self-registered employee";
    CreateUser "people.create_user" Roles(ACCOUNT_ADMINS), "create an account (support: org admins only; org admins: inside their organisation)";
    ListUsers "people.list_users" Roles(ACCOUNT_ADMINS), "list accounts";
    GetUser "people.get_user" Roles(ACCOUNT_ADMINS), "read an account";
    UpdateUser "people.update_user" Roles(ACCOUNT_ADMINS), "disable, re-enable, change the role (to one the caller may grant), departments or employee link of an account (never one's own role or status)";
    EndUserSessions "people.end_user_sessions" Roles(ACCOUNT_ADMINS), "end every session of an account the caller may manage";
    // Kiosks and what they sync.
    CreateDevice "devices.create_device" Roles(ADMINS), "register a kiosk and get its provisioning code";
    ListDevices "devices.list_devices" Roles(STAFF), "list kiosks with their health";
    AllDevices "devices.all_devices" Roles(STAFF), "every kiosk in scope, for the kiosks page";
    GetDevice "devices.get_device" Roles(STAFF), "read a kiosk";
    SetDeviceStatus "devices.set_status" Roles(ADMINS), "disable or enable a kiosk";
    IssueProvisioningCode "devices.issue_code" Roles(ADMINS), "issue a kiosk a fresh provisioning code (a provisioned kiosk's secret ends at once)";
    ConfirmDevice "devices.confirm" Roles(ADMINS), "confirm a provisioned kiosk, releasing its events held only because it was not (none about oneself)";
    Provision "devices.provision" Anyone, "redeem a provisioning code (the kiosk's first call)";
    Signer "devices.signer" Device, "the kiosk a signed request claims to be, if it is active";
    Verify "devices.verify" Device, "check a signed request's signature and timestamp, and that its nonce is unused";
    RememberNonce "devices.remember_nonce" Device, "spend a signed request's nonce (a request that writes nothing else)";
    Ingest "devices.ingest" Device, "push a batch of events, spending the request's nonce in the same transaction";
    ListEvents "devices.list_events" Roles(STAFF), "read synced events (managers: their departments)";
    DecideHeld "devices.decide_held" Roles(STAFF), "release or discard an event held for review (never one about oneself)";
    ListFlagged "devices.flagged_punches" Roles(STAFF), "the queue of flagged punches with their liveness and match evidence (managers: their departments)";
    DecideFlagged "devices.decide_flagged" Roles(STAFF), "confirm a flagged punch or reject it out of the hours (never one about oneself)";
    FlaggedPicture "devices.flagged_picture" Roles(STAFF), "the picture a kiosk kept of a flagged punch's face, where the site keeps evidence pictures (managers: their departments)";
    FlagRates "devices.flag_rates" Roles(STAFF), "how often face punches failed the liveness check, per site and per employee";
    PullRoster "roster.pull" Device, "pull roster changes after a cursor";
    ListAudit "audit.list" Roles(ADMINS), "read the audit log";
    ListBlocks "blocks.list" Roles(PLATFORM), "list the clients the rate limiter has blocked";
    LiftBlock "blocks.lift" Roles(PLATFORM), "lift a block";
    // Attendance.
    GetPolicy "attendance.get_policy" Roles(STAFF), "read a site's attendance policy";
    SetPolicy "attendance.set_policy" Roles(ADMINS), "set a site's attendance policy";
    CreateShift "attendance.create_shift" Roles(ADMINS), "create a shift";
    ListShifts "attendance.list_shifts" Roles(STAFF), "list shifts";
    DeleteShift "attendance.delete_shift" Roles(ADMINS), "delete a shift";
    GetPunchSites "people.punch_sites" OwnOr(STAFF), "the sites an employee may punch at";
    SetPunchSites "people.set_punch_sites" Roles(STAFF), "set the sites an employee may punch at";
    SetSchedule "attendance.set_schedule" Roles(STAFF), "assign shifts to an employee";
    GetSchedule "attendance.get_schedule" OwnOr(STAFF), "read an employee's shift assignments";
    Report "attendance.report" OwnOr(STAFF), "hours, breaks and exceptions over a date range";
    WhoIsIn "attendance.who_is_in" Roles(STAFF), "the live who-is-in board";
    // Timesheets.
    ViewTimesheet "timesheets.view" OwnOr(STAFF), "read a timesheet";
    SubmitTimesheet "timesheets.submit" OwnOr(STAFF), "submit a timesheet once its period is over";
    DecideTimesheet "timesheets.decide" OwnOr(STAFF), "approve or send back a timesheet (never one's own)";
    ListTimesheets "timesheets.list" Roles(STAFF), "the review queue";
    GetPayCalendar "timesheets.pay_calendar" Roles(STAFF), "read the pay calendar";
    SetPayCalendar "timesheets.set_pay_calendar" Roles(ADMINS), "set the pay calendar";
    UploadAttachment "timesheets.upload_attachment" OwnOr(STAFF), "attach a file to a timesheet";
    ListAttachments "timesheets.list_attachments" OwnOr(STAFF), "list a timesheet's attachments";
    DownloadAttachment "timesheets.download_attachment" OwnOr(STAFF), "download an attachment";
    // Approvals: leave and corrections.
    CreateLeaveType "leave.create_type" Roles(ADMINS), "create a leave type with its allowance";
    ListLeaveTypes "leave.list_types" Roles(MEMBERS), "list leave types";
    RequestLeave "leave.request" OwnOr(STAFF), "request leave";
    EmployeeLeave "leave.of_employee" OwnOr(STAFF), "an employee's requests and balances";
    ListLeave "leave.list" Roles(STAFF), "the leave queue";
    DecideLeave "leave.decide" OwnOr(STAFF), "approve, reject or escalate (reviewers) or cancel (the employee too) a request";
    RequestCorrection "corrections.request" OwnOr(STAFF), "ask for a missing punch";
    EmployeeCorrections "corrections.of_employee" OwnOr(STAFF), "an employee's corrections";
    ListCorrections "corrections.list" Roles(STAFF), "the corrections queue";
    DecideCorrection "corrections.decide" OwnOr(STAFF), "approve, reject or escalate (reviewers) or cancel (the employee too) a correction";
    // Equipment.
    CreateEquipment "equipment.create" Roles(ADMINS), "add a machine";
    ListEquipment "equipment.list" Roles(STAFF), "list machines";
    GetEquipment "equipment.get" Roles(STAFF), "read a machine";
    UpdateEquipment "equipment.update" Roles(ADMINS), "edit a machine";
    RotateEquipmentCode "equipment.rotate_code" Roles(ADMINS), "replace a machine's code";
    SetEquipmentHold "equipment.set_hold" Roles(STAFF), "lock a machine out or take it out of service, and back";
    DeleteEquipment "equipment.delete" Roles(ADMINS), "retire a machine";
    EquipmentBoard "equipment.board" Roles(STAFF), "the board: who runs what";
    EquipmentUsage "equipment.usage" Roles(STAFF), "a machine's sessions";
    CreateQualification "equipment.create_qualification" Roles(ADMINS), "define a qualification";
    ListQualifications "equipment.list_qualifications" Roles(STAFF), "list qualifications";
    GrantQualification "equipment.grant_qualification" Roles(STAFF), "grant a qualification to an employee";
    RevokeQualification "equipment.revoke_qualification" Roles(STAFF), "revoke a qualification";
    EmployeeQualifications "equipment.employee_qualifications" Roles(STAFF), "an employee's qualifications";
    // Face enrolment.
    ListCandidates "enrolment.list" Roles(STAFF), "the enrolment review queue";
    EmployeeCandidates "enrolment.of_employee" Roles(STAFF), "an employee's candidates (their person page)";
    GetCandidate "enrolment.get" Roles(STAFF), "one candidate";
    CandidateThumbnail "enrolment.thumbnail" Roles(STAFF), "a candidate's aligned-face thumbnail";
    DecideCandidate "enrolment.decide" Roles(STAFF), "approve or reject a candidate";
    MayUploadPhotos "enrolment.may_upload_photos" Roles(STAFF), "ask, before an upload is read, whether one may upload photos of an employee";
    EnrolFromPhotos "enrolment.from_photos" Roles(STAFF), "enrol a face from uploaded photos";
    PhotosConfigured "enrolment.photos_configured" Anyone, "whether this server has the face models for enrolment from photos";
    // Reports.
    Payroll "reports.payroll" Roles(STAFF), "payroll for a pay period (JSON or CSV)";
    HoursChart "reports.hours_chart" Roles(STAFF), "hours per day by department";
    LabourCost "reports.labour_cost" Roles(ADMINS), "labour cost per department and its forecast";
    SetPayRate "reports.set_pay_rate" Roles(ADMINS), "set an employee's pay rate";
    PayRates "reports.pay_rates" Roles(ADMINS), "an employee's pay rates";
    // Notifications.
    ListNotificationJobs "notifications.list_jobs" Roles(ADMINS), "the notification jobs and their state";
    RunDue "notifications.run_due" System, "deliver the notifications that are due";
    ScanMissedClockOuts "notifications.scan_missed_clock_outs" System, "queue a notice for each forgotten clock-out";
    RunWorker "notifications.run_worker" System, "run due notifications often and the scans (kiosks every minute, the rest hourly)";
    ListDeadLetters "notifications.dead_letters" Roles(ADMINS), "the mail given up on (dead letters), without bodies";
    ScanOfflineKiosks "notifications.scan_offline_kiosks" System, "queue a notice for each kiosk offline too long, once per outage";
    QueueApprovalDigests "notifications.queue_approval_digests" System, "queue the daily digest of requests waiting for review";
}

/// The entry points that decide on someone's record: approving or refusing time, leave,
/// corrections, faces, held punches (confirming a kiosk releases its own), flagged punches and
/// registrations.
/// Four eyes applies to each of them.
pub const DECISIONS: &[Action] = &[
    Action::ApproveEmployee,
    Action::DecideHeld,
    Action::DecideFlagged,
    Action::ConfirmDevice,
    Action::DecideTimesheet,
    Action::DecideLeave,
    Action::DecideCorrection,
    Action::DecideCandidate,
];

/// Whether `role` may make any of the [`DECISIONS`] on someone else's record: such an account
/// must be linked to its employee record or marked as not an employee.
pub fn decides(role: Role) -> bool {
    DECISIONS.iter().any(|action| match action.rule().who {
        Who::Roles(roles) | Who::OwnOr(roles) => roles.contains(&role),
        Who::Anyone | Who::SignedIn | Who::Device | Who::System => false,
    })
}

/// The table as Markdown (ARCHITECTURE.md holds it verbatim; a test keeps the two equal).
pub fn markdown() -> String {
    use std::fmt::Write as _;
    let mut out = String::from("| entry point | who may call it | what it does |\n|---|---|---|\n");
    for rule in PERMISSIONS {
        let _ = writeln!(out, "| `{}` | {} | {} |", rule.name, rule.who, rule.what);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Action, PERMISSIONS};

    #[test]
    fn each_row_sits_at_its_actions_index_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for (i, rule) in PERMISSIONS.iter().enumerate() {
            assert_eq!(rule.action as usize, i, "{} is out of order", rule.name);
            assert!(names.insert(rule.name), "{} appears twice", rule.name);
            assert!(
                rule.name.contains('.'),
                "{} is not feature.entry_point",
                rule.name
            );
        }
        assert_eq!(Action::Login.rule().name, "auth.login");
    }

    #[test]
    fn the_approvers_are_exactly_the_roles_on_the_approving_rows() {
        use super::{APPROVERS, DECISIONS, Who};
        let mut on_rows: Vec<_> = DECISIONS
            .iter()
            .flat_map(|a| match a.rule().who {
                Who::Roles(roles) | Who::OwnOr(roles) => roles.to_vec(),
                _ => Vec::new(),
            })
            .collect();
        on_rows.sort_by_key(|r| r.as_str());
        on_rows.dedup();
        let mut approvers = APPROVERS.to_vec();
        approvers.sort_by_key(|r| r.as_str());
        assert_eq!(on_rows, approvers);
    }

    #[test]
    fn managers_and_admins_decide_and_support_and_employees_do_not() {
        use super::{Role, decides};
        assert!(decides(Role::Manager));
        assert!(decides(Role::OrgAdmin));
        assert!(decides(Role::SuperAdmin));
        assert!(!decides(Role::Support));
        assert!(!decides(Role::Employee));
    }
}
