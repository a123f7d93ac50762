fn main() {
    // tauri.conf.json sits at the workspace root; only its folder is used.
    tauri_build::try_build(tauri_build::Attributes::new().config_path("../tauri.conf.json"))
        .expect("tauri build script failed");
}
