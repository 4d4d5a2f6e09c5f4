//! Live playback: CZML packets pushed by the running simulation, streamed to every
//! browser as server-sent events. A browser that connects late first gets every packet
//! sent so far, then the new ones.

use crate::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Messages of the feed.
#[derive(Clone, Debug)]
enum Msg {
    /// A JSON array of CZML packets.
    Czml(Arc<str>),
    /// The simulation ended (with a status text).
    End(Arc<str>),
}

struct Inner {
    history: Mutex<Vec<Msg>>,
    tx: broadcast::Sender<Msg>,
    packets: AtomicU64,
    done: AtomicBool,
    name: String,
    lag_s: f64,
}

/// The live CZML feed. Cheap to clone; `push` from any thread.
///
/// ```
/// let feed = tl_server::LiveFeed::new("demo");
/// feed.push(r#"[{"id":"document","version":"1.0"}]"#.to_string());
/// feed.finish("done");
/// assert_eq!(feed.info()["batches"], 1);
/// ```
#[derive(Clone)]
pub struct LiveFeed {
    inner: Arc<Inner>,
}

impl LiveFeed {
    /// A new, empty feed for the scenario `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self::with_lag(name, 0.0)
    }

    /// A new feed whose viewer should display `lag_s` simulated seconds behind the
    /// newest sample (interpolation needs samples on both sides).
    pub fn with_lag(name: impl Into<String>, lag_s: f64) -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            inner: Arc::new(Inner {
                history: Mutex::new(Vec::new()),
                tx,
                packets: AtomicU64::new(0),
                done: AtomicBool::new(false),
                name: name.into(),
                lag_s,
            }),
        }
    }

    /// Send a batch: `packets_json` is a JSON array of CZML packets on one line.
    pub fn push(&self, packets_json: String) {
        self.send(Msg::Czml(packets_json.into()));
        self.inner.packets.fetch_add(1, Ordering::Relaxed);
    }

    /// Mark the end of the simulation (`status` is shown to the user).
    pub fn finish(&self, status: &str) {
        // Flag first: a client that has seen the end event must find the feed done.
        self.inner.done.store(true, Ordering::SeqCst);
        self.send(Msg::End(status.into()));
    }

    fn send(&self, m: Msg) {
        // History and broadcast under one lock, so a subscriber sees each batch once.
        let mut h = self.inner.history.lock().unwrap_or_else(|e| e.into_inner());
        h.push(m.clone());
        let _ = self.inner.tx.send(m);
    }

    fn subscribe(&self) -> (Vec<Msg>, broadcast::Receiver<Msg>) {
        let h = self.inner.history.lock().unwrap_or_else(|e| e.into_inner());
        (h.clone(), self.inner.tx.subscribe())
    }

    /// Status for `/api/live`: name, batches sent, finished or not.
    pub fn info(&self) -> serde_json::Value {
        serde_json::json!({
            "live": true,
            "name": self.inner.name,
            "batches": self.inner.packets.load(Ordering::Relaxed),
            "done": self.inner.done.load(Ordering::SeqCst),
            "lag_s": self.inner.lag_s,
        })
    }
}

fn event(m: &Msg) -> Event {
    match m {
        Msg::Czml(s) => Event::default().event("czml").data(&**s),
        Msg::End(s) => Event::default().event("end").data(&**s),
    }
}

/// `GET /api/live/stream`: history, then new batches; a client too slow to keep up gets
/// a `reset` event and should reconnect.
pub(crate) async fn stream(State(st): State<Arc<AppState>>) -> Response {
    let Some(feed) = st.live.clone() else {
        return crate::status(axum::http::StatusCode::NOT_FOUND, "no live run");
    };
    let (history, rx) = feed.subscribe();
    // After the end message there is nothing more to wait for: the stream closes.
    let ended = history.iter().any(|m| matches!(m, Msg::End(_)));
    let first = futures_util::stream::iter(
        history.iter().map(event).map(Ok::<_, std::convert::Infallible>).collect::<Vec<_>>(),
    );
    let rest = futures_util::stream::unfold((!ended).then_some(rx), |rx| async move {
        let mut rx = rx?;
        match rx.recv().await {
            Ok(m @ Msg::End(_)) => Some((Ok(event(&m)), None)),
            Ok(m) => Some((Ok(event(&m)), Some(rx))),
            Err(broadcast::error::RecvError::Lagged(_)) => {
                Some((Ok(Event::default().event("reset").data("lagged")), None))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    });
    use futures_util::StreamExt;
    Sse::new(first.chain(rest)).keep_alive(KeepAlive::default()).into_response()
}
