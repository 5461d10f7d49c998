//! The enrolment rules every backend applies, as pure functions: who may receive templates on
//! approval, what an upload needs, and which stored thumbnail may be served as a JPEG.

use attend_protocol::roster::ConsentState;
use base64::Engine as _;

/// What an approval needs to know about the employee (absent: deleted, or never existed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enrollee {
    /// Approved (not a pending self-registration).
    pub active: bool,
    /// Has granted biometric consent.
    pub consented: bool,
}

/// Why the employee cannot receive templates now, if anything stands in the way.
pub fn approval_blocker(employee: Option<Enrollee>) -> Option<&'static str> {
    match employee {
        None => Some("the employee has been deleted"),
        Some(e) if !e.active => Some("the employee is not approved yet"),
        Some(e) if !e.consented => Some(
            "the employee has not granted biometric consent: record their consent before approving face templates",
        ),
        Some(_) => None,
    }
}

/// Why photos of the employee may not be stored, if not: nothing biometric is kept for
/// someone who has not agreed to it, not even for review.
pub fn upload_refusal(consent: ConsentState) -> Option<&'static str> {
    (consent != ConsentState::Granted).then_some(
        "the employee has not granted biometric consent: record their consent before enrolling their face",
    )
}

/// The stored (base64) thumbnail as JPEG bytes; only well-formed JPEG is ever served as
/// `image/jpeg`, anything else counts as absent.
pub fn thumbnail_jpeg(base64: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .ok()
        .filter(|jpeg| jpeg.starts_with(&[0xFF, 0xD8, 0xFF]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRANTED: Enrollee = Enrollee {
        active: true,
        consented: true,
    };

    #[test]
    fn only_an_active_consenting_employee_receives_templates() {
        assert_eq!(approval_blocker(Some(GRANTED)), None);
        assert_eq!(
            approval_blocker(None),
            Some("the employee has been deleted")
        );
        let pending = Enrollee {
            active: false,
            ..GRANTED
        };
        assert_eq!(
            approval_blocker(Some(pending)),
            Some("the employee is not approved yet")
        );
        let unconsented = Enrollee {
            consented: false,
            ..GRANTED
        };
        let blocker = approval_blocker(Some(unconsented));
        assert!(
            blocker.is_some_and(|b| b.contains("biometric consent")),
            "{blocker:?}"
        );
    }

    #[test]
    fn uploads_need_consent_already() {
        assert_eq!(upload_refusal(ConsentState::Granted), None);
        assert!(upload_refusal(ConsentState::NotAsked).is_some());
        assert!(upload_refusal(ConsentState::Withdrawn).is_some());
    }

    #[test]
    fn only_jpeg_is_served_as_a_thumbnail() {
        let engine = base64::engine::general_purpose::STANDARD;
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        assert_eq!(thumbnail_jpeg(&engine.encode(jpeg)), Some(jpeg.to_vec()));
        assert_eq!(thumbnail_jpeg(&engine.encode(b"\x89PNG\r\n\x1a\n")), None);
        assert_eq!(thumbnail_jpeg("not base64!"), None);
    }
}
