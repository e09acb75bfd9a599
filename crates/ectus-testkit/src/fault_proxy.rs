//! A TCP proxy between a test's process and a server (PostgreSQL) that can fail on demand:
//! refuse connections and cut the open ones (an outage), or hold them without passing a byte
//! (a black hole), and heal again — network faults without touching the server.

use std::net::SocketAddr;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does to traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Pass bytes both ways.
    None,
    /// Close every open connection and every new one at once.
    Refuse,
    /// Accept, but pass nothing either way until the fault changes.
    BlackHole,
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
            Fault::BlackHole => {
                if fault.changed().await.is_err() {
                    return;
                }
            }
            Fault::None => break,
        }
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    loop {
        let changed = tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
            changed = fault.changed() => changed,
        };
        if changed.is_err() {
            return;
        }
        match *fault.borrow_and_update() {
            Fault::None => continue,
            Fault::Refuse => return,
            Fault::BlackHole => {}
        }
        // Hold both ends, passing nothing, until healed or cut.
        loop {
            if fault.changed().await.is_err() {
                return;
            }
            match *fault.borrow_and_update() {
                Fault::BlackHole => continue,
                Fault::Refuse => return,
                Fault::None => break,
            }
        }
    }
}
