//! Compiles the `.proto` contracts with the pure-Rust `protox` parser (no system `protoc`), generates
//! the prost messages and tonic clients and servers, and writes the encoded file descriptor set that
//! server reflection serves.

use std::{env, fs, path::PathBuf};

use prost::Message as _;

const PROTOS: &[&str] = &[
    "llmarket/forecast/v1/forecast.proto",
    "llmarket/taxonomy/v1/taxonomy.proto",
    "llmarket/forecast/v2/forecast.proto",
    "llmarket/taxonomy/v2/taxonomy.proto",
    "llmarket/watch/v2/watch.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=llmarket");
    println!("cargo:rerun-if-changed=google");
    println!("cargo:rerun-if-changed=build.rs");

    let fds = protox::compile(PROTOS, ["."])?;
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    fs::write(out_dir.join("llmarket_descriptor.bin"), fds.encode_to_vec())?;

    // Servers: messages and servers, with our codec (an undecodable request is INVALID_ARGUMENT).
    tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .codec_path("crate::codec::RequestCodec")
        .compile_fds(fds.clone())?;
    // Clients: tonic's ProstCodec (an undecodable response is INTERNAL), reusing the messages above.
    let client_dir = out_dir.join("client");
    fs::create_dir_all(&client_dir)?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(false)
        // No `connect` helpers: the contract crate does not pull in tonic's transport.
        .build_transport(false)
        .extern_path(".llmarket", "crate::llmarket")
        .extern_path(".google", "crate::google")
        .out_dir(client_dir)
        .compile_fds(fds)?;
    Ok(())
}
