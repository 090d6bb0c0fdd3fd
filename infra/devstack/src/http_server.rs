//! The accept loop both local gateways run: HTTP/1 connections (upgradable, for WebSockets) until
//! shutdown, each request handed to `respond` with the peer's address.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio::net::TcpListener;
use tracing::warn;

pub async fn serve<F, Answer>(listener: TcpListener, shutdown: impl Future<Output = ()>, respond: F)
where
    F: Fn(hyper::Request<Incoming>, String) -> Answer + Clone + Send + Sync + 'static,
    Answer: Future<Output = hyper::Response<Full<Bytes>>> + Send + 'static,
{
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => { warn!("accept failed: {err}"); continue; }
            },
            _ = &mut shutdown => return,
        };
        let respond = respond.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let answer = respond(request, peer.ip().to_string());
                async move { Ok::<_, std::convert::Infallible>(answer.await) }
            });
            if let Err(err) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await
            {
                warn!("connection error: {err}");
            }
        });
    }
}
