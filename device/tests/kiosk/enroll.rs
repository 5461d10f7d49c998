//! `attendd enroll` on the real models: clear portraits become an enrolment candidate with
//! quality scores; a group photo never does, and the error says why.

use attend_device::enroll::{EnrollError, capture};
use attend_protocol::events::EventBody;
use attend_protocol::ids::EmployeeId;
use attend_vision::quality::QualityLimits;

use crate::support::{pipeline, replay};

#[test]
fn clear_portraits_become_a_candidate_with_quality_scores() {
    let p = pipeline();
    let (_d, mut cam) = replay(
        &[
            "examples/knn_examples/train/obama/obama.jpg",
            "examples/knn_examples/train/obama/obama2.jpg",
        ],
        true,
    );
    let who = EmployeeId(uuid::Uuid::from_u128(5));
    let body =
        capture(&mut cam, &p, who, &QualityLimits::default(), 3, 20, |_| {}).expect("enrols");
    let EventBody::EnrolmentCandidate(c) = body else {
        panic!("not a candidate")
    };
    assert_eq!(c.employee_id, who);
    assert_eq!(c.model_id, "dlib-resnet-v1");
    assert_eq!(c.templates.len(), 3);
    assert!(
        c.templates
            .iter()
            .all(|t| t.vector.len() == 128 && (0.0..=1.0).contains(&t.quality))
    );
}

#[test]
fn a_group_photo_never_enrols_and_the_error_says_why() {
    let p = pipeline();
    let (_d, mut cam) = replay(&["examples/two_people.jpg"], true);
    let err = capture(
        &mut cam,
        &p,
        EmployeeId(uuid::Uuid::from_u128(5)),
        &QualityLimits::default(),
        2,
        4,
        |_| {},
    )
    .expect_err("refused");
    match &err {
        EnrollError::NotEnough {
            got: 0,
            wanted: 2,
            tried: 4,
            last,
        } => assert!(last.contains("exactly one face"), "{last}"),
        other => panic!("unexpected: {other}"),
    }
}
