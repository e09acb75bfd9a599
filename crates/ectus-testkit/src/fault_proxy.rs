//! A TCP proxy between a test's process and a server (PostgreSQL) that can fail on demand:
//! refuse connections and cut the open ones (an outage), reset them, hold them without
//! passing a byte (a black hole), or delay what they carry, and heal again — network faults
//! without touching the server.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does to traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Pass bytes both ways.
    None,
    /// Close every open connection and every new one at once (an orderly close).
    Refuse,
    /// Reset every open connection and every new one at once (`RST`, as a peer that crashed
    /// or a middlebox that dropped the flow).
    Reset,
    /// Accept, but pass nothing either way until the fault changes.
    BlackHole,
    /// Pass everything, each chunk in either direction this much later.
    Latency(Duration),
}

/// A running proxy; it stops when dropped.
pub struct FaultProxy {
    pub addr: SocketAddr,
    fault: watch::Sender<Fault>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a random local port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (fault, watching) = watch::channel(Fault::None);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, watching.clone()));
            }
        });
        FaultProxy { addr, fault, task }
    }

    /// Listens on a random local port and forwards to the server of `url`
    /// (`scheme://user@host:port/db?…`); [`FaultProxy::url_for`] gives the URL through it.
    pub async fn in_front_of(url: &str) -> FaultProxy {
        let authority = url
            .split_once("://")
            .map(|(_, rest)| rest.rsplit_once('@').map_or(rest, |(_, r)| r))
            .and_then(|rest| rest.split(['/', '?']).next())
            .expect("host:port in the database URL");
        let upstream = tokio::net::lookup_host(authority)
            .await
            .expect("resolve the database host")
            .next()
            .expect("an address for the database host");
        FaultProxy::start(upstream).await
    }

    /// Changes what the proxy does, to open connections as well as new ones.
    pub fn set(&self, fault: Fault) {
        // Only a real change wakes the relays (waking one cuts its copy loop short).
        self.fault
            .send_if_modified(|now| std::mem::replace(now, fault) != fault);
    }

    /// `url` (`scheme://user@host:port/db?…`) pointed at the proxy instead.
    pub fn url_for(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
        let (userinfo, after) = match rest.rfind('@') {
            Some(at) => (&rest[..=at], &rest[at + 1..]),
            None => ("", rest),
        };
        let path = after.find(['/', '?']).map_or("", |i| &after[i..]);
        format!("{scheme}://{userinfo}{}{path}", self.addr)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.fault.send_replace(Fault::Refuse);
    }
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, mut fault: watch::Receiver<Fault>) {
    loop {
        let now = *fault.borrow_and_update();
        match now {
            Fault::Refuse => {
                let _ = client.shutdown().await;
                return;
            }
            Fault::Reset => return reset(&client),
            Fault::BlackHole => {
                if fault.changed().await.is_err() {
                    return;
                }
            }
            Fault::None | Fault::Latency(_) => break,
        }
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let ended = {
        let (client_read, client_write) = client.split();
        let (server_read, server_write) = server.split();
        tokio::select! {
            () = pump(client_read, server_write, fault.clone()) => None,
            () = pump(server_read, client_write, fault.clone()) => None,
            cut = cut(fault) => Some(cut),
        }
    };
    if ended == Some(Fault::Reset) {
        reset(&client);
        reset(&server);
    }
}

/// Copies one direction, obeying the fault before each chunk it passes; returns when the
/// connection ends or is cut.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut fault: watch::Receiver<Fault>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        loop {
            let now = *fault.borrow_and_update();
            match now {
                Fault::None => break,
                Fault::Latency(delay) => {
                    tokio::time::sleep(delay).await;
                    break;
                }
                // Held until healed or cut.
                Fault::BlackHole => {
                    if fault.changed().await.is_err() {
                        return;
                    }
                }
                Fault::Refuse | Fault::Reset => return,
            }
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// Returns the fault that cuts open connections (`Refuse` or `Reset`) once it is set.
async fn cut(mut fault: watch::Receiver<Fault>) -> Fault {
    loop {
        let now = *fault.borrow_and_update();
        if matches!(now, Fault::Refuse | Fault::Reset) {
            return now;
        }
        if fault.changed().await.is_err() {
            return Fault::Refuse;
        }
    }
}

/// Makes the coming close of `stream` a reset (`SO_LINGER` 0).
fn reset(stream: &TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
}
