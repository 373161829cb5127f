//! Shared helpers of the integration tests.

pub mod compare;
pub mod corpus;
pub mod index;
