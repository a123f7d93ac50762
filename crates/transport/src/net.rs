//! TCP connections for the WebSocket client: direct, through an HTTP CONNECT proxy, or through
//! a SOCKS5 proxy (the proxy resolves the host name), and the rustls configuration (ring
//! provider, webpki roots).

use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

fn other(message: String) -> io::Error {
    io::Error::other(message)
}

fn decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The host and port a URL points at (default ports for ws/wss/http/https/socks5).
pub(crate) fn host_port(url: &Url) -> io::Result<(String, u16)> {
    let host = url
        .host_str()
        .ok_or_else(|| other(format!("no host in {url}")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url
        .port_or_known_default()
        .or(match url.scheme() {
            "socks5" | "socks5h" => Some(1080),
            _ => None,
        })
        .ok_or_else(|| other(format!("no port in {url}")))?;
    Ok((host, port))
}

/// Opens a TCP connection to `target`'s host, through `proxy` when given
/// (`http://[user:pass@]host:port` or `socks5://[user:pass@]host:port`).
pub(crate) async fn connect_tcp(target: &Url, proxy: Option<&str>) -> io::Result<TcpStream> {
    let (host, port) = host_port(target)?;
    let stream = match proxy {
        None => TcpStream::connect((host.as_str(), port)).await?,
        Some(proxy) => {
            let proxy = Url::parse(proxy).map_err(|e| other(format!("invalid proxy: {e}")))?;
            match proxy.scheme() {
                "http" => http_connect(&proxy, &host, port).await?,
                "socks5" | "socks5h" => socks5_connect(&proxy, &host, port).await?,
                scheme => return Err(other(format!("unsupported proxy scheme {scheme}"))),
            }
        }
    };
    stream.set_nodelay(true)?;
    Ok(stream)
}

async fn socks5_connect(proxy: &Url, host: &str, port: u16) -> io::Result<TcpStream> {
    let proxy_addr = host_port(proxy)?;
    let proxy_addr = (proxy_addr.0.as_str(), proxy_addr.1);
    let result = if proxy.username().is_empty() {
        tokio_socks::tcp::Socks5Stream::connect(proxy_addr, (host, port)).await
    } else {
        let user = decoded(proxy.username());
        let pass = decoded(proxy.password().unwrap_or(""));
        tokio_socks::tcp::Socks5Stream::connect_with_password(
            proxy_addr,
            (host, port),
            &user,
            &pass,
        )
        .await
    };
    result
        .map(|s| s.into_inner())
        .map_err(|e| other(format!("SOCKS5 proxy: {e}")))
}

/// Largest proxy response head accepted.
const MAX_PROXY_HEAD: usize = 16 * 1024;

async fn http_connect(proxy: &Url, host: &str, port: u16) -> io::Result<TcpStream> {
    let (proxy_host, proxy_port) = host_port(proxy)?;
    let mut stream = TcpStream::connect((proxy_host.as_str(), proxy_port)).await?;
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if !proxy.username().is_empty() {
        let credentials = format!(
            "{}:{}",
            decoded(proxy.username()),
            decoded(proxy.password().unwrap_or(""))
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        head.push_str(&format!("Proxy-Authorization: Basic {encoded}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    // Read byte by byte up to the end of the head: nothing of the tunnel may be consumed.
    let mut response = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !response.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Err(other("HTTP proxy closed the connection".into()));
        }
        response.push(byte[0]);
        if response.len() > MAX_PROXY_HEAD {
            return Err(other("HTTP proxy response too long".into()));
        }
    }
    let status_line = String::from_utf8_lossy(&response);
    let status_line = status_line.lines().next().unwrap_or("");
    let ok = status_line
        .split_whitespace()
        .nth(1)
        .is_some_and(|code| code.starts_with('2'));
    if !ok {
        return Err(other(format!("HTTP proxy refused CONNECT: {status_line}")));
    }
    Ok(stream)
}

/// The rustls client configuration for `wss://` (ring provider, webpki roots), built once.
pub(crate) fn tls_config() -> io::Result<Arc<rustls::ClientConfig>> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots =
                rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
            .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(other)
}

/// Runs `fut` with a deadline, turning the timeout into an io error.
pub(crate) async fn with_deadline<T>(
    limit: Duration,
    what: &str,
    fut: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{what}: no answer within {} ms", limit.as_millis()),
        )),
    }
}
