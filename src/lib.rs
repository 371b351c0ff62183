//! Finds an Anaconda credential in a build's secrets and hands conda the header for it.

pub mod cli;
pub mod install;
