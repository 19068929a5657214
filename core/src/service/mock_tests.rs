//! mockall unit tests of the service against mocked ports.
