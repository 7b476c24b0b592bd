//! Embeds the sample returns for the first start, declares the app's commands (so the
//! capability can grant exactly them) and lets tauri-build read the config.

use std::fmt::Write as _;
use std::path::Path;

/// Every command of the app; `capabilities/default.json` allows each one by name.
const COMMANDS: &[&str] = &[
    "start",
    "set_language",
    "overview",
    "region",
    "target",
    "import_files",
    "save_feedback",
    "submissions",
    "readings",
    "forget_reading",
    "remove_demo_data",
    "catalog",
    "add_local_target",
    "set_local_target_enabled",
    "add_unit",
    "rename_unit",
    "retire_unit",
    "pick_files",
    "export_file",
    "open_saved",
    "hub_sign_in",
    "hub_sign_out",
    "hub_import",
    "split_preview",
    "split_apply",
    "split_clear",
    "split_read",
    "split_sheet",
    "set_office_region",
    "region_choices",
    "check_date",
    "home",
];

fn main() {
    embed_sample_data();
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}

/// Writes `$OUT_DIR/sample_data.rs`: one `(file name, bytes)` entry per `sample-data/*.xlsx`,
/// so the app can show a working dashboard on first start wherever it is installed.
fn embed_sample_data() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-data");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xlsx")))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = String::from("/// `(file name, bytes)` of every sample return.\npub const SAMPLE_FILES: &[(&str, &[u8])] = &[\n");
    for f in &files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let _ = writeln!(code, "    ({name:?}, include_bytes!({:?})),", f.display().to_string());
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("sample_data.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
