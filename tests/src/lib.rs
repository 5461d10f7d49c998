//! End-to-end tests of a real `attend-server` with a real `attendd` (see `tests/`). The library
//! itself is empty; the tests live in `tests/*.rs`.
