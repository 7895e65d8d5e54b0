//! Integration tests of the client against wiremock: the exact request each operation sends
//! (method, path, query, microversion header, JSON body) and at least one error path per
//! operation, using response shapes recorded from a real magnum-api (`fixtures/`). A catch-all
//! mock answers 599 to anything unexpected, so a wrong path or header fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "api/support.rs"]
mod support;

#[path = "api/fixtures.rs"]
mod fixtures;

#[path = "api/templates.rs"]
mod templates;

#[path = "api/clusters.rs"]
mod clusters;

#[path = "api/nodegroups.rs"]
mod nodegroups;

#[path = "api/others.rs"]
mod others;

#[path = "api/transport.rs"]
mod transport;

#[path = "api/keystone.rs"]
mod keystone;

#[path = "api/waiters.rs"]
mod waiters;

#[path = "api/orphans.rs"]
mod orphans;

#[path = "api/doctor_dns.rs"]
mod doctor_dns;
