//! Test fixtures shared by the integration tests: the fake repository, its TLS front and
//! isolated builds for runs of `get`.

#![allow(dead_code)]

pub mod build;
pub mod fake_repo;
pub mod python;
pub mod tls;
