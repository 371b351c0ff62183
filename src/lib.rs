//! Finds an Anaconda credential in a build's secrets and hands conda the header for it.

pub mod check;
pub mod cli;
pub mod condarc;
pub mod doctor;
pub mod dotenv;
pub mod env;
pub mod error;
pub mod file;
pub mod get;
pub mod install;
pub mod protocol;
pub mod redact;
pub mod rules;
pub mod secret;
pub mod secrets;
pub mod source;
pub mod value;
pub mod vars;
