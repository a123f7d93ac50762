//! Account configuration and the hosts of each Binance product (live, testnet, or a loopback
//! mock in tests).

use keel_vault::ApiCredentials;

/// Where one Binance product lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// REST base URLs, best first (the transport picks among them by health).
    pub rest: Vec<String>,
    /// Market streams base URL, without a path (`wss://stream.binance.com:9443`); the combined
    /// stream connection is `{market_ws}/stream`.
    pub market_ws: String,
    /// WebSocket API URL (spot: the user data stream is subscribed there).
    pub ws_api: String,
    /// Futures: the user data stream base (`{user_ws}/ws/<listenKey>`); spot leaves it empty.
    pub user_ws: String,
}

impl Endpoints {
    /// Binance spot: `api.binance.com` and its mirrors, or the spot testnet.
    pub fn spot(testnet: bool) -> Endpoints {
        if testnet {
            return Endpoints {
                rest: vec!["https://testnet.binance.vision".into()],
                market_ws: "wss://stream.testnet.binance.vision:9443".into(),
                ws_api: "wss://ws-api.testnet.binance.vision/ws-api/v3".into(),
                user_ws: String::new(),
            };
        }
        Endpoints {
            rest: [
                "https://api.binance.com",
                "https://api-gcp.binance.com",
                "https://api1.binance.com",
                "https://api2.binance.com",
                "https://api3.binance.com",
                "https://api4.binance.com",
            ]
            .map(String::from)
            .to_vec(),
            market_ws: "wss://stream.binance.com:9443".into(),
            ws_api: "wss://ws-api.binance.com:443/ws-api/v3".into(),
            user_ws: String::new(),
        }
    }

    /// Binance USD-M futures: `fapi.binance.com`, or the futures testnet.
    pub fn usdm(testnet: bool) -> Endpoints {
        if testnet {
            return Endpoints {
                rest: vec!["https://testnet.binancefuture.com".into()],
                market_ws: "wss://fstream.binancefuture.com".into(),
                ws_api: "wss://testnet.binancefuture.com/ws-fapi/v1".into(),
                user_ws: "wss://fstream.binancefuture.com".into(),
            };
        }
        Endpoints {
            rest: vec!["https://fapi.binance.com".into()],
            market_ws: "wss://fstream.binance.com".into(),
            ws_api: "wss://ws-fapi.binance.com/ws-fapi/v1".into(),
            user_ws: "wss://fstream.binance.com".into(),
        }
    }

    /// Everything on one local mock server (tests): `http_base` like `http://127.0.0.1:PORT`,
    /// `ws_base` like `ws://127.0.0.1:PORT`. The WebSocket API is `{ws_base}/ws-api/v3`.
    pub fn loopback(http_base: &str, ws_base: &str) -> Endpoints {
        Endpoints {
            rest: vec![http_base.trim_end_matches('/').to_string()],
            market_ws: ws_base.trim_end_matches('/').to_string(),
            ws_api: format!("{}/ws-api/v3", ws_base.trim_end_matches('/')),
            user_ws: ws_base.trim_end_matches('/').to_string(),
        }
    }
}

/// One Binance account connection.
#[derive(Debug, Clone)]
pub struct BinanceConfig {
    /// Keel's account id, stamped on fills.
    pub account_id: String,
    /// `None` = market data only.
    pub credentials: Option<ApiCredentials>,
    pub testnet: bool,
    /// `http://host:port` or `socks5://host:port`, for REST and WebSockets.
    pub proxy: Option<String>,
    pub endpoints: Endpoints,
}

impl BinanceConfig {
    /// A spot account on the live or test network.
    pub fn spot(account_id: &str, credentials: Option<ApiCredentials>, testnet: bool) -> Self {
        BinanceConfig {
            account_id: account_id.to_string(),
            credentials,
            testnet,
            proxy: None,
            endpoints: Endpoints::spot(testnet),
        }
    }

    /// A USD-M futures account on the live or test network.
    pub fn usdm(account_id: &str, credentials: Option<ApiCredentials>, testnet: bool) -> Self {
        BinanceConfig {
            account_id: account_id.to_string(),
            credentials,
            testnet,
            proxy: None,
            endpoints: Endpoints::usdm(testnet),
        }
    }

    /// The process-wide rate budget key: one per product and network (weights are per IP).
    pub fn budget_key(&self, product: &str) -> String {
        let net = if self.testnet { "testnet" } else { "live" };
        let host = self
            .endpoints
            .rest
            .first()
            .map(String::as_str)
            .unwrap_or("");
        format!("binance-{product}-{net}-{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_hosts() {
        let s = Endpoints::spot(false);
        assert_eq!(s.rest[0], "https://api.binance.com");
        assert_eq!(s.rest.len(), 6);
        assert_eq!(s.ws_api, "wss://ws-api.binance.com:443/ws-api/v3");
        assert_eq!(
            Endpoints::spot(true).rest[0],
            "https://testnet.binance.vision"
        );
        assert_eq!(Endpoints::usdm(false).rest[0], "https://fapi.binance.com");
        assert_eq!(
            Endpoints::usdm(true).rest[0],
            "https://testnet.binancefuture.com"
        );
        let l = Endpoints::loopback("http://127.0.0.1:1/", "ws://127.0.0.1:1");
        assert_eq!(l.ws_api, "ws://127.0.0.1:1/ws-api/v3");
    }
}
