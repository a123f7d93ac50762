//! A reconnecting WebSocket client. The venue adapter supplies a [`WsSession`] (which URL, what
//! to send on open, what to do with each text frame); this module keeps the connection alive.
//!
//! Rules:
//! - **Every (re)connect calls [`WsSession::on_open`]** with a generation number (1 for the
//!   first connection, then 2, 3 ...), so the session subscribes again or logs on again.
//!   `on_open` runs while frames are already being read, so it may wait for replies.
//! - **Backoff** between attempts: `backoff_min` doubling per consecutive failure up to
//!   `backoff_max`, minus up to [`JITTER_SHARE`] at random (3 s, 6 s, 12 s ... 60 s); see
//!   [`backoff_delay`]. The count starts again after a connection that stayed up for at least
//!   `backoff_max`.
//! - **Keep-alive**: a ping frame every `ping_interval`; the server's pings are answered
//!   (tungstenite queues the pong while reading; the client flushes it at once).
//! - **Silent stall**: when no frame of any kind (data, ping, pong) arrives for
//!   `stall_timeout`, the connection is dropped and replaced. Keep `stall_timeout` above
//!   `ping_interval` so an idle but healthy stream answers a ping in time.
//! - **Forced rotation**: after `max_lifetime` the connection is replaced at once, without
//!   backoff (venues cut connections at 24 h).
//! - **States** go to [`WsSession::on_state`]: `Connecting` (first attempt), `Connected`,
//!   `Reconnecting { attempt, reason }`, and `Down` (the session's URL was refused, or the client
//!   stopped).
//! - Binary frames count as life but are not passed on.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use keel_exchange::{ConnectionState, ExchangeError, ExchangeResult};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use url::Url;

use crate::net;

/// The largest share of a backoff delay that jitter removes.
pub const JITTER_SHARE: f64 = 0.2;

/// How a WebSocket connection behaves. See the module docs.
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// For logs, e.g. `binance-spot-market`.
    pub name: String,
    /// `http://host:port` (CONNECT) or `socks5://host:port`, or none.
    pub proxy: Option<String>,
    /// How often the client sends a ping frame.
    pub ping_interval: Duration,
    /// No frame at all for this long = the connection is dead.
    pub stall_timeout: Duration,
    /// Forced reconnect after this long (venues cut at 24 h).
    pub max_lifetime: Duration,
    /// First backoff delay (3 s).
    pub backoff_min: Duration,
    /// Largest backoff delay (60 s).
    pub backoff_max: Duration,
}

impl WsConfig {
    /// Defaults: ping every 20 s, stall after 60 s, rotate after 23 h 55 min, backoff 3 s to
    /// 60 s, no proxy.
    pub fn new(name: &str) -> WsConfig {
        WsConfig {
            name: name.to_string(),
            proxy: None,
            ping_interval: Duration::from_secs(20),
            stall_timeout: Duration::from_secs(60),
            max_lifetime: Duration::from_secs(24 * 3600 - 300),
            backoff_min: Duration::from_secs(3),
            backoff_max: Duration::from_secs(60),
        }
    }
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig::new("ws")
    }
}

/// What the session decided after a text frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsControl {
    Continue,
    /// Drop this connection and connect again (with backoff), e.g. after a sequence gap.
    Reconnect(String),
}

/// The venue-specific part of a WebSocket connection.
#[async_trait]
pub trait WsSession: Send + Sync + 'static {
    /// The URL to connect to; asked before every connection (a listen key may change).
    async fn url(&self) -> ExchangeResult<String>;
    /// Called after every (re)connect: subscribe or log on again. `generation` 1 = first.
    async fn on_open(&self, out: &WsSender, generation: u64) -> ExchangeResult<()>;
    /// One text frame.
    async fn on_text(&self, text: &str, out: &WsSender) -> WsControl;
    /// The connection's state changed.
    fn on_state(&self, state: ConnectionState);
}

/// Sends frames on the current connection. A sender belongs to one connection: after a
/// reconnect it returns `false`, and `on_open` hands out the new one.
#[derive(Debug, Clone)]
pub struct WsSender {
    tx: mpsc::UnboundedSender<Message>,
    generation: u64,
}

impl WsSender {
    /// Queues a text frame; `false` when this sender's connection is gone.
    pub fn send_text(&self, text: String) -> bool {
        self.tx.send(Message::text(text)).is_ok()
    }

    /// The connection generation this sender belongs to.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether this sender's connection is still open.
    pub fn is_open(&self) -> bool {
        !self.tx.is_closed()
    }
}

enum Command {
    Reconnect(String),
    Stop,
}

/// A running client. [`WsHandle::stop`] or dropping the handle stops it.
#[derive(Debug)]
pub struct WsHandle {
    cmd: mpsc::UnboundedSender<Command>,
    task: Option<JoinHandle<()>>,
}

