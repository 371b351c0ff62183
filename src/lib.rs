//! Finds an Anaconda credential in a build's secrets and hands conda the header for it.

pub mod channel;
pub mod cli;
pub mod config_file;
pub mod dotenv;
pub mod env;
pub mod error;
pub mod expand;
pub mod file;
pub mod fnmatch;
pub mod get;
pub mod header;
pub mod install;
pub mod jwt;
pub mod protocol;
pub mod redact;
pub mod rules;
pub mod secret;
pub mod secrets;
pub mod source;
pub mod value;
pub mod vars;
