//! The one client for URLs customers give us: outgoing webhooks post through it. Every host name
//! is resolved by [`CheckedResolver`] when a connection opens, every answer checked by
//! [`address_policy`](super::address_policy), and the connection made to exactly those checked
//! addresses, so no second lookup (a DNS rebinding) can point it elsewhere. IP literals are checked
//! before each request. No redirect is followed, no proxy is used, a connection gets 5 s and the
//! whole request 15 s, and at most 2 KB of an answer is read.

use crate::integrations::address_policy::{self, Reach};
use crate::integrations::delivery_policy::{Answer, MAX_STORED_ANSWER_BYTES};
use crate::integrations::ports::{Call, EndpointCaller, Reply};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);

/// Resolves a host and refuses it unless every address it has is one we may reach.
#[derive(Clone)]
pub struct CheckedResolver {
    reach: Reach,
}

impl tower_service::Service<Name> for CheckedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let reach = self.reach;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ips: Vec<_> = addresses.iter().map(SocketAddr::ip).collect();
            address_policy::check_resolved(&host, &ips, reach)
                .map_err(|refusal| std::io::Error::new(std::io::ErrorKind::PermissionDenied, refusal.to_string()))?;
            Ok(addresses.into_iter())
        })
    }
}

pub struct SafeHttpClient {
    http: Client<HttpsConnector<HttpConnector<CheckedResolver>>, Full<Bytes>>,
    reach: Reach,
}

impl SafeHttpClient {
    pub fn new(reach: Reach) -> Self {
        let mut connector = HttpConnector::new_with_resolver(CheckedResolver { reach });
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
        connector.enforce_http(false);
        let builder = crate::meta::graph::tls_with_native_roots("webhook endpoints");
        // Plain http only where loopback is allowed (local stacks); a deployed stack's client
        // cannot open one at all.
        let tls = if reach.allow_loopback {
            builder.https_or_http().enable_http1().wrap_connector(connector)
        } else {
            builder.https_only().enable_http1().wrap_connector(connector)
        };
        Self {
            http: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(4)
                .build(tls),
            reach,
        }
    }

    async fn send(&self, call: &Call<'_>) -> Result<(u16, Option<u32>, Vec<u8>), Answer> {
        let target = address_policy::parse_target(call.url, self.reach).map_err(|refusal| Answer::Refused {
            reason: refusal.to_string(),
        })?;
        let mut request = hyper::Request::post(call.url).header("host", &target.authority);
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(call.body)))
            .map_err(|e| Answer::Refused { reason: e.to_string() })?;
        let response = self.http.request(request).await.map_err(|err| {
            let refused = refused_by_resolver(&err);
            let reason = error_chain(&err);
            if refused {
                Answer::Refused { reason }
            } else {
                Answer::NoAnswer {
                    unknown: !err.is_connect(),
                    reason,
                }
            }
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok());
        let mut body = response.into_body();
        let mut kept = Vec::new();
        while kept.len() < MAX_STORED_ANSWER_BYTES {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(chunk) = frame.into_data() {
                        kept.extend_from_slice(&chunk);
                    }
                }
                // The status is the answer; a body cut short does not change it.
                Some(Err(_)) | None => break,
            }
        }
        kept.truncate(MAX_STORED_ANSWER_BYTES);
        Ok((status, retry_after, kept))
    }
}

/// Whether [`CheckedResolver`] refused the host (somewhere down the connector's error chain).
fn refused_by_resolver(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = cause {
        if current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
        {
            return true;
        }
        cause = current.source();
    }
    false
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

#[async_trait::async_trait]
impl EndpointCaller for SafeHttpClient {
    async fn post(&self, call: Call<'_>) -> Reply {
        match tokio::time::timeout(TOTAL_TIMEOUT, self.send(&call)).await {
            Ok(Ok((code, retry_after_s, body))) => Reply {
                answer: Answer::Status { code, retry_after_s },
                body,
            },
            Ok(Err(answer)) => Reply {
                answer,
                body: Vec::new(),
            },
            Err(_) => Reply {
                answer: Answer::NoAnswer {
                    reason: format!("no answer within {TOTAL_TIMEOUT:?}"),
                    unknown: true,
                },
                body: Vec::new(),
            },
        }
    }
}
