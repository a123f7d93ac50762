use std::path::PathBuf;

/// Where Keel keeps its state, unless told otherwise: the OS app-data directory
/// (Linux `~/.local/share/keel`, macOS `~/Library/Application Support/app.keel.desktop`,
/// Windows `%APPDATA%\keel\Keel\data`). `KEEL_DATA_DIR` overrides it.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KEEL_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("app", "keel", "Keel")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".keel"))
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    /// Seed of the Demo exchange's market generator.
    pub demo_seed: u64,
    /// How often the Demo market steps forward, in milliseconds.
    pub demo_tick_ms: u64,
}

impl EngineConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            demo_seed: 0x6b65_656c,
            demo_tick_ms: 100,
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("keel.db")
    }
}
