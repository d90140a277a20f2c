//! Data that follows a mounted ConfigMap: the real `llmarket-server` process serves a `--data`
//! directory laid out as the kubelet mounts a ConfigMap (timestamped `..2026_…` directories, a
//! `..data` symlink to the current one, each file a symlink through `..data`). An update swaps
//! `..data` atomically and sends no signal: the new data is served; a broken update is refused
//! and the old data kept; the new data is answered at once though the old data's replies were
//! kept by the reply cache; a data change reloads the data alone, not the auth file. (SIGHUP
//! reloads: `server_process.rs`.)
#![cfg(unix)]

use std::path::{Path, PathBuf};

use llmarket_proto::forecast::{GetDatasetRequest, forecast_service_client::ForecastServiceClient};
use llmarket_tests::process::{ServerProcess, write_manifest};

const BUILTIN: &str = include_str!("../../../server/data/cic-global-llm-2026/forecast.toml");

/// A directory laid out like a mounted ConfigMap holding `forecast.toml` and `manifest.toml`.
struct ConfigMapDir {
    root: PathBuf,
    generation: u32,
}

impl ConfigMapDir {
    fn new(name: &str) -> Self {
        let root = std::env::temp_dir().join(format!("llmarket-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create the mount");
        Self {
            root,
            generation: 0,
        }
    }

    /// Writes a new timestamped directory holding `forecast` (and a manifest of it, unless
    /// `manifest` is given) and swaps `..data` to it in one rename, as the kubelet does.
    fn update(&mut self, forecast: &str, manifest: Option<&str>) {
        self.generation += 1;
        let name = format!(
            "..2026_11_29_20_00_{:02}.{:09}",
            self.generation, self.generation
        );
        let version = self.root.join(&name);
        std::fs::create_dir(&version).expect("create the version directory");
        std::fs::write(version.join("forecast.toml"), forecast).expect("write forecast.toml");
        match manifest {
            Some(manifest) => {
                std::fs::write(version.join("manifest.toml"), manifest).expect("write manifest")
            }
            None => write_manifest(&version),
        }
        let old = std::fs::read_link(self.root.join("..data")).ok();
        std::os::unix::fs::symlink(&name, self.root.join("..data_tmp")).expect("symlink");
        std::fs::rename(self.root.join("..data_tmp"), self.root.join("..data")).expect("swap");
        for file in ["forecast.toml", "manifest.toml"] {
            let link = self.root.join(file);
            if std::fs::symlink_metadata(&link).is_err() {
                std::os::unix::fs::symlink(Path::new("..data").join(file), link).expect("link");
            }
        }
        if let Some(old) = old {
            std::fs::remove_dir_all(self.root.join(old)).expect("remove the old version");
        }
    }

    /// The manifest the current version holds.
    fn manifest(&self) -> String {
        std::fs::read_to_string(self.root.join("manifest.toml")).expect("read the manifest")
    }
}

impl Drop for ConfigMapDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn titled(title: &str) -> String {
    let renamed = BUILTIN.replacen(r#"id = "cic-global-llm-2026""#, r#"id = "watched""#, 1);
    renamed.replacen(
        r#"title_en = "Global Large Model Industry Report""#,
        &format!("title_en = {title:?}"),
        1,
    )
}

/// The English title and the data version of `datasets/watched` as served now.
async fn served(addr: std::net::SocketAddr) -> (String, String) {
    let mut client = ForecastServiceClient::new(
        tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("a valid address")
            .connect()
            .await
            .expect("connect"),
    );
    let response = client
        .get_dataset(GetDatasetRequest {
            name: "datasets/watched".to_owned(),
        })
        .await
        .expect("GetDataset");
    let version = llmarket_tests::data_version(&response);
    let title = response.into_inner().dataset.expect("dataset").title_en;
    (title, version)
}

#[tokio::test]
async fn a_configmap_update_is_served_without_a_signal_and_a_broken_one_is_refused() {
    let mut mount = ConfigMapDir::new("configmap");
    mount.update(&titled("Version one"), None);
    let root = mount.root.to_str().expect("utf-8 path").to_owned();
    let server = ServerProcess::start(&["--data", &root, "forecast", "--listen", "127.0.0.1:0"], 1);
    let addr = server.addr("Forecast");
    let (title, first_version) = served(addr).await;
    assert_eq!(title, "Version one");

    mount.update(&titled("Version two"), None);
    let line = server.line_containing("reloaded data");
    assert!(line.contains("changed datasets/watched"), "{line}");
    let (title, second_version) = served(addr).await;
    assert_eq!(title, "Version two");
    assert_ne!(second_version, first_version);

    // A file that does not match the manifest shipped with it: refused, the old data served.
    let manifest = mount.manifest();
    let whole = titled("Version three, cut short");
    // Cut at a character boundary at or before byte 4000 (the data holds Chinese).
    let cut = (0..=4000.min(whole.len()))
        .rev()
        .find(|&i| whole.is_char_boundary(i))
        .unwrap_or(0);
    mount.update(&whole[..cut], Some(&manifest));
    let line = server.line_containing("reload rejected");
    assert!(line.contains("still serving the previous data"), "{line}");
    assert_eq!(
        served(addr).await,
        ("Version two".to_owned(), second_version)
    );
}

#[tokio::test]
async fn a_data_change_reloads_the_data_alone_and_sighup_the_auth_file_too() {
    let mut mount = ConfigMapDir::new("data-alone");
    mount.update(&titled("Version one"), None);
    let root = mount.root.to_str().expect("utf-8 path").to_owned();
    let auth = mount.root.join("auth.toml");
    let entry = std::process::Command::new(llmarket_tests::process::server_bin())
        .args([
            "token",
            "new",
            "--principal",
            "ops",
            "--grant",
            "datasets/*",
        ])
        .output()
        .expect("token new");
    assert!(entry.status.success(), "{entry:?}");
    std::fs::write(&auth, &entry.stderr).expect("write the auth file");
    let auth = auth.to_str().expect("utf-8 path").to_owned();
    let server = ServerProcess::start(
        &[
            "--data",
            &root,
            "--auth-file",
            &auth,
            "forecast",
            "--listen",
            "127.0.0.1:0",
        ],
        1,
    );

    mount.update(&titled("Version two"), None);
    let lines = server.lines_until("reloaded data");
    assert!(
        lines.iter().any(|l| l.contains("a data directory changed")),
        "{lines:#?}"
    );
    server.signal("HUP");
    let lines = server.lines_until("reloaded the auth file");
    assert!(
        lines.iter().any(|l| l.contains("received SIGHUP")),
        "the auth file was reloaded by the data change, not by SIGHUP: {lines:#?}"
    );
}
