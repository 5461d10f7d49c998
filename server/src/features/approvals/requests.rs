//! The request desk: the queue and the decisions of every kind of request that waits on a
//! reviewer under [`REQUEST`] (leave requests, corrections), written once. A kind says what
//! its records are ([`Request`]: whose, where it stands, its rows of the permission table) and
//! its store reads and records them ([`RequestStore`]); [`Requests`] does the rest, so leave
//! and corrections differ only in how a request is made.
//!
//! Timesheets and enrolment candidates go through the same workflow ([`super::decide::plan`])
//! with stores of their own shape: a timesheet is one per period, a candidate carries templates.

use std::fmt::Display;
use std::sync::Arc;

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId};
use serde::Serialize;

use super::decide::plan;
use super::workflow::REQUEST;
use super::{ApprovalStatus, Recorded, Review, Step};
use crate::access::{Action, Caller};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};
use crate::platform::error::AppResult;

/// A kind's rows of the permission table.
#[derive(Clone, Copy, Debug)]
pub struct RequestActions {
    /// Ask for one (the employee, or staff for them).
    pub request: Action,
    /// The review queue.
    pub list: Action,
    /// Approve, reject, escalate or cancel.
    pub decide: Action,
}

/// What an employee (or staff for them) asks for: a request body.
pub trait Asked: Send + 'static {
    /// What the store files.
    type New: Clone + Send + 'static;
    /// The body checked, every bad field named, into what to file.
    fn checked(self) -> AppResult<Self::New>;
}

/// A request record: whose it is, where it stands in review, and the store its kind keeps it
/// in. [`crate::request_kind!`] declares one.
pub trait Request: Serialize + Send + Sync + Sized + 'static {
    type Id: Copy + Display + Send + Sync + 'static;
    /// The kind's store: the desk's reads and steps, and whatever else the kind keeps.
    type Store: RequestStore<Self> + ?Sized;
    /// The body it is asked for with.
    type Asked: Asked;
    const ACTIONS: RequestActions;
    fn owner(&self) -> EmployeeId;
    fn org(&self) -> OrgId;
    fn review(&self) -> &Review;
}

/// Declares a record a kind of request (its fields `employee_id`, `org_id` and `review` say
/// whose it is and where it stands): `request_kind!(Record, id: Id, store: dyn Store,
/// asked: Body, request: Action, list: Action, decide: Action)`, the last three naming its
/// rows of the permission table.
#[macro_export]
macro_rules! request_kind {
    ($record:ty, id: $id:ty, store: $store:ty, asked: $asked:ty,
     request: $request:ident, list: $list:ident, decide: $decide:ident) => {
        impl $crate::features::approvals::requests::Request for $record {
            type Id = $id;
            type Store = $store;
            type Asked = $asked;
            const ACTIONS: $crate::features::approvals::requests::RequestActions =
                $crate::features::approvals::requests::RequestActions {
                    request: $crate::access::Action::$request,
                    list: $crate::access::Action::$list,
                    decide: $crate::access::Action::$decide,
                };
            fn owner(&self) -> attend_protocol::ids::EmployeeId {
                self.employee_id
            }
            fn org(&self) -> attend_protocol::ids::OrgId {
                self.org_id
            }
            fn review(&self) -> &$crate::features::approvals::Review {
                &self.review
            }
        }
    };
}

/// What the desk reads and records of one kind of request, always in the caller's scope.
#[async_trait]
pub trait RequestStore<R: Request>: Send + Sync + std::fmt::Debug {
    /// Files a new pending request for `employee` if the kind's rules let it (a leave
    /// allowance, a locked period), with its audit row.
    async fn file(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        new: <R::Asked as Asked>::New,
    ) -> StoreResult<R>;
    /// One page, newest first; optionally one employee's, one status.
    async fn requests(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: Option<EmployeeId>,
        status: Option<ApprovalStatus>,
        page: &Page,
    ) -> StoreResult<Paged<R>>;
    async fn one(&self, scope: Scope, depts: &DepartmentFilter, id: R::Id) -> StoreResult<R>;
    /// Records a step the workflow allowed, with its audit row; refused if the request is no
    /// longer where the step was decided on, or when the kind forbids it (a correction into
    /// a locked period).
    async fn record_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<R::Id>,
    ) -> StoreResult<R>;
}

/// The queue and the decisions of one kind of request, on its store. A kind's service is this
/// type (`LeaveService = Requests<LeaveRequest>`), with what only that kind does in an
/// `impl Requests<ItsRecord>` of its own.
pub struct Requests<R: Request> {
    pub(crate) store: Arc<R::Store>,
}

impl<R: Request> Clone for Requests<R> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
        }
    }
}

impl<R: Request> std::fmt::Debug for Requests<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requests")
            .field("store", &self.store)
            .finish()
    }
}

impl<R: Request> Requests<R> {
    pub fn new(store: Arc<R::Store>) -> Self {
        Self { store }
    }

    /// Asks for a request for `employee`: the body checked, then filed by the kind's rules.
    pub async fn request(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        asked: R::Asked,
    ) -> AppResult<R> {
        caller.permit_on(R::ACTIONS.request, employee)?;
        let new = asked.checked()?;
        let (scope, depts) = (caller.scope(), caller.departments());
        Ok(self
            .store
            .file(&caller.audit(), scope, &depts, employee, new)
            .await?)
    }

    /// The review queue, a page at a time: requests in the caller's scope, newest first.
    pub async fn list(
        &self,
        caller: &Caller,
        status: Option<ApprovalStatus>,
        page: &Page,
    ) -> AppResult<Paged<R>> {
        caller.permit(R::ACTIONS.list)?;
        let depts = caller.departments();
        Ok(self
            .store
            .requests(caller.scope(), &depts, None, status, page)
            .await?)
    }

    /// Approves, rejects (with a reason), escalates or cancels a request.
    pub async fn decide(
        &self,
        caller: &Caller,
        id: R::Id,
        step: Step,
        reason_text: Option<String>,
    ) -> AppResult<R> {
        let (scope, depts) = (caller.scope(), caller.departments());
        let current = self.store.one(scope, &depts, id).await?;
        let (owner, review) = (current.owner(), current.review());
        let action = R::ACTIONS.decide;
        let recorded = plan(
            caller,
            action,
            &REQUEST,
            owner,
            review,
            id,
            step,
            reason_text,
        )?;
        let ctx = caller.audit().waiving(recorded.waived);
        Ok(self
            .store
            .record_step(&ctx, scope, &depts, recorded)
            .await?)
    }
}
