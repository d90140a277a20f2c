//! Helpers that start the real llmarket servers in-process on ephemeral loopback ports.
