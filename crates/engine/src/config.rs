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

/// Where exchange secrets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretsMode {
    /// The OS keychain when it works; otherwise the encrypted vault file, which the trader
    /// creates or unlocks with a password (and is warned about).
    #[default]
    Auto,
    /// Only the encrypted vault file (headless servers, tests).
    VaultFile,
}

/// Where each Binance product is reached. Defaults to Binance's own hosts; tests point them at
/// a loopback mock server.
#[derive(Debug, Clone, Default)]
pub struct VenueEndpoints {
    pub binance_spot: Option<keel_binance::common::config::Endpoints>,
    pub binance_usdm: Option<keel_binance::common::config::Endpoints>,
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    /// Seed of the Demo exchange's market generator.
    pub demo_seed: u64,
    /// How often the Demo market steps forward, in milliseconds.
    pub demo_tick_ms: u64,
    pub secrets: SecretsMode,
    pub endpoints: VenueEndpoints,
    /// How often accounts with unfinished orders are reconciled with their venue (besides at
    /// start, after a stream gap and after an unknown outcome).
    pub reconcile_every: std::time::Duration,
}

impl EngineConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            demo_seed: 0x6b65_656c,
            demo_tick_ms: 100,
            secrets: SecretsMode::default(),
            endpoints: VenueEndpoints::default(),
            reconcile_every: std::time::Duration::from_secs(60),
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("keel.db")
    }

    pub fn vault_path(&self) -> PathBuf {
        self.data_dir.join("secrets.vault")
    }
}