impl WsHandle {
    /// Drops the current connection and connects again at once.
    pub fn force_reconnect(&self, reason: &str) {
        let _ = self.cmd.send(Command::Reconnect(reason.to_string()));
    }

    /// Closes the connection and waits for the client to finish (it reports `Down`).
    pub async fn stop(mut self) {
        let _ = self.cmd.send(Command::Stop);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for WsHandle {
    fn drop(&mut self) {
        // The client sees the command channel close (or this Stop) and ends by itself.
        let _ = self.cmd.send(Command::Stop);
    }
}

/// The delay before reconnect attempt `attempt` (1-based): `min * 2^(attempt-1)` capped at
/// `max`, reduced by `jitter * JITTER_SHARE` of itself (`jitter` in `[0, 1]`, clamped). The
/// result always lies in `[(1 - JITTER_SHARE) * nominal, nominal]`.
pub fn backoff_delay(attempt: u32, min: Duration, max: Duration, jitter: f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(30);
    let nominal = min.saturating_mul(1u32 << doublings).min(max.max(min));
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    nominal.mul_f64(1.0 - JITTER_SHARE * jitter)
}

/// Starts the client on the current tokio runtime.
pub fn spawn_ws(config: WsConfig, session: Arc<dyn WsSession>) -> WsHandle {
    let (cmd, cmd_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run(config, session, cmd_rx));
    WsHandle {
        cmd,
        task: Some(task),
    }
}

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Why a connection (or an attempt) ended.
enum Exit {
    Stop,
    Lost {
        reason: String,
        /// How long the connection had been up; `None` when it never opened.
        up_for: Option<Duration>,
        /// Reconnect without backoff (lifetime rotation, forced by the owner).
        immediate: bool,
        /// The venue refused the session's URL (e.g. a bad key): report `Down`.
        refused: bool,
    },
}

async fn run(
    cfg: WsConfig,
    session: Arc<dyn WsSession>,
    mut cmd_rx: mpsc::UnboundedReceiver<Command>,
) {
    let mut attempt: u32 = 0;
    let mut generation: u64 = 0;
    session.on_state(ConnectionState::Connecting);
    loop {
        let exit = match open(&cfg, session.as_ref(), &mut cmd_rx).await {
            Ok(ws) => {
                generation += 1;
                session.on_state(ConnectionState::Connected);
                tracing::info!(name = %cfg.name, generation, "websocket connected");
                serve(&cfg, session.as_ref(), ws, generation, &mut cmd_rx).await
            }
            Err(exit) => exit,
        };
        let (reason, up_for, immediate, refused) = match exit {
            Exit::Stop => break,
            Exit::Lost {
                reason,
                up_for,
                immediate,
                refused,
            } => (reason, up_for, immediate, refused),
        };
        if up_for.is_some_and(|up| up >= cfg.backoff_max) || (immediate && up_for.is_some()) {
            attempt = 0;
        }
        attempt = attempt.saturating_add(1);
        let delay = if immediate && up_for.is_some() {
            Duration::ZERO
        } else {
            backoff_delay(
                attempt,
                cfg.backoff_min,
                cfg.backoff_max,
                rand::random::<f64>(),
            )
        };
        tracing::warn!(name = %cfg.name, attempt, %reason, delay_ms = delay.as_millis() as u64, "websocket reconnecting");
        if refused {
            session.on_state(ConnectionState::Down {
                reason: reason.clone(),
            });
        } else {
            session.on_state(ConnectionState::Reconnecting { attempt, reason });
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            cmd = cmd_rx.recv() => match cmd {
                Some(Command::Reconnect(_)) => {}
                Some(Command::Stop) | None => break,
            },
        }
    }
    session.on_state(ConnectionState::Down {
        reason: "stopped".to_string(),
    });
    tracing::info!(name = %cfg.name, "websocket stopped");
}

/// Connects (URL from the session, TCP through the proxy, TLS, handshake), giving up after
/// `stall_timeout` (at least 5 s) or on a command.
async fn open(
    cfg: &WsConfig,
    session: &dyn WsSession,
    cmd_rx: &mut mpsc::UnboundedReceiver<Command>,
) -> Result<Ws, Exit> {
    let lost = |reason: String, refused: bool| Exit::Lost {
        reason,
        up_for: None,
        immediate: false,
        refused,
    };
    let url = tokio::select! {
        url = session.url() => url,
        cmd = cmd_rx.recv() => return Err(command_exit(cmd, None)),
    };
    let url = match url {
        Ok(u) => u,
        Err(e) => {
            let refused = matches!(e, ExchangeError::Rejected { .. });
            return Err(lost(format!("no stream URL: {e}"), refused));
        }
    };
    let limit = cfg.stall_timeout.max(Duration::from_secs(5));
    let connecting = async {
        let parsed = Url::parse(&url)
            .map_err(|e| std::io::Error::other(format!("invalid stream URL: {e}")))?;
        let tcp = net::connect_tcp(&parsed, cfg.proxy.as_deref()).await?;
        let connector = if parsed.scheme() == "wss" {
            Connector::Rustls(net::tls_config()?)
        } else {
            Connector::Plain
        };
        let (ws, _) = tokio_tungstenite::client_async_tls_with_config(
            url.as_str(),
            tcp,
            None,
            Some(connector),
        )
        .await
        .map_err(std::io::Error::other)?;
        Ok(ws)
    };
    tokio::select! {
        r = net::with_deadline(limit, "websocket connect", connecting) => {
            r.map_err(|e| lost(format!("connect failed: {e}"), false))
        }
        cmd = cmd_rx.recv() => Err(command_exit(cmd, None)),
    }
}

fn command_exit(cmd: Option<Command>, up_for: Option<Duration>) -> Exit {
    match cmd {
        Some(Command::Reconnect(reason)) => Exit::Lost {
            reason,
            up_for,
            immediate: true,
            refused: false,
        },
        Some(Command::Stop) | None => Exit::Stop,
    }
}

/// Runs one open connection until it ends.
async fn serve(
    cfg: &WsConfig,
    session: &dyn WsSession,
    ws: Ws,
    generation: u64,
    cmd_rx: &mut mpsc::UnboundedReceiver<Command>,
) -> Exit {
    let connected_at = Instant::now();
    let (mut sink, mut stream) = ws.split();
    let (tx, mut out_rx) = mpsc::unbounded_channel::<Message>();
    let sender = WsSender { tx, generation };
    let mut opening = session.on_open(&sender, generation);
    let mut opened = false;
    let mut ping = tokio::time::interval_at(connected_at + cfg.ping_interval, cfg.ping_interval);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_frame = connected_at;
    let stall = tokio::time::sleep_until(connected_at + cfg.stall_timeout);
    let mut stall: Pin<&mut tokio::time::Sleep> = std::pin::pin!(stall);
    let rotate = tokio::time::sleep_until(connected_at + cfg.max_lifetime);
    let mut rotate = std::pin::pin!(rotate);
    let lost = |reason: String| Exit::Lost {
        reason,
        up_for: Some(connected_at.elapsed()),
        immediate: false,
        refused: false,
    };
    let exit = loop {
        tokio::select! {
            frame = stream.next() => {
                let frame = match frame {
                    Some(Ok(frame)) => frame,
                    Some(Err(e)) => break lost(format!("read failed: {e}")),
                    None => break lost("connection closed".to_string()),
                };
                last_frame = Instant::now();
                match frame {
                    Message::Text(text) => {
                        if let WsControl::Reconnect(reason) = session.on_text(text.as_str(), &sender).await {
                            break Exit::Lost {
                                reason,
                                up_for: Some(connected_at.elapsed()),
                                immediate: false,
                                refused: false,
                            };
                        }
                    }
                    Message::Ping(_) => {
                        // tungstenite queued the pong; send it now.
                        if let Err(e) = sink.flush().await {
                            break lost(format!("write failed: {e}"));
                        }
                    }
                    Message::Close(frame) => {
                        let why = frame.map(|f| format!("{} {}", f.code, f.reason)).unwrap_or_default();
                        break lost(format!("closed by the server {why}").trim_end().to_string());
                    }
                    Message::Binary(_) | Message::Pong(_) | Message::Frame(_) => {}
                }
            }
            Some(msg) = out_rx.recv() => {
                if let Err(e) = sink.send(msg).await {
                    break lost(format!("write failed: {e}"));
                }
            }
            _ = ping.tick() => {
                if let Err(e) = sink.send(Message::Ping(Default::default())).await {
                    break lost(format!("ping failed: {e}"));
                }
            }
            () = &mut stall => {
                let deadline = last_frame + cfg.stall_timeout;
                if deadline <= Instant::now() {
                    break lost(format!("no frame for {} ms", cfg.stall_timeout.as_millis()));
                }
                stall.as_mut().reset(deadline);
            }
            () = &mut rotate => {
                break Exit::Lost {
                    reason: "connection lifetime reached".to_string(),
                    up_for: Some(connected_at.elapsed()),
                    immediate: true,
                    refused: false,
                };
            }
            result = &mut opening, if !opened => {
                opened = true;
                if let Err(e) = result {
                    break lost(format!("open failed: {e}"));
                }
            }
            cmd = cmd_rx.recv() => break command_exit(cmd, Some(connected_at.elapsed())),
        }
    };
    drop(opening);
    // Say goodbye politely, but never wait long on a dead socket.
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(Message::Close(None))).await;
    exit
}
