//! Test fixtures shared by the integration tests: the fake repository and its TLS front.

#![allow(dead_code)]

pub mod fake_repo;
pub mod python;
pub mod tls;
