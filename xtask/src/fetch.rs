//! `cargo xtask fetch-specs`: download the pinned upstream files and verify them.

use codegen::Lock;
use codegen::config::sha256_hex;
use std::path::Path;

/// Downloads every locked file from `base_url`, verifies its sha256, and only then writes
/// it under `dest`. Returns the number of files.
pub fn fetch_specs(base_url: &str, lock_path: &Path, dest: &Path) -> Result<usize, String> {
    let lock = Lock::load(lock_path).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        // Download and verify everything before writing anything.
        let mut verified = Vec::new();
        for file in &lock.files {
            let url = Lock::download_url(base_url, file);
            let response = client
                .get(&url)
                .send()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            if !response.status().is_success() {
                return Err(format!("GET {url}: HTTP {}", response.status()));
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            let actual = sha256_hex(&bytes);
            if !actual.eq_ignore_ascii_case(&file.sha256) {
                return Err(format!(
                    "{}: sha256 {actual} does not match the lock ({})",
                    file.path, file.sha256
                ));
            }
            verified.push((file.path.clone(), bytes));
        }
        for (path, bytes) in &verified {
            let target = dest.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            std::fs::write(&target, bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        }
        Ok(verified.len())
    })
}
