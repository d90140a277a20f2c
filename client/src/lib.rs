//! llmarket client (see issue 5).
